//! `/healthz` (process alive, no I/O) and `/readyz` (database reachable,
//! migrations current, session store reachable).

use std::time::Duration;

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use serde_json::{Map, Value, json};

use super::site::Site;
use crate::core::db;

#[handler]
pub fn healthz() -> Json<Value> {
    Json(json!({ "status": "alive" }))
}

#[handler]
pub async fn readyz(Data(site): Data<&Site>) -> Response {
    let mut checks = Map::new();
    let mut ready = true;
    let db_check = tokio::time::timeout(Duration::from_secs(3), async {
        site.core.db.ping().await?;
        db::pending_migrations(&site.core.db).await
    })
    .await;
    match db_check {
        Ok(Ok(pending)) if pending.is_empty() => {
            checks.insert("database".into(), json!("ok"));
            checks.insert("migrations".into(), json!("ok"));
        }
        Ok(Ok(pending)) => {
            ready = false;
            checks.insert("database".into(), json!("ok"));
            checks.insert("migrations".into(), json!({ "pending": pending }));
        }
        Ok(Err(e)) => {
            ready = false;
            tracing::warn!(error = %e, "readiness: database check failed");
            checks.insert("database".into(), json!("unreachable"));
        }
        Err(_) => {
            ready = false;
            checks.insert("database".into(), json!("timeout"));
        }
    }
    if let Some(client) = &site.core.redis {
        let ping = tokio::time::timeout(Duration::from_secs(2), async {
            let mut conn = client.get_multiplexed_async_connection().await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await;
        match ping {
            Ok(Ok(_)) => {
                checks.insert("session_store".into(), json!("ok"));
            }
            _ => {
                ready = false;
                checks.insert("session_store".into(), json!("unreachable"));
            }
        }
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": checks,
    }))
    .with_status(status)
    .with_header("cache-control", "no-store")
    .into_response()
}
