//! Limits on guessing: failed logins and enrolments are throttled per key (an account, a
//! client address); only failures use up the budget, so coaches who log in successfully
//! behind one proxy never lock each other out. The budget is one GCRA per key kept in the
//! database (`Storage::throttle_failed`), so failures spread over several nodes count as on
//! one; `governor` keeps the same limit in memory as a first gate, which answers a key this
//! node already knows is spent without asking the database. Also the gate that keeps a
//! flood of refused attempts from growing the audit table without bound.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::storage::Storage;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Keys are forgotten once this many are held (the limiter keeps only keys not yet back to
/// a full budget, so the map stays small unless someone floods with fresh keys).
const PRUNE_ABOVE: usize = 10_000;

type Limiter<K, C> = RateLimiter<K, DefaultKeyedStateStore<K>, C, StateInformationMiddleware>;

/// Counts failures per key; once a key has used its budget every attempt with it is refused
/// until the limiter has a cell for it again.
pub struct FailureThrottle<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    limiter: Limiter<K, C>,
    clock: C,
    /// Keys whose budget is spent, and until when.
    blocked: Mutex<HashMap<K, C::Instant>>,
    /// The budget every node shares, if any (else this node's alone).
    shared: Option<Shared>,
}

/// A GCRA per key in the database: `tat` (the theoretical arrival time) moves one period
/// ahead with each failure, never from before now; a key is refused while it is more than
/// `burst - 1` periods ahead. That is `burst` failures at once, then one per period, as
/// `governor` counts in memory.
struct Shared {
    storage: Arc<dyn Storage>,
    /// Which limit (a key of one limit is not one of another).
    scope: &'static str,
    burst: u32,
    period_ms: i64,
}

impl Shared {
    fn wait(&self, tat: i64, now: i64) -> Option<Duration> {
        let ahead = tat - now - i64::from(self.burst - 1) * self.period_ms;
        (ahead > 0).then(|| Duration::from_millis(ahead.unsigned_abs()))
    }
}

impl<K: Hash + Eq + Clone + Display> FailureThrottle<K> {
    /// `burst` failures at once, then one more every `replenish_every`, counted by this node
    /// alone.
    pub fn new(burst: u32, replenish_every: Duration) -> Self {
        Self::with_clock(burst, replenish_every, DefaultClock::default())
    }

    /// The same limit, counted in `storage` for every node over it under `scope`.
    pub fn shared(
        scope: &'static str,
        burst: u32,
        replenish_every: Duration,
        storage: Arc<dyn Storage>,
    ) -> Self {
        let mut t = Self::new(burst, replenish_every);
        t.shared = Some(Shared {
            storage,
            scope,
            burst: burst.max(1),
            period_ms: i64::try_from(replenish_every.as_millis()).unwrap_or(i64::MAX),
        });
        t
    }
}

impl<K: Hash + Eq + Clone + Display, C: Clock + Clone> FailureThrottle<K, C> {
    pub fn with_clock(burst: u32, replenish_every: Duration, clock: C) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(replenish_every)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: Limiter::new(quota, DefaultKeyedStateStore::default(), clock.clone()),
            clock,
            blocked: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// `Some(wait)` when attempts with this key are refused now: by this node's own count
    /// (no database needed), else by the count every node shares.
    pub fn refused(&self, key: &K) -> Option<Duration> {
        self.refused_here(key)
            .or_else(|| self.refused_shared(key, crate::now_ms()))
    }

    /// Counts a failed attempt, here and for every node.
    pub fn failed(&self, key: &K) {
        self.failed_here(key);
        self.failed_shared(key, crate::now_ms());
    }

    /// The shared count's verdict at `now` (ms). A database that does not answer leaves
    /// this node's own count as the only limit (and the attempt itself fails on it anyway).
    fn refused_shared(&self, key: &K, now: i64) -> Option<Duration> {
        let shared = self.shared.as_ref()?;
        match shared.storage.throttle_tat(shared.scope, &key.to_string()) {
            Ok(tat) => tat.and_then(|tat| shared.wait(tat, now)),
            Err(e) => {
                tracing::error!(error = %e, scope = shared.scope, "cannot read the shared limit");
                None
            }
        }
    }

    fn failed_shared(&self, key: &K, now: i64) {
        let Some(shared) = &self.shared else {
            return;
        };
        if let Err(e) =
            shared
                .storage
                .throttle_failed(shared.scope, &key.to_string(), now, shared.period_ms)
        {
            tracing::error!(error = %e, scope = shared.scope, "cannot count a failure for every node");
        }
    }

    fn refused_here(&self, key: &K) -> Option<Duration> {
        let now = self.clock.now();
        let blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        blocked
            .get(key)
            .filter(|until| now < **until)
            .map(|until| Duration::from(until.duration_since(now)))
    }

