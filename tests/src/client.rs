//! An HTTP client that behaves like a browser user: keeps cookies, does not
//! follow redirects on its own (tests look at them), reads the CSRF token
//! from the last page.

use std::sync::Mutex;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub struct TestClient {
    base: String,
    http: reqwest::Client,
    csrf: Mutex<Option<String>>,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// Text of the first element matching a CSS selector.
    pub fn text_of(&self, selector: &str) -> Option<String> {
        let sel = scraper::Selector::parse(selector).expect("selector");
        self.html()
            .select(&sel)
            .next()
            .map(|e| e.text().collect::<String>())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

fn csrf_from(body: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(body);
    let meta = scraper::Selector::parse(r#"meta[name="csrf-token"]"#).unwrap();
    doc.select(&meta)
        .next()
        .and_then(|m| m.value().attr("content"))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl TestClient {
    pub fn new(base: &str) -> Self {
        techreg::integrations::http_client::install_crypto_provider();
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base: base.to_owned(),
            http,
            csrf: Mutex::new(None),
        }
    }

    pub fn csrf_token(&self) -> Option<String> {
        self.csrf.lock().unwrap().clone()
    }

    async fn finish(&self, resp: reqwest::Response) -> Resp {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.expect("body");
        if let Some(token) = csrf_from(&body) {
            *self.csrf.lock().unwrap() = Some(token);
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{}", self.base, path))
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Resp {
        self.finish(builder.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    /// A GET as htmx sends it when swapping part of the page.
    pub async fn htmx_get(&self, path: &str) -> Resp {
        self.send(
            self.request(reqwest::Method::GET, path)
                .header("HX-Request", "true"),
        )
        .await
    }

    /// A form POST carrying the CSRF token of the last page seen.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if let Some(token) = self.csrf_token() {
            all.push(("csrf_token", token));
        }
        self.send(self.request(reqwest::Method::POST, path).form(&all))
            .await
    }

    /// A file upload as a browser's multipart form sends it, with the CSRF
    /// token in the query string.
    pub async fn post_file(&self, path: &str, field: &str, file_name: &str, bytes: &[u8]) -> Resp {
        let token = self.csrf_token().unwrap_or_default();
        let sep = if path.contains('?') { '&' } else { '?' };
        let form = reqwest::multipart::Form::new().part(
            field.to_owned(),
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file_name.to_owned()),
        );
        self.send(
            self.request(
                reqwest::Method::POST,
                &format!("{path}{sep}csrf_token={token}"),
            )
            .multipart(form),
        )
        .await
    }

    /// A form POST without any CSRF token.
    pub async fn post_form_without_token(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.send(self.request(reqwest::Method::POST, path).form(fields))
            .await
    }

    /// An htmx POST: token in the `X-CSRF-Token` header.
    pub async fn htmx_post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut req = self
            .request(reqwest::Method::POST, path)
            .header("HX-Request", "true")
            .form(fields);
        if let Some(token) = self.csrf_token() {
            req = req.header("X-CSRF-Token", token);
        }
        self.send(req).await
    }
}
