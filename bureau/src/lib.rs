//! The bureau's server: keeps every employee's Automerge dossier, enrols their devices, and
//! syncs the dossier with those devices and with the coach (docs/SYNC.md). `router` builds
//! the whole HTTP surface: the device endpoints, the coach's JSON API and the coach's web
//! view (`web`).

pub mod auth;
pub mod change_check;
pub mod client_addr;
pub mod coach_api;
pub mod demo;
pub mod devices;
pub mod documents;
pub mod metrics;
pub mod snapshot_state;
pub mod storage;
pub mod summary;
pub mod sync;
pub mod testkit;
pub mod throttle;
pub mod web;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use koers_protocol::{limits, ErrorBody, ErrorCode, CONTENT_TYPE, PROTOCOL_VERSION};
use serde::Serialize;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::{CodeKey, KnownDevices};
use crate::client_addr::{ClientAddr, TrustedProxies};
use crate::documents::Documents;
use crate::storage::{AuditEvent, Storage};
use crate::throttle::{AuditGate, FailureThrottle, Suppressed};

/// The one error type of the bureau.
#[derive(Debug, thiserror::Error)]
pub enum BureauError {
    /// The request is refused; the message is for the person behind the client (Dutch).
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    /// Something with this name exists already.
    #[error("{message}")]
    Conflict { message: String },
    /// The database failed; nothing was changed.
    #[error("storage: {message}")]
    Storage { message: String },
}

pub type Result<T, E = BureauError> = std::result::Result<T, E>;

impl BureauError {
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }

    /// Too many failed attempts; `wait` is how long until the next one is heard.
    pub fn rate_limited(wait: Duration) -> Self {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        Self::refused(
            ErrorCode::RateLimited,
            format!(
                "Te veel mislukte pogingen; probeer het over {minutes} {} opnieuw.",
                if minutes == 1 { "minuut" } else { "minuten" }
            ),
        )
    }

    pub(crate) fn status_and_body(&self) -> (StatusCode, ErrorCode, String) {
        match self {
            Self::Refused { code, message } => (
                StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                *code,
                message.clone(),
            ),
            Self::Conflict { message } => {
                (StatusCode::CONFLICT, ErrorCode::Malformed, message.clone())
            }
            Self::Storage { message } => {
                tracing::error!(%message, "storage failure");
                metrics::storage_error();
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Internal,
                    "Het bureau kan dit nu niet opslaan; probeer het later opnieuw.".into(),
                )
            }
        }
    }
}

impl From<rusqlite::Error> for BureauError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage {
            message: e.to_string(),
        }
    }
}

/// Device endpoints answer errors as CBOR [`ErrorBody`].
impl IntoResponse for BureauError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.status_and_body();
        cbor(
            status,
            &ErrorBody {
                v: PROTOCOL_VERSION,
                code,
                message,
            },
        )
    }
}