    fn failed_here(&self, key: &K) {
        let spent_until = match self.limiter.check_key(key) {
            Ok(state) if state.remaining_burst_capacity() > 0 => None,
            // That was the last cell: the next failure's answer says until when it is spent
            // (a refused check takes nothing).
            Ok(_) => self.limiter.check_key(key).err(),
            Err(not_until) => Some(not_until),
        };
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(not_until) = spent_until {
            blocked.insert(key.clone(), not_until.earliest_possible());
        }
        if blocked.len() > PRUNE_ABOVE {
            let now = self.clock.now();
            blocked.retain(|_, until| now < *until);
        }
        drop(blocked);
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }
}

/// The key a client address (as the handlers pass it on) is throttled under: an IPv6
/// client usually holds a whole /64, so it counts as one. No address is a key of its own.
pub fn client_key(ip: &str) -> IpAddr {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => IpAddr::V4(v4),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        Err(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// How many refused attempts of one address are audited one by one per window: a flood
/// from one address adds at most this plus one summary line per window.
pub const AUDIT_PER_WINDOW: u32 = 20;
/// The window of [`AUDIT_PER_WINDOW`].
pub const AUDIT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How often ended windows are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// The refusals of one address in a window that were not audited one by one.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    pub ip: String,
    pub count: u32,
    /// How many of each kind.
    pub kinds: BTreeMap<String, u32>,
}

impl Suppressed {
    /// The audit line's detail (Dutch, like the rest of the audit).
    pub fn detail(&self) -> String {
        let kinds: Vec<String> = self
            .kinds
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        format!(
            "nog {} geweigerde pogingen van dit adres binnen {} minuten niet apart vastgelegd ({})",
            self.count,
            AUDIT_WINDOW.as_secs() / 60,
            kinds.join(", ")
        )
    }
}

struct Window {
    start: Instant,
    recorded: u32,
    suppressed: BTreeMap<String, u32>,
}

impl Window {
    fn new(start: Instant) -> Self {
        Self {
            start,
            recorded: 0,
            suppressed: BTreeMap::new(),
        }
    }
}

impl Suppressed {
    /// The summary of a window, if it suppressed anything.
    fn of(ip: &str, w: &mut Window) -> Option<Self> {
        let count = w.suppressed.values().sum();
        (count > 0).then(|| Self {
            ip: ip.to_string(),
            count,
            kinds: std::mem::take(&mut w.suppressed),
        })
    }
}

/// Decides which refusals are audited: the first [`AUDIT_PER_WINDOW`] of an address per
/// window one by one, the rest as one summary when the window has ended.
#[derive(Default)]
pub struct AuditGate {
    windows: Mutex<Windows>,
}

#[derive(Default)]
struct Windows {
    open: HashMap<String, Window>,
    swept: Option<Instant>,
}

impl AuditGate {
    /// Whether this refusal is to be audited on its own; plus the summaries of windows
    /// that have ended (of any address), to audit now.
    pub fn admit(&self, ip: &str, kind: &str, now: Instant) -> (bool, Vec<Suppressed>) {
        let mut guard = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let windows = &mut *guard;
        let over = |w: &Window| now.duration_since(w.start) >= AUDIT_WINDOW;
        let mut ended = Vec::new();
        // Other addresses' ended windows, at most once a second (a sweep visits them all).
        if windows
            .swept
            .is_none_or(|at| now.duration_since(at) >= SWEEP_EVERY)
        {
            windows.swept = Some(now);
            windows.open.retain(|ip, w| {
                if !over(w) {
                    return true;
                }
                ended.extend(Suppressed::of(ip, w));
                false
            });
        }
        let w = windows
            .open
            .entry(ip.to_string())
            .or_insert_with(|| Window::new(now));
        if over(w) {
            ended.extend(Suppressed::of(ip, w));
            *w = Window::new(now);
        }
        let record = w.recorded < AUDIT_PER_WINDOW;
        if record {
            w.recorded += 1;
        } else {
            *w.suppressed.entry(kind.to_string()).or_default() += 1;
        }
        (record, ended)
    }

    /// Every summary still open (at shutdown).
    pub fn drain(&self) -> Vec<Suppressed> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows
            .open
            .drain()
            .filter_map(|(ip, mut w)| Suppressed::of(&ip, &mut w))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn throttle(clock: &FakeRelativeClock) -> FailureThrottle<&'static str, FakeRelativeClock> {
        FailureThrottle::with_clock(3, Duration::from_secs(60), clock.clone())
    }

    #[test]
    fn failures_use_up_the_budget_of_their_key_only() {
        let clock = FakeRelativeClock::default();
        let t = throttle(&clock);
        for _ in 0..2 {
            t.failed(&"a");
            assert_eq!(t.refused(&"a"), None);
        }
        t.failed(&"a");
        let wait = t.refused(&"a").expect("spent after three failures");
        assert!(wait <= Duration::from_secs(60) && wait > Duration::ZERO);
        assert_eq!(t.refused(&"b"), None, "another key is untouched");
    }

    #[test]
    fn a_spent_key_gets_one_more_try_per_period() {
        let clock = FakeRelativeClock::default();
        let t = throttle(&clock);
        for _ in 0..3 {
            t.failed(&"a");
        }
        clock.advance(Duration::from_secs(61));
        assert_eq!(t.refused(&"a"), None);
        t.failed(&"a");
        assert!(t.refused(&"a").is_some(), "one failure spends it again");
        clock.advance(Duration::from_secs(3 * 60 + 1));
        for _ in 0..2 {
            t.failed(&"a");
        }
        assert_eq!(t.refused(&"a"), None, "the whole budget is back");
    }

    /// Two nodes over one database: failures spread over both spend the budget at the same
    /// count as on one node, and both refuse then; the budget comes back with time as the
    /// in-memory one does.
    #[test]
    fn failures_on_two_nodes_count_as_on_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bureau.db");
        let node = || -> FailureThrottle<String> {
            let storage = crate::storage::sqlite::SqliteStorage::open(&db).unwrap();
            FailureThrottle::shared("login", 3, Duration::from_secs(60), Arc::new(storage))
        };
        let (a, b) = (node(), node());
        let key = "198.51.100.7".to_string();
        let t0 = 5_000_000;
        a.failed_shared(&key, t0);
        b.failed_shared(&key, t0);
        assert_eq!(a.refused_shared(&key, t0), None);
        assert_eq!(b.refused_shared(&key, t0), None);
        a.failed_shared(&key, t0);
        assert_eq!(b.refused_shared(&key, t0), Some(Duration::from_secs(60)));
        assert_eq!(a.refused_shared(&key, t0), Some(Duration::from_secs(60)));
        assert_eq!(b.refused_shared(&"another".to_string(), t0), None);
        let t1 = t0 + 61_000;
        assert_eq!(b.refused_shared(&key, t1), None, "one more try per period");
        b.failed_shared(&key, t1);
        assert!(
            a.refused_shared(&key, t1).is_some(),
            "one failure spends it again"
        );
        let t2 = t1 + 3 * 60_000 + 1_000;
        a.failed_shared(&key, t2);
        b.failed_shared(&key, t2);
        assert_eq!(a.refused_shared(&key, t2), None, "the whole budget is back");
        // In memory alone, a node knows only its own failures.
        let alone: FailureThrottle<String> = FailureThrottle::new(3, Duration::from_secs(60));
        alone.failed(&key);
        alone.failed(&key);
        assert_eq!(alone.refused(&key), None);
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let (a, b, c) = (
            "2001:db8:1:2:aaaa::1",
            "2001:db8:1:2:bbbb::2",
            "2001:db8:1:3::1",
        );
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(client_key("::ffff:192.0.2.7"), v4);
        assert_eq!(client_key("192.0.2.7"), v4);
        assert_ne!(client_key(""), v4);
    }

    #[test]
    fn the_audit_gate_records_the_first_and_summarises_the_rest() {
        let gate = AuditGate::default();
        let t0 = Instant::now();
        let mut recorded = 0;
        for i in 0..500 {
            let kind = if i % 2 == 0 { "login_failed" } else { "csrf" };
            let (record, ended) = gate.admit("192.0.2.1", kind, t0);
            assert!(ended.is_empty());
            recorded += u32::from(record);
        }
        assert_eq!(recorded, AUDIT_PER_WINDOW);
        assert!(gate.admit("192.0.2.2", "csrf", t0).0, "another address");
        let (record, ended) = gate.admit("192.0.2.3", "csrf", t0 + AUDIT_WINDOW);
        assert!(record);
        assert_eq!(ended.len(), 1, "only the address with suppressed refusals");
        assert_eq!(ended[0].ip, "192.0.2.1");
        assert_eq!(ended[0].count, 500 - AUDIT_PER_WINDOW);
        let rest = 500 - AUDIT_PER_WINDOW;
        assert_eq!(
            ended[0].kinds["login_failed"] + ended[0].kinds["csrf"],
            rest
        );
        assert!(ended[0].detail().contains(&format!("nog {rest} ")));
        // A new window for the flooding address starts over.
        assert!(gate.admit("192.0.2.1", "csrf", t0 + AUDIT_WINDOW).0);
        assert!(gate.drain().is_empty());
        // An address's own ended window is summed up even between sweeps.
        let t1 = t0 + 3 * AUDIT_WINDOW;
        for _ in 0..AUDIT_PER_WINDOW + 5 {
            gate.admit("192.0.2.9", "csrf", t1);
        }
        let later = t1 + AUDIT_WINDOW;
        assert!(gate.admit("192.0.2.8", "csrf", later).1.len() == 1, "swept");
        for _ in 0..AUDIT_PER_WINDOW + 3 {
            gate.admit("192.0.2.9", "csrf", later);
        }
        let (record, ended) = gate.admit("192.0.2.9", "csrf", later + AUDIT_WINDOW);
        assert!(record);
        assert_eq!(ended.len(), 1, "{ended:?}");
        assert_eq!(ended[0].count, 3);
    }
}
