//! Static files embedded in the binary, served under `/assets/` with
//! content-hash versions in their URLs and long cache lifetimes.

use poem::http::{StatusCode, header};
use poem::web::{Path, Query};
use poem::{IntoResponse, Response, handler};
use rust_embed::RustEmbed;
use serde::Deserialize;
use techreg_views::layout::AssetUrls;

#[derive(RustEmbed)]
#[folder = "../assets/"]
#[exclude = "README.md"]
struct Embedded;

/// First 16 hex digits of the file's SHA-256 (computed at compile time by
/// rust-embed).
pub fn version(path: &str) -> Option<String> {
    Embedded::get(path).map(|f| hex::encode(&f.metadata.sha256_hash()[..8]))
}

pub fn url(path: &str) -> String {
    match version(path) {
        Some(v) => format!("/assets/{path}?v={v}"),
        None => format!("/assets/{path}"),
    }
}

pub fn urls() -> AssetUrls {
    AssetUrls {
        css: url("css/app.css"),
        htmx: url("vendor/htmx.min.js"),
        app_js: url("js/app.js"),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

#[derive(Deserialize)]
pub struct VersionQuery {
    v: Option<String>,
}

#[handler]
pub fn asset(Path(path): Path<String>, Query(q): Query<VersionQuery>) -> Response {
    let Some(file) = Embedded::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current = hex::encode(&file.metadata.sha256_hash()[..8]);
    // Only a URL that names this exact content may be cached for a year.
    let cache = if q.v.as_deref() == Some(current.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=0, must-revalidate"
    };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(&path))
        .header(header::CACHE_CONTROL, cache)
        .header(header::ETAG, format!("\"{current}\""))
        .body(file.data.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_htmx_and_own_files_are_embedded_with_versions() {
        for path in ["vendor/htmx.min.js", "css/app.css", "js/app.js"] {
            let v = version(path).unwrap_or_else(|| panic!("{path} embedded"));
            assert_eq!(v.len(), 16);
            assert!(url(path).ends_with(&v));
        }
        assert!(version("README.md").is_none());
    }
}
