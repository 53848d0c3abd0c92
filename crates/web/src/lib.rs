//! Tuoke's HTTP edge: the REST API under `/api/v1` with its generated OpenAPI
//! description, bearer-token authentication, `application/problem+json`
//! errors, idempotency keys, health and metrics.
//!
//! This is the only crate that knows HTTP, JSON wire types and HTML. It calls
//! the use cases of `tuoke-app` and converts explicitly between wire types and
//! domain types; it holds no business rule and no SQL (it must not depend on
//! `tuoke-store`).
#![forbid(unsafe_code)]

mod api;
mod error;
mod extract;
mod observe;
mod ui;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tuoke_app::App;

pub use api::openapi;
pub use error::ErrorCode;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub(crate) struct AppState {
    pub app: App,
}

/// The whole HTTP service.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    api::routes(state.clone())
        .merge(observe::routes())
        .merge(ui::routes())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
