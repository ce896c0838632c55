//! Whole-app test harness: `TestApp` boots the real server on 127.0.0.1:0
//! with a fresh database (a temporary SQLite file, or a fresh PostgreSQL
//! database when `TECHREG_TEST_DATABASE_URL` is set, dropped afterwards) and
//! hands out clients that keep cookies, pick up the CSRF token and can send
//! htmx headers.

pub mod application;
pub mod browser;
mod client;
pub mod house;

use std::sync::Arc;

use sea_orm::{ConnectionTrait, Database};
use techreg::core::config::Config;
use techreg::{AppState, RunMode};

pub use client::{Resp, TestClient};

pub struct TestApp {
    pub base_url: String,
    pub state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pg: Option<PgDatabase>,
    /// Keeps the data directory (SQLite file, keys) alive for the test.
    pub data_dir: Arc<tempfile::TempDir>,
}

/// A database created for one test on the PostgreSQL server of
/// `TECHREG_TEST_DATABASE_URL`.
#[derive(Clone)]
struct PgDatabase {
    admin_url: String,
    name: String,
    owner: bool,
}

pub fn postgres_url() -> Option<String> {
    std::env::var("TECHREG_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

pub fn redis_url() -> Option<String> {
    std::env::var("TECHREG_TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

/// `postgres://host/db?x` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = path_start.map_or(base, |i| &base[..i]);
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

impl TestApp {
    /// A fresh app with the test defaults.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// A fresh app; `adjust` may change the configuration first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let (database_url, pg) = match postgres_url() {
            Some(admin_url) => {
                let name = format!("techreg_t_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                (
                    with_database(&admin_url, &name),
                    Some(PgDatabase {
                        admin_url,
                        name,
                        owner: true,
                    }),
                )
            }
            None => (
                format!("sqlite://{}/techreg.db", data_dir.path().display()),
                None,
            ),
        };
        let mut config = test_config(&database_url, data_dir.path());
        adjust(&mut config);
        Self::start(config, data_dir, pg).await
    }

    /// A second app node on the same database and key files, as behind the
    /// load balancer in production.
    pub async fn spawn_node(&self) -> TestApp {
        let config = (*self.state.core.config).clone();
        let pg = self.pg.clone().map(|p| PgDatabase { owner: false, ..p });
        Self::start(config, self.data_dir.clone(), pg).await
    }

    async fn start(
        config: Config,
        data_dir: Arc<tempfile::TempDir>,
        pg: Option<PgDatabase>,
    ) -> TestApp {
        let state = techreg::boot(config, RunMode::Test).await.expect("boot");
        let running = techreg::server::start(state.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .expect("bind");
        TestApp {
            base_url: format!("http://{}", running.addr),
            state,
            shutdown: Some(running.shutdown),
            task: Some(running.task),
            pg,
            data_dir,
        }
    }

    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base_url)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Makes the database unreachable for this app (drops the PostgreSQL
    /// database, or closes the SQLite pool).
    pub async fn break_database(&self) {
        match &self.pg {
            Some(pg) => {
                let admin = Database::connect(&pg.admin_url)
                    .await
                    .expect("admin connection");
                admin
                    .execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        pg.name
                    ))
                    .await
                    .expect("drop database");
                admin.close().await.ok();
            }
            None => self.state.core.db.close_by_ref().await.expect("close pool"),
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(pg) = self.pg.take().filter(|p| p.owner) {
            // Drop runs inside the test's runtime: use a thread of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&pg.admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                                pg.name
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Test defaults: quick settings polling, cheap password hashing, quiet logs.
pub fn test_config(database_url: &str, data_dir: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.database_url = techreg::core::config::Secret::new(database_url);
    config.data_dir = data_dir.to_path_buf();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.settings.poll_seconds = 1;
    config.security.pbkdf2_iterations = 1_000;
    // Tests run jobs by hand, at the times they choose.
    config.jobs.enabled = false;
    if let Some(redis) = redis_url() {
        config.session.store = techreg::core::config::Secret::new(redis);
    }
    config
}

/// Password every test user gets unless a test says otherwise.
pub const PASSWORD: &str = "Test@Passw0rd";

impl TestApp {
    /// The newest SMS to `mobile`, decrypted as the gateway would deliver it.
    pub async fn last_sms(&self, mobile: &str) -> Option<String> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        use techreg_entities::identity::sms_message;
        let index = self.state.keys.fields().blind_index("mobile", mobile);
        let row = sms_message::Entity::find()
            .filter(sms_message::Column::MobileIndex.eq(index))
            .order_by_desc(sms_message::Column::Id)
            .one(&self.state.core.db)
            .await
            .unwrap()?;
        self.state.keys.fields().decrypt(&row.body_enc).ok()
    }

    /// The 6-digit code in the newest SMS to `mobile`.
    pub async fn last_sms_code(&self, mobile: &str) -> String {
        let body = self.last_sms(mobile).await.expect("an SMS was sent");
        body.split(|c: char| !c.is_ascii_digit())
            .find(|part| part.len() == 6)
            .expect("a 6-digit code")
            .to_owned()
    }

    /// A user created as an admin or the seed would, with one role.
    pub async fn create_user(
        &self,
        username: &str,
        mobile: &str,
        role: &str,
        scope: techreg::core::Scope,
        must_change_password: bool,
    ) -> i64 {
        use sea_orm::TransactionTrait;
        use techreg::identity;
        let now = self.state.core.clock.now();
        let txn = self.state.core.db.begin().await.unwrap();
        let user = identity::create_user(
            &txn,
            self.state.keys.as_ref(),
            self.state.core.config.security.pbkdf2_iterations,
            identity::NewUser {
                username,
                display_name: username,
                kind: identity::KIND_STAFF,
                status: identity::STATUS_ACTIVE,
                enterprise_id: None,
                is_enterprise_admin: false,
                mobile: Some(mobile),
                id_card: None,
                password: PASSWORD,
                must_change_password,
            },
            now,
        )
        .await
        .unwrap();
        identity::assign_role(
            &txn,
            self.state.keys.as_ref(),
            user.id,
            role,
            scope,
            None,
            now,
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        user.id
    }

    /// Signs `client` in with password and SMS code; returns the last answer.
    pub async fn login(
        &self,
        client: &TestClient,
        username: &str,
        password: &str,
        mobile: &str,
    ) -> Resp {
        client.get("/login").await;
        let r = client
            .post_form("/login", &[("username", username), ("password", password)])
            .await;
        assert_eq!(r.status, 303, "password step: {}", r.body);
        assert_eq!(r.header("location"), Some("/login/verify"));
        client.get("/login/verify").await;
        let code = self.last_sms_code(mobile).await;
        let r = client.post_form("/login/verify", &[("code", &code)]).await;
        if let Some(location) = r.header("location").filter(|_| r.status == 303) {
            // As a browser would: follow the redirect (and pick up the new
            // CSRF token that belongs to the new session id).
            client.get(location).await;
        }
        r
    }

    /// Registers a unit user through the form (with the SMS code), signs
    /// them in and returns their client. `base17` is the credit code
    /// without its check character.
    pub async fn register_enterprise(
        &self,
        username: &str,
        mobile: &str,
        base17: &str,
        name: &str,
        district: &str,
    ) -> TestClient {
        let c = self.client();
        c.get("/register/enterprise").await;
        c.htmx_post("/register/sms-code", &[("mobile", mobile)])
            .await;
        let sms = self.last_sms_code(mobile).await;
        let code = format!("{base17}{}", techreg::identity::credit_check_char(base17));
        let r = c
            .post_form(
                "/register/enterprise",
                &[
                    ("credit_code", code.as_str()),
                    ("enterprise_name", name),
                    ("district", district),
                    ("contact_name", "联系人"),
                    ("mobile", mobile),
                    ("sms_code", &sms),
                    ("username", username),
                    ("password", PASSWORD),
                    ("confirm_password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // The login code is a second SMS to the same number.
        self.state.core.clock.advance(chrono::Duration::seconds(61));
        let r = self.login(&c, username, PASSWORD, mobile).await;
        assert_eq!(r.status, 303);
        c
    }

    /// Uploads claim proof as the browser form does (multipart, CSRF token
    /// in the query string, the claim's version from the page).
    pub async fn upload_claim(
        &self,
        c: &TestClient,
        licence: Option<&[u8]>,
        letter: Option<&[u8]>,
    ) -> Resp {
        let page = c.get("/my/claim").await;
        let version = page
            .html()
            .select(&scraper::Selector::parse("input[name=version]").unwrap())
            .next()
            .and_then(|i| i.value().attr("value").map(str::to_owned))
            .unwrap_or_else(|| "0".into());
        let token = c.csrf_token().unwrap();
        let mut form = reqwest::multipart::Form::new().text("version", version);
        if let Some(b) = licence {
            form = form.part(
                "licence",
                reqwest::multipart::Part::bytes(b.to_vec()).file_name("licence.pdf"),
            );
        }
        if let Some(b) = letter {
            form = form.part(
                "letter",
                reqwest::multipart::Part::bytes(b.to_vec()).file_name("letter.pdf"),
            );
        }
        c.send(
            c.request(
                reqwest::Method::POST,
                &format!("/my/claim?csrf_token={token}"),
            )
            .multipart(form),
        )
        .await
    }

    /// A district office for `district` (GB/T 2260 code); returns its id.
    pub async fn create_office(&self, district: &str, name: &str) -> i64 {
        use techreg::org::{KIND_DISTRICT, NewOffice, create_office};
        create_office(
            &self.state.core.db,
            NewOffice {
                code: &format!("SH{district}"),
                name,
                kind: KIND_DISTRICT,
                district_code: Some(district),
                address: "上海市",
                phone: "021-00000000",
                head_name: "负责人",
                handles: "",
            },
            self.state.core.clock.now(),
        )
        .await
        .unwrap()
        .id
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = self.state.core.db.get_database_backend();
        let row = self
            .state
            .core
            .db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://h/test?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
