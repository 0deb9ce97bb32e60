//! The dossier as the phone holds it for the app's lifetime: one `Dossier` behind a lock,
//! shared by the UI's threads, background work and sync, plus what the phone adds around it
//! (the platform's secret store, observers told of changes). The uniffi object
//! (`ffi::Koers`) delegates every call here.
//!
//! The network never runs while the dossier is locked: each call takes what it needs under
//! the lock, releases it, talks to the bureau, and locks again to store the answer, so the
//! screens' reads never wait on the network.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::dossier::{Dossier, EnrichReport, EnrolmentInfo, LinkedDevice, SyncOutcome, Topic};
use crate::error::{KoersError, Result};
use crate::sync::{BackoffPolicy, HttpTransport};

/// Told after every change to the dossier, with what changed. Called on the thread that
/// made the change (a write, a sync), after the dossier's lock is released, so the observer
/// may read from the dossier right away.
#[uniffi::export(with_foreign)]
pub trait DossierObserver: Send + Sync {
    fn on_change(&self, topics: Vec<Topic>);
}

/// Why the platform's secret store could not keep a secret; the shells throw it from `put`.
/// (The callback interface's own error: foreign code must be able to build it, which the
/// core's flat `KoersError` does not allow. It becomes a `KoersError` at once.)
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum SecretStoreError {
    /// The keystore refused or failed (locked, full, corrupt); the message says how.
    #[error("{reason}")]
    Unavailable { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SecretStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unavailable { reason: e.reason }
    }
}

impl From<SecretStoreError> for KoersError {
    fn from(e: SecretStoreError) -> Self {
        KoersError::Storage {
            message: format!("de sleutelopslag van het apparaat: {e}"),
        }
    }
}

/// Where the shell keeps secrets: the Android Keystore (EncryptedSharedPreferences) or the
/// iOS Keychain. The core keeps the device credential only through this. `put` returns only
/// once the value is stored where it survives the app being killed.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    fn get(&self, key: String) -> Option<String>;
    fn put(&self, key: String, value: String) -> std::result::Result<(), SecretStoreError>;
    fn delete(&self, key: String);
}

/// Secrets in the dossier's own database, for hosts without a keystore (the CLI, tests).
pub struct DatabaseSecrets {
    path: String,
}

impl DatabaseSecrets {
    pub fn new(path: impl Into<String>) -> Self {
        Self { path: path.into() }
    }

    fn conn(&self) -> std::result::Result<rusqlite::Connection, SecretStoreError> {
        let unavailable = |e: rusqlite::Error| SecretStoreError::Unavailable {
            reason: e.to_string(),
        };
        let conn = rusqlite::Connection::open(&self.path).map_err(unavailable)?;
        // The dossier's own connection may be writing: wait for it rather than fail.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(unavailable)?;
        Ok(conn)
    }
}

impl SecretStore for DatabaseSecrets {
    fn get(&self, key: String) -> Option<String> {
        let conn = self.conn().ok()?;
        crate::store::Settings::get_text(&conn, &format!("secret.{key}")).ok()?
    }
    fn put(&self, key: String, value: String) -> std::result::Result<(), SecretStoreError> {
        crate::store::Settings::put(&self.conn()?, &format!("secret.{key}"), value.as_bytes())
            .map_err(|e| SecretStoreError::Unavailable {
                reason: e.to_string(),
            })
    }
    fn delete(&self, key: String) {
        if let Ok(conn) = self.conn() {
            let _ = crate::store::Settings::delete(&conn, &format!("secret.{key}"));
        }
    }
}

/// The secret store's key for this device's credential at the bureau.
pub const TOKEN_SECRET: &str = "device_token";
/// The secret under which the platform keeps the journal's key.
const JOURNAL_KEY_SECRET: &str = "journal_key";