/// A CBOR reply.
pub fn cbor<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match koers_protocol::encode(value) {
        Ok(bytes) => (
            status,
            [(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode reply");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub storage: Arc<dyn Storage>,
    /// Whose `X-Forwarded-For` gives the client address.
    pub proxies: TrustedProxies,
    /// The key enrolment codes are stored under.
    pub code_key: CodeKey,
    pub documents: Documents,
    /// Failed logins per client address (behind a proxy: the forwarded one) ...
    pub login_by_client: FailureThrottle<IpAddr>,
    /// ... and per account (typed e-mail address, known or not), against guessing one
    /// password from many addresses; one address alone cannot reach it.
    pub login_by_account: FailureThrottle<String>,
    /// Failed enrolments per client address (each code also has its own few attempts).
    pub enrol_by_client: FailureThrottle<IpAddr>,
    /// Which refusals are audited one by one, so a flood cannot grow the audit table.
    pub audit_gate: AuditGate,
    /// When each device's `last_seen_at` was last written, to write it at most once a minute.
    touched: Mutex<HashMap<String, Instant>>,
    /// The devices this node has seen authenticate (`sync::serve`).
    pub known_devices: KnownDevices,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// How the bureau meets the network and keeps its secrets: set from the command line
/// (`main.rs`).
#[derive(Debug, Clone)]
pub struct Security {
    pub proxies: TrustedProxies,
    /// The key enrolment codes are stored under (`auth::CodeKey::shared`).
    pub code_key: CodeKey,
}

impl Default for Security {
    /// No trusted proxies; the process's own code key.
    fn default() -> Self {
        Self {
            proxies: TrustedProxies::none(),
            code_key: CodeKey::ephemeral(),
        }
    }
}

fn shared<K: std::hash::Hash + Eq + Clone + std::fmt::Display>(
    scope: &'static str,
    burst: u32,
    seconds: u64,
    storage: &Arc<dyn Storage>,
) -> FailureThrottle<K> {
    FailureThrottle::shared(scope, burst, Duration::from_secs(seconds), storage.clone())
}

impl AppState {
    /// A bureau with no trusted proxies.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self::with_security(storage, Security::default())
    }

    pub fn with_security(storage: Arc<dyn Storage>, security: Security) -> Self {
        Self(Arc::new(Inner {
            documents: Documents::new(storage.clone()),
            // 20 failures at once, then one per 45 s (20 per quarter of an hour), counted
            // in the database for every node.
            login_by_client: shared("login-client", 20, 45, &storage),
            login_by_account: shared("login-account", 50, 18, &storage),
            enrol_by_client: shared("enrol-client", 20, 45, &storage),
            storage,
            proxies: security.proxies,
            code_key: security.code_key,
            audit_gate: AuditGate::default(),
            touched: Mutex::new(HashMap::new()),
            known_devices: KnownDevices::default(),
        }))
    }

    /// Writes an audit line; a failing audit is logged, never fatal to the request.
    pub fn audit(&self, kind: &str, principal: Option<&str>, ip: &str, detail: &str) {
        let event = AuditEvent {
            at: now_ms(),
            kind: kind.into(),
            principal: principal.map(str::to_string),
            ip: (!ip.is_empty()).then(|| ip.to_string()),
            detail: detail.into(),
        };
        if let Err(e) = self.storage.audit(&event) {
            tracing::error!(error = %e, "cannot write audit event");
        }
    }

    /// Logs and audits a refused access attempt: the first few of an address per window one
    /// by one, the rest of that window as one summary line (`refused_summary`).
    pub fn refuse(&self, kind: &str, principal: Option<&str>, ip: &str, detail: &str) {
        let (record, ended) = self.audit_gate.admit(ip, kind, Instant::now());
        self.audit_summaries(ended);
        if record {
            tracing::warn!(kind, principal, ip, detail, "access refused");
            self.audit(kind, principal, ip, detail);
        }
    }

    fn audit_summaries(&self, summaries: Vec<Suppressed>) {
        for s in summaries {
            let detail = s.detail();
            tracing::warn!(ip = %s.ip, %detail, "access refused (summary)");
            self.audit("refused_summary", None, &s.ip, &detail);
        }
    }

    /// Audits the summaries of windows still open (when the server stops).
    pub fn flush_audit(&self) {
        self.audit_summaries(self.audit_gate.drain());
    }

    /// Whether the device's `last_seen_at` is due to be written (at most once a minute);
    /// marks it written.
    pub fn touch_due(&self, device_id: &str) -> bool {
        let mut touched = self.touched.lock().unwrap_or_else(|p| p.into_inner());
        let due = touched
            .get(device_id)
            .is_none_or(|t| t.elapsed() > Duration::from_secs(60));
        if due {
            touched.insert(device_id.to_string(), Instant::now());
        }
        due
    }
}

/// The whole HTTP surface. Serve with [`serve`] (it supplies the peer address the limits
/// and the audit need).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/enrol", post(devices::enrol))
        .route("/v1/sync", post(sync_endpoint))
        .route("/v1/devices", get(devices::list))
        .route("/v1/devices/{device_id}/revoke", post(devices::revoke))
        .merge(coach_api::routes())
        .merge(web::routes())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_endpoint))
        .layer(DefaultBodyLimit::max(limits::MAX_REQUEST_BYTES))
        // Replies hold dossiers, tokens and codes: no cache (a browser's, a proxy's) keeps
        // them; the few that may be cached (the web view's CSS and JS) say so themselves.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let served = axum::serve(
        listener,
        router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    state.flush_audit();
    served
}

/// Runs blocking work (SQLite, Automerge) off the async threads; a panic there becomes a 500.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(BureauError::Storage {
            message: format!("worker failed: {e}"),
        })
    })
}

/// Ready to serve: the process is up (that is `/healthz`) and its database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match blocking(move || state.storage.ping()).await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics_endpoint() -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics::render(),
    )
        .into_response()
}

async fn sync_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let started = Instant::now();
    let response = sync_round(state, client, headers, body).await;
    metrics::sync_session(
        metrics::SyncOutcome::of_status(response.status().as_u16()),
        started.elapsed(),
    );
    response
}

async fn sync_round(
    state: AppState,
    client: ClientAddr,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = auth::bearer(&headers).map(str::to_string);
    let ip = client.to_string();
    let result = blocking(move || sync::serve(&state, token.as_deref(), &ip, &body)).await;
    match result {
        // A request whose every document was refused is refused as a whole, with the first
        // reason: for the usual one-document request that is a plain 4xx.
        Ok(reply) => match reply.documents.first().map(|d| &d.outcome) {
            Some(koers_protocol::Outcome::Refused { code, message })
                if reply
                    .documents
                    .iter()
                    .all(|d| matches!(d.outcome, koers_protocol::Outcome::Refused { .. })) =>
            {
                BureauError::refused(*code, message.clone()).into_response()
            }
            _ => cbor(StatusCode::OK, &reply),
        },
        Err(e) => e.into_response(),
    }
}
