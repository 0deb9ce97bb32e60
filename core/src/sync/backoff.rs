//! Retrying transient failures (the network, a busy bureau) with exponential backoff and full
//! jitter, so that a thousand phones coming back online do not knock at the same moment.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::{KoersError, Result};

/// How often and how patiently to retry.
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffPolicy {
    /// Attempts in all, the first included; 1 means no retry.
    pub max_attempts: u32,
    /// The ceiling of the first wait; it doubles with every retry.
    pub initial: Duration,
    /// No wait is longer than this.
    pub max_delay: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl BackoffPolicy {
    /// The wait before retry number `retry` (0-based): uniform in [0, min(max, initial*2^n)].
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random_u64() % (nanos + 1))
    }
}

/// Whether trying again later may help: only for the network and a failing server; never for
/// a refusal or bad input.
pub fn is_transient(error: &KoersError) -> bool {
    matches!(error, KoersError::Network { .. })
}

/// Runs `f` until it succeeds, fails permanently, or the attempts are used up; returns the
/// last error then.
pub fn with_backoff<T>(policy: &BackoffPolicy, f: impl FnMut() -> Result<T>) -> Result<T> {
    with_backoff_sleeping(policy, f, std::thread::sleep)
}

/// [`with_backoff`] with the sleep given, for tests and for callers with their own clock.
pub fn with_backoff_sleeping<T>(
    policy: &BackoffPolicy,
    mut f: impl FnMut() -> Result<T>,
    mut sleep: impl FnMut(Duration),
) -> Result<T> {
    let mut retry = 0;
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if is_transient(&e) && retry + 1 < policy.max_attempts => {
                tracing::debug!(retry, error = %e, "sync: transient failure, retrying");
                sleep(policy.delay(retry));
                retry += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A random number from the standard library's per-process random keys: good enough for
/// jitter, which needs spread, not secrecy.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> KoersError {
        KoersError::Network {
            message: "weg".into(),
        }
    }

    #[test]
    fn delays_grow_exponentially_under_a_ceiling_with_jitter() {
        let p = BackoffPolicy {
            max_attempts: 10,
            initial: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let mut seen = std::collections::HashSet::new();
        for retry in 0..10 {
            let ceiling = Duration::from_millis(100 * (1 << retry)).min(Duration::from_secs(1));
            for _ in 0..20 {
                let d = p.delay(retry);
                assert!(d <= ceiling, "{d:?} > {ceiling:?}");
                seen.insert(d);
            }
        }
        assert!(seen.len() > 100, "jitter should spread the waits");
    }

    #[test]
    fn retries_transient_failures_then_succeeds() {
        let mut calls = 0;
        let mut slept = vec![];
        let r = with_backoff_sleeping(
            &BackoffPolicy::default(),
            || {
                calls += 1;
                if calls < 3 {
                    Err(network())
                } else {
                    Ok(calls)
                }
            },
            |d| slept.push(d),
        );
        assert_eq!(r.unwrap(), 3);
        assert_eq!(slept.len(), 2);
    }

    #[test]
    fn gives_up_after_max_attempts_and_never_retries_a_refusal() {
        let mut calls = 0;
        let r: Result<()> = with_backoff_sleeping(
            &BackoffPolicy::default(),
            || {
                calls += 1;
                Err(network())
            },
            |_| {},
        );
        assert!(r.is_err());
        assert_eq!(calls, 5);

        let mut calls = 0;
        let r: Result<()> = with_backoff_sleeping(
            &BackoffPolicy::default(),
            || {
                calls += 1;
                Err(KoersError::Refused {
                    message: "nee".into(),
                })
            },
            |_| {},
        );
        assert!(r.is_err());
        assert_eq!(calls, 1);
    }
}