/// The journal's key from the platform keystore, made and stored on first use. It is read
/// back before use, so a keystore that did not keep it fails now instead of leaving entries
/// nobody can open later.
pub fn journal_key(secrets: &dyn SecretStore) -> Result<crate::store::JournalKey> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let decode = |text: &str| {
        engine
            .decode(text)
            .ok()
            .and_then(|bytes| crate::store::JournalKey::from_bytes(&bytes).ok())
    };
    if let Some(stored) = secrets.get(JOURNAL_KEY_SECRET.into()) {
        return decode(&stored).ok_or_else(|| KoersError::Storage {
            message: "de sleutel van het dagboek in de sleutelopslag is beschadigd".into(),
        });
    }
    let key = crate::store::JournalKey::generate();
    secrets.put(JOURNAL_KEY_SECRET.into(), engine.encode(key.as_bytes()))?;
    match secrets
        .get(JOURNAL_KEY_SECRET.into())
        .as_deref()
        .and_then(decode)
    {
        Some(kept) if kept.as_bytes() == key.as_bytes() => Ok(key),
        _ => Err(KoersError::Storage {
            message: "de sleutelopslag heeft de sleutel van het dagboek niet bewaard".into(),
        }),
    }
}

/// Written and removed before an enrolment spends its code, to learn that the store works.
const PROBE_SECRET: &str = "enrolment_probe";

struct Subscription {
    id: u64,
    observer: Arc<dyn DossierObserver>,
}

/// The shared dossier with its secrets and observers. Safe to call from any thread.
pub struct Session {
    dossier: Mutex<Dossier>,
    observers: Mutex<(u64, Vec<Subscription>)>,
    secrets: Arc<dyn SecretStore>,
    /// One conversation with the bureau at a time (enrol, sync, sign out); writes go on.
    syncing: Mutex<()>,
}

