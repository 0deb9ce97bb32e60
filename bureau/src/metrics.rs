//! The bureau's operational metrics, served at `/metrics` in the Prometheus text format:
//! sync sessions by outcome, their latency, and storage failures. One process-wide registry
//! (every node exports its own; Prometheus sums over nodes).

use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry};

struct Metrics {
    registry: Registry,
    sync_sessions: IntCounterVec,
    sync_seconds: HistogramVec,
    storage_errors: IntCounter,
}

static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| {
    let registry = Registry::new();
    let sync_sessions = IntCounterVec::new(
        Opts::new(
            "koers_sync_sessions_total",
            "Sync requests (POST /v1/sync) by outcome: ok, refused (4xx) or error (5xx).",
        ),
        &["outcome"],
    )
    .ok()?;
    let sync_seconds = HistogramVec::new(
        HistogramOpts::new(
            "koers_sync_duration_seconds",
            "Time from receiving a sync request to its reply, by outcome.",
        )
        .buckets(vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]),
        &["outcome"],
    )
    .ok()?;
    let storage_errors = IntCounter::new(
        "koers_storage_errors_total",
        "Requests that failed because the database did (answered 503).",
    )
    .ok()?;
    registry.register(Box::new(sync_sessions.clone())).ok()?;
    registry.register(Box::new(sync_seconds.clone())).ok()?;
    registry.register(Box::new(storage_errors.clone())).ok()?;
    Some(Metrics {
        registry,
        sync_sessions,
        sync_seconds,
        storage_errors,
    })
});

/// How a sync request ended, for the metrics.
#[derive(Debug, Clone, Copy)]
pub enum SyncOutcome {
    Ok,
    Refused,
    Error,
}

impl SyncOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Refused => "refused",
            Self::Error => "error",
        }
    }

    /// The outcome an HTTP status stands for.
    pub fn of_status(status: u16) -> Self {
        match status {
            200..=399 => Self::Ok,
            400..=499 => Self::Refused,
            _ => Self::Error,
        }
    }
}

/// Counts one sync request and its latency.
pub fn sync_session(outcome: SyncOutcome, took: Duration) {
    if let Some(m) = METRICS.as_ref() {
        m.sync_sessions.with_label_values(&[outcome.label()]).inc();
        m.sync_seconds
            .with_label_values(&[outcome.label()])
            .observe(took.as_secs_f64());
    }
}

/// Counts one request that failed on the database.
pub fn storage_error() {
    if let Some(m) = METRICS.as_ref() {
        m.storage_errors.inc();
    }
}

/// Everything, in the Prometheus text exposition format.
pub fn render() -> String {
    let Some(m) = METRICS.as_ref() else {
        return String::new();
    };
    let mut out = Vec::new();
    if prometheus::TextEncoder::new()
        .encode(&m.registry.gather(), &mut out)
        .is_err()
    {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_errors_show_in_the_text_format() {
        sync_session(SyncOutcome::of_status(200), Duration::from_millis(3));
        sync_session(SyncOutcome::of_status(403), Duration::from_millis(1));
        storage_error();
        let text = render();
        assert!(
            text.contains("koers_sync_sessions_total{outcome=\"ok\"}"),
            "{text}"
        );
        assert!(text.contains("koers_sync_sessions_total{outcome=\"refused\"}"));
        assert!(text.contains("koers_sync_duration_seconds_bucket{outcome=\"ok\",le=\"0.005\"}"));
        assert!(text.contains("koers_storage_errors_total"));
    }
}
