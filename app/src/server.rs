//! The router and the server loop with graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::middleware::CatchPanic;
use poem::{Endpoint, EndpointExt, IntoResponse, Route, Server, get};

use crate::boot::AppState;
use crate::identity::SessionAuthenticator;
use crate::nav::Navigation;
use crate::showcase;
use crate::web::auth::Authentication;
use crate::web::site::Site;
use crate::web::{assets, health, middleware};

pub fn router(state: Arc<AppState>) -> impl Endpoint + 'static {
    let routes = Route::new()
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/assets/*path", get(assets::asset));
    let routes = showcase::routes(routes);
    let routes = crate::identity::routes(routes);
    let routes = crate::org::routes(routes);
    let routes = crate::dictionary::routes(routes);
    let routes = crate::calendar::routes(routes);
    let routes = crate::audit::routes(routes);
    let routes = crate::reports::routes(routes);
    let routes = crate::alerts::routes(routes);
    let routes = crate::contracts::certificate::routes::routes(routes);
    let routes = crate::contracts::certificate::download::routes(routes);
    let routes = crate::contracts::reclassify::routes(routes);
    let routes = crate::jobs::routes(routes);
    let routes = crate::contracts::notice_routes::routes(routes);
    let routes = crate::contracts::apply_routes::routes(routes);
    let routes = crate::contracts::review_routes::routes(routes);
    let routes = crate::integrity::routes(routes);
    let routes = crate::contracts::routes(routes);
    let routes = crate::duplicates::routes(routes);
    routes
        .with(CatchPanic::new().with_handler(|_| {
            poem::http::StatusCode::INTERNAL_SERVER_ERROR
                .with_header(middleware::PANIC_MARKER, "1")
                .into_response()
        }))
        .around(middleware::csrf)
        .around(middleware::session)
        .around(middleware::network)
        .around(middleware::render_errors)
        .around(middleware::security_headers)
        .around(middleware::trace)
        // The middleware stack as one type, so the handles below do not
        // nest it ever deeper.
        .boxed()
        .data(state.core.clone())
        .data(state.settings.clone())
        .data(state.dictionaries.clone())
        .data(state.calendar.clone())
        .data(state.files.clone())
        .data(state.audit.clone())
        .data(state.identity.clone())
        .data(state.org.clone())
        .data(state.alerts.clone())
        .data(state.duplicates.clone())
        .data(state.integrity.clone())
        .data(state.contracts.clone())
        .data(state.reports.clone())
        .data(state.jobs.clone())
        .data(Authentication(Arc::new(SessionAuthenticator(
            state.identity.clone(),
        ))))
        .data(Site {
            core: state.core.clone(),
            keys: state.keys.clone(),
            assets: state.assets.clone(),
            chrome: Arc::new(Navigation {
                core: state.core.clone(),
                settings: state.settings.clone(),
            }),
        })
        .data(state)
}

/// A bound server: its address, and a handle that stops it gracefully.
pub struct Running {
    pub addr: SocketAddr,
    pub shutdown: tokio::sync::oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds `addr` (port 0 picks a free port) and serves until `shutdown`
/// fires or the process gets SIGTERM / ctrl-c.
pub async fn start(state: Arc<AppState>, addr: SocketAddr) -> std::io::Result<Running> {
    let acceptor = TcpListener::bind(addr).into_acceptor().await?;
    let bound = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .unwrap_or(addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let poller = state.settings.spawn_poller();
    let dictionary_poller = state.dictionaries.spawn_poller();
    let calendar_poller = state.calendar.spawn_poller();
    let sealer = crate::audit::spawn_sealer(
        state.core.db.clone(),
        std::sync::Arc::new(
            state
                .keys
                .secret(crate::security::keys::KeyName::Audit)
                .to_vec(),
        ),
    );
    let jobs = crate::jobs::spawn(&state.jobs);
    let app = router(state);
    let task = tokio::spawn(async move {
        let result = Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(
                app,
                async move {
                    tokio::select! {
                        _ = rx => {}
                        _ = shutdown_signal() => {}
                    }
                },
                Some(Duration::from_secs(10)),
            )
            .await;
        poller.abort();
        dictionary_poller.abort();
        calendar_poller.abort();
        sealer.abort();
        for job in jobs {
            job.abort();
        }
        result
    });
    Ok(Running {
        addr: bound,
        shutdown: tx,
        task,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("ctrl-c: shutting down"),
        _ = term => tracing::info!("SIGTERM: shutting down"),
    }
}