impl Session {
    /// Wraps an opened dossier. Its Automerge document is not loaded until a sync or a batch
    /// of pending writes needs it: writes do not (`store::PendingEdits`), so a share
    /// extension or a widget that only writes never holds it in memory.
    pub fn start(dossier: Dossier, secrets: Arc<dyn SecretStore>) -> Arc<Self> {
        Arc::new(Self {
            dossier: Mutex::new(dossier),
            observers: Mutex::new((0, Vec::new())),
            secrets,
            syncing: Mutex::new(()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Dossier> {
        // A panic while holding the lock cannot leave the dossier half-written (every write
        // is one SQLite transaction), so a poisoned lock is safe to take over.
        self.dossier.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn one_at_a_time(&self) -> MutexGuard<'_, ()> {
        self.syncing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads from the dossier, after reading what other processes stored (see `with`).
    pub fn read<T>(&self, f: impl FnOnce(&Dossier) -> T) -> T {
        let (value, topics) = {
            let mut dossier = self.lock();
            if let Err(e) = dossier.refresh() {
                // The state in memory is still whole; the next call tries again.
                tracing::warn!("could not read what other writers stored: {e}");
            }
            let value = f(&dossier);
            (value, dossier.take_changes())
        };
        self.notify(topics);
        value
    }

    /// Runs `f` on the dossier, then tells the observers what changed (lock released).
    /// Other processes (a share extension, a background worker) write the same file, so
    /// what they stored is read first, and the observers hear about that too.
    pub fn with<T>(&self, f: impl FnOnce(&mut Dossier) -> Result<T>) -> Result<T> {
        let (result, topics) = {
            let mut dossier = self.lock();
            let result = dossier.refresh().and_then(|_| f(&mut dossier));
            (result, dossier.take_changes())
        };
        self.notify(topics);
        result
    }

    fn notify(&self, topics: Vec<Topic>) {
        if !topics.is_empty() {
            let observers: Vec<Arc<dyn DossierObserver>> = self
                .observers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .1
                .iter()
                .map(|s| s.observer.clone())
                .collect();
            for o in observers {
                o.on_change(topics.clone());
            }
        }
    }

    /// Registers an observer; returns an id for `remove_observer`.
    pub fn add_observer(&self, observer: Arc<dyn DossierObserver>) -> u64 {
        let mut guard = self.observers.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 += 1;
        let id = guard.0;
        guard.1.push(Subscription { id, observer });
        id
    }

    pub fn remove_observer(&self, id: u64) {
        let mut guard = self.observers.lock().unwrap_or_else(|e| e.into_inner());
        guard.1.retain(|s| s.id != id);
    }

    fn token(&self) -> Result<String> {
        self.secrets
            .get(TOKEN_SECRET.into())
            .ok_or(KoersError::NotEnrolled)
    }

    /// Reads pending vacancy pages (without holding the dossier) and fills in empty fields.
    pub fn enrich_vacancies(&self) -> Result<EnrichReport> {
        let mut fetched: Vec<(String, Result<crate::vacancy::VacancyDetails>)> = Vec::new();
        // Links logged while pages were read (the share extension) are read in the next pass.
        for _ in 0..3 {
            let missing: Vec<String> = self
                .lock()
                .pending_vacancy_links()?
                .into_iter()
                .map(|(_id, url)| url)
                .filter(|url| !fetched.iter().any(|(u, _)| u == url))
                .collect();
            if missing.is_empty() {
                break;
            }
            for url in missing {
                let details = crate::vacancy::fetch_vacancy(&url);
                fetched.push((url, details));
            }
        }
        self.with(move |d| {
            d.enrich_vacancies_with(|url| match fetched.iter().find(|(u, _)| u == url) {
                Some((_, Ok(details))) => Ok(details.clone()),
                Some((_, Err(e))) => Err(e.clone()),
                // Logged after the last pass: counts as one try, read on the next call.
                None => Err(KoersError::Network {
                    message: "nog niet opgehaald".into(),
                }),
            })
        })
    }

    /// Links this device to the bureau. Safe to retry: the secret store is tried before the
    /// code is spent, and the credential is stored before the dossier records the link; if
    /// storing it fails anyway, the new device is revoked at once so no half-linked phone
    /// is left on either side. A retry after a lost reply sends the same request id, so the
    /// bureau answers the enrolment it already made instead of "code already used".
    pub fn enrol(&self, server_url: &str, code: &str, device_name: &str) -> Result<EnrolmentInfo> {
        let _one = self.one_at_a_time();
        let (code, device_name, request_id) = {
            let dossier = self.lock();
            let (code, device_name) = dossier.check_enrolment(code, device_name)?;
            (code, device_name, dossier.enrolment_request_id()?)
        };
        let transport = HttpTransport::new(server_url)?;
        self.secrets
            .put(PROBE_SECRET.into(), "1".into())
            .map_err(|e| not_stored(e, false))?;
        self.secrets.delete(PROBE_SECRET.into());
        let enrolment = transport.enrol_as(&code, &device_name, Some(&request_id))?;
        if let Err(e) = self
            .secrets
            .put(TOKEN_SECRET.into(), enrolment.token.clone())
        {
            transport
                .revoke(&enrolment.token, &enrolment.device_id)
                .unwrap_or_else(|r| tracing::info!("could not revoke the half-linked device: {r}"));
            return Err(not_stored(e, true));
        }
        let (token, device) = (enrolment.token.clone(), enrolment.device_id.clone());
        match self.with(|d| d.adopt(enrolment)) {
            Ok((info, _token)) => Ok(info),
            Err(e) => {
                // Not recorded here: undo the rest, so a retry with a new code starts clean.
                self.secrets.delete(TOKEN_SECRET.into());
                transport.revoke(&token, &device).unwrap_or_else(|r| {
                    tracing::info!("could not revoke the unrecorded device: {r}")
                });
                Err(e)
            }
        }
    }

    /// Syncs with the bureau now (retrying with backoff); the dossier is only held while
    /// preparing and absorbing each round.
    pub fn sync_now(&self) -> Result<SyncOutcome> {
        let _one = self.one_at_a_time();
        let token = self.token()?;
        let target = self.lock().sync_target()?.ok_or(KoersError::NotEnrolled)?;
        let result = HttpTransport::new(&target.server_url).and_then(|transport| {
            crate::dossier::sync::run_rounds(
                &transport,
                &token,
                &BackoffPolicy::default(),
                &mut |step| self.with(|d| d.sync_step(step)),
            )
        });
        self.with(|d| d.record_sync_result(&result))?;
        result
    }

    /// The employee's devices linked to the bureau (needs a connection).
    pub fn linked_devices(&self) -> Result<Vec<LinkedDevice>> {
        let token = self.token()?;
        let target = self.lock().sync_target()?.ok_or(KoersError::NotEnrolled)?;
        target.linked_devices(&token)
    }

    /// Revokes another of the employee's devices (a lost phone).
    pub fn revoke_device(&self, device_id: &str) -> Result<()> {
        let token = self.token()?;
        let target = self.lock().revocation_target(device_id)?;
        target.revoke(&token, device_id)
    }

    /// Unlinks this device (revoking it at the bureau when reachable); with `wipe`, erases
    /// the dossier and the journal from this device too.
    pub fn sign_out(&self, wipe: bool) -> Result<()> {
        let _one = self.one_at_a_time();
        let token = self.secrets.get(TOKEN_SECRET.into());
        let this_device = self.lock().this_device()?;
        if let (Some(token), Some((target, device))) = (token.as_deref(), this_device) {
            target.revoke_best_effort(token, &device);
        }
        self.with(|d| d.unlink(wipe))?;
        self.secrets.delete(TOKEN_SECRET.into());
        Ok(())
    }
}

/// The person's words for a secret store that failed, before or after the code was spent.
fn not_stored(e: SecretStoreError, code_spent: bool) -> KoersError {
    KoersError::Storage {
        message: if code_spent {
            format!(
                "De koppeling kon niet veilig op dit apparaat worden bewaard ({e}); er is niets \
                 gekoppeld. De code is gebruikt: vraag je coach om een nieuwe."
            )
        } else {
            format!(
                "Dit apparaat kan de koppeling nu niet veilig bewaren ({e}); er is niets \
                 gekoppeld en de code is niet gebruikt. Probeer het opnieuw."
            )
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::Duration;

    use crate::dossier::NewApplication;
    use crate::query::ApplicationQuery;
    use crate::store::Settings;

    /// A bureau that takes one request, says so, and answers only when told: while it waits,
    /// the caller is in the middle of a network call.
    pub(crate) fn held_bureau() -> (String, mpsc::Receiver<()>, mpsc::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (arrived_tx, arrived) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            arrived_tx.send(()).unwrap();
            let _ = release_rx.recv();
            let _ =
                stream.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
        });
        (url, arrived, release)
    }

    struct FailingSecrets;
    impl SecretStore for FailingSecrets {
        fn get(&self, _: String) -> Option<String> {
            None
        }
        fn put(&self, _: String, _: String) -> std::result::Result<(), SecretStoreError> {
            Err(SecretStoreError::Unavailable {
                reason: "keychain locked".into(),
            })
        }
        fn delete(&self, _: String) {}
    }

    fn open(secrets: Arc<dyn SecretStore>) -> (tempfile::TempDir, Arc<Session>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db").to_string_lossy().into_owned();
        let dossier = Dossier::open(&path).unwrap();
        (dir, Session::start(dossier, secrets))
    }

    /// Makes the dossier look enrolled at `server` as device "this".
    fn link(session: &Session, server: &str) {
        session
            .with(|d| {
                d.write_local(|tx| {
                    Settings::put(tx, crate::dossier::sync::SERVER_KEY, server.as_bytes())?;
                    Settings::put(tx, crate::dossier::sync::EMPLOYEE_KEY, b"emp")?;
                    Settings::put(tx, crate::dossier::sync::DEVICE_KEY, b"this")
                })
            })
            .unwrap();
    }

    #[test]
    fn a_failing_secret_store_stops_enrolment_before_the_code_is_spent() {
        let (url, arrived, _release) = held_bureau();
        let (_dir, s) = open(Arc::new(FailingSecrets));
        let err = s.enrol(&url, "ABCD-EFGH", "Telefoon").unwrap_err();
        assert!(matches!(err, KoersError::Storage { .. }), "{err}");
        assert!(err.to_string().contains("niet gebruikt"), "{err}");
        // The bureau never heard of it: the code is still good.
        assert!(arrived.recv_timeout(Duration::from_millis(200)).is_err());
        assert!(s.read(|d| d.sync_target()).unwrap().is_none());
    }

    /// Reads from another thread while `call` waits on the bureau; the read must not wait.
    fn reads_go_on_during(session: Arc<Session>, call: impl FnOnce(&Session) + Send + 'static) {
        let (url, arrived, release) = held_bureau();
        link(&session, &url);
        session
            .with(|d| {
                d.log_application(NewApplication {
                    employer: "Acme".into(),
                    role: "Planner".into(),
                    ..Default::default()
                })
            })
            .unwrap();
        let caller = {
            let session = session.clone();
            std::thread::spawn(move || call(&session))
        };
        arrived.recv_timeout(Duration::from_secs(30)).unwrap();
        let (read_tx, read_rx) = mpsc::channel();
        {
            let session = session.clone();
            std::thread::spawn(move || {
                let n = session.read(|d| d.list_applications(&ApplicationQuery::default()));
                let _ = read_tx.send(n.map(|v| v.len()));
            });
        }
        // Bounded only so that a regression fails instead of hanging: with the lock held
        // over the network, this read could not finish before the release below.
        let read = read_rx.recv_timeout(Duration::from_secs(30));
        release.send(()).unwrap();
        caller.join().unwrap();
        assert_eq!(read.expect("the read waited for the network").unwrap(), 1);
    }

    #[test]
    fn signing_out_does_not_hold_the_dossier_while_the_bureau_answers() {
        let token_store = Arc::new(InMemory::default());
        let (_dir, s) = open(token_store.clone());
        token_store
            .put(TOKEN_SECRET.into(), "token".into())
            .unwrap();
        // The bureau answers 503: signing out goes on without the revocation.
        reads_go_on_during(s.clone(), |s| s.sign_out(false).unwrap());
        assert!(s.read(|d| d.sync_target()).unwrap().is_none());
        assert!(token_store.get(TOKEN_SECRET.into()).is_none());
    }

    #[test]
    fn revoking_a_device_does_not_hold_the_dossier_while_the_bureau_answers() {
        let token_store = Arc::new(InMemory::default());
        let (_dir, s) = open(token_store.clone());
        token_store
            .put(TOKEN_SECRET.into(), "token".into())
            .unwrap();
        reads_go_on_during(s.clone(), |s| {
            // The bureau answers 503: the revocation fails, after the read went through.
            assert!(s.revoke_device("other").is_err());
        });
        // This device itself is not revoked this way.
        let own = s.revoke_device("this").unwrap_err();
        assert!(matches!(own, KoersError::InvalidInput { .. }), "{own}");
    }

    #[derive(Default)]
    pub(crate) struct InMemory(Mutex<std::collections::HashMap<String, String>>);
    impl SecretStore for InMemory {
        fn get(&self, key: String) -> Option<String> {
            self.0.lock().unwrap().get(&key).cloned()
        }
        fn put(&self, key: String, value: String) -> std::result::Result<(), SecretStoreError> {
            self.0.lock().unwrap().insert(key, value);
            Ok(())
        }
        fn delete(&self, key: String) {
            self.0.lock().unwrap().remove(&key);
        }
    }
}
