//! The dossier's side of syncing with the bureau: enrolment, sync rounds (the HTTP part can
//! run without holding the dossier), sync status, and signing out.
//!
//! The device credential is not kept here: the caller stores it (the phone in its
//! Keystore/Keychain, the CLI in its own settings) and hands it to each sync.

use koers_protocol::{SyncRequest, SyncResponse, PROTOCOL_VERSION};
use rusqlite::Transaction;

use crate::error::{KoersError, Result};
use crate::model::Timestamp;
use crate::store::Settings;
use crate::sync::{self as engine, BackoffPolicy, HttpTransport, PeerState};

use super::{Dossier, Topic};

pub(crate) const SERVER_KEY: &str = "sync.server_url";
pub(crate) const EMPLOYEE_KEY: &str = "sync.employee_id";
pub(crate) const DEVICE_KEY: &str = "sync.device_id";
const PEER_KEY: &str = "sync.peer_state";
const LAST_SYNCED_KEY: &str = "sync.last_synced_at";
const LAST_ATTEMPT_KEY: &str = "sync.last_attempt_at";
const LAST_ERROR_KEY: &str = "sync.last_error";
/// The id of the enrolment under way, kept until it succeeds so a retry after a lost reply
/// is the same enrolment to the bureau.
const ENROL_REQUEST_KEY: &str = "sync.enrol_request_id";

/// The link between this device and its bureau (the token is returned, not stored).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct EnrolmentInfo {
    pub server_url: String,
    pub employee_id: String,
    pub device_id: String,
}

/// What the shells show about syncing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub device_id: Option<String>,
    pub last_synced_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    /// Local changes the bureau has not confirmed yet.
    pub pending_changes: u32,
    /// The last failure, in words a person understands; None after a successful sync.
    pub last_error: Option<String>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct SyncOutcome {
    pub round_trips: u32,
    /// Changes that came in from the bureau (the coach, another device).
    pub changes_received: u32,
    /// Edits of ours the bureau undid because this role may not make them.
    pub corrected: Vec<String>,
}

/// One of the employee's linked devices, as the bureau knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct LinkedDevice {
    pub device_id: String,
    pub name: String,
    pub enrolled_at: Timestamp,
    pub last_seen_at: Option<Timestamp>,
    pub revoked: bool,
    /// Whether this is the device asking.
    pub current: bool,
}

impl From<koers_protocol::DeviceInfo> for LinkedDevice {
    fn from(d: koers_protocol::DeviceInfo) -> Self {
        let at = |ms: i64| Timestamp::from_millis(ms).unwrap_or_else(Timestamp::now);
        Self {
            device_id: d.device_id,
            name: d.name,
            enrolled_at: at(d.enrolled_at),
            last_seen_at: d.last_seen_at.map(at),
            revoked: d.revoked,
            current: d.current,
        }
    }
}

/// Where the device syncs to, read from settings.
pub struct SyncTarget {
    pub server_url: String,
    pub document_id: String,
}

impl SyncTarget {
    /// Revokes one of the employee's devices at the bureau (network only).
    pub fn revoke(&self, token: &str, device_id: &str) -> Result<()> {
        HttpTransport::new(&self.server_url)?.revoke(token, device_id)
    }

    /// Revokes a device, when the bureau can be reached; signing out goes on regardless
    /// (the coach can still revoke the device from the bureau).
    pub fn revoke_best_effort(&self, token: &str, device_id: &str) {
        if let Err(e) = self.revoke(token, device_id) {
            tracing::info!("could not revoke device {device_id} at the bureau: {e}");
        }
    }

    /// The employee's devices as the bureau knows them (network only: callers may hold the
    /// dossier or not).
    pub fn linked_devices(&self, token: &str) -> Result<Vec<LinkedDevice>> {
        Ok(HttpTransport::new(&self.server_url)?
            .devices(token)?
            .into_iter()
            .map(LinkedDevice::from)
            .collect())
    }
}

impl Dossier {
    /// Links this device to the bureau with the enrolment code from the coach: merges the
    /// bureau's copy of the dossier with what is already on the phone (nothing local is
    /// lost) and remembers the bureau. Returns the link and the device token, which the
    /// caller must keep safe.
    pub fn enrol(
        &mut self,
        server_url: &str,
        code: &str,
        device_name: &str,
    ) -> Result<(EnrolmentInfo, String)> {
        let (code, device_name) = self.check_enrolment(code, device_name)?;
        let transport = HttpTransport::new(server_url)?;
        let request_id = self.enrolment_request_id()?;
        let enrolment = transport.enrol_as(&code, &device_name, Some(&request_id))?;
        self.adopt(enrolment)
    }

    /// The id this device sends with its enrolment request: made (and stored) before the
    /// first try, the same for every retry until an enrolment is adopted. A retry with the
    /// same code and id after a lost reply gets the enrolment the bureau already made.
    pub fn enrolment_request_id(&self) -> Result<String> {
        if let Some(id) = Settings::get_text(self.conn(), ENROL_REQUEST_KEY)? {
            return Ok(id);
        }
        // Random (not time-ordered): with the code, it is what a retry proves itself by.
        let id = uuid::Uuid::new_v4().simple().to_string();
        Settings::put(self.conn(), ENROL_REQUEST_KEY, id.as_bytes())?;
        Ok(id)
    }

    /// Checks that this device may enrol and cleans the code and device name (split from
    /// `enrol` for callers that do the HTTP part without holding the dossier).
    pub fn check_enrolment(&self, code: &str, device_name: &str) -> Result<(String, String)> {
        if self.sync_target()?.is_some() {
            return Err(KoersError::invalid(
                "server",
                "dit apparaat is al gekoppeld aan een bureau; meld het eerst af",
            ));
        }
        let code = code.trim();
        if code.is_empty() {
            return Err(KoersError::invalid("code", crate::input::EMPTY));
        }
        let device_name = crate::input::required_line("device_name", device_name)?;
        Ok((code.to_string(), device_name))
    }

    /// Stores a successful enrolment (split from `enrol` so a caller can do the HTTP part
    /// without holding the dossier).
    pub fn adopt(&mut self, enrolment: engine::Enrolment) -> Result<(EnrolmentInfo, String)> {
        let peer = std::cell::RefCell::new(PeerState::new());
        let document = enrolment.document.clone();
        let info = EnrolmentInfo {
            server_url: enrolment.server_url.clone(),
            employee_id: enrolment.employee_id.clone(),
            device_id: enrolment.device_id.clone(),
        };
        self.apply_remote(
            |doc| {
                let (state, _) = engine::adopt_enrolment(doc, &document)?;
                *peer.borrow_mut() = state;
                Ok(())
            },
            |tx| {
                Settings::put(tx, SERVER_KEY, info.server_url.as_bytes())?;
                Settings::put(tx, EMPLOYEE_KEY, info.employee_id.as_bytes())?;
                Settings::put(tx, DEVICE_KEY, info.device_id.as_bytes())?;
                Settings::put(tx, PEER_KEY, &peer.borrow().to_bytes())?;
                Settings::delete(tx, ENROL_REQUEST_KEY)?;
                Settings::delete(tx, LAST_ERROR_KEY)
            },
        )?;
        self.mark(Topic::Sync);
        Ok((info, enrolment.token))
    }

    /// The bureau this device syncs with, if enrolled.
    pub fn sync_target(&self) -> Result<Option<SyncTarget>> {
        let server = Settings::get_text(self.conn(), SERVER_KEY)?;
        let employee = Settings::get_text(self.conn(), EMPLOYEE_KEY)?;
        Ok(match (server, employee) {
            (Some(server_url), Some(document_id)) => Some(SyncTarget {
                server_url,
                document_id,
            }),
            _ => None,
        })
    }

    fn peer_state(&self) -> Result<PeerState> {
        match Settings::get(self.conn(), PEER_KEY)? {
            // An unreadable state only costs a slower, full sync.
            Some(bytes) => Ok(PeerState::from_bytes(&bytes).unwrap_or_default()),
            None => Ok(PeerState::new()),
        }
    }

    /// Builds the next round's request. Pair with `sync_absorb`.
    pub fn sync_prepare(&mut self) -> Result<(SyncRequest, PeerState)> {
        let target = self.sync_target()?.ok_or(KoersError::NotEnrolled)?;
        let mut state = self.peer_state()?;
        let doc = self.current_doc()?;
        let document = engine::prepare(doc, &target.document_id, &mut state);
        Ok((
            SyncRequest {
                v: PROTOCOL_VERSION,
                documents: vec![document],
            },
            state,
        ))
    }

    /// Applies the bureau's answer and stores it with the new peer state in one
    /// transaction. Returns whether another round is needed, and what came in.
    pub fn sync_absorb(
        &mut self,
        response: SyncResponse,
        state: PeerState,
    ) -> Result<(bool, engine::Absorbed)> {
        let target = self.sync_target()?.ok_or(KoersError::NotEnrolled)?;
        let reply = response
            .documents
            .into_iter()
            .find(|d| d.document == target.document_id)
            .ok_or_else(|| KoersError::Network {
                message: "Het bureau gaf een onvolledig antwoord; we proberen het later opnieuw."
                    .into(),
            })?;
        let state = std::cell::RefCell::new(state);
        let absorbed = std::cell::RefCell::new(engine::Absorbed::default());
        self.apply_remote(
            |doc| {
                *absorbed.borrow_mut() = engine::absorb(doc, &mut state.borrow_mut(), reply)?;
                Ok(())
            },
            |tx| Settings::put(tx, PEER_KEY, &state.borrow().to_bytes()),
        )?;
        let absorbed = absorbed.into_inner();
        Ok((absorbed.needs_another_round, absorbed))
    }

    /// Notes how a sync ended, for the status screen.
    pub fn record_sync_result(&mut self, result: &Result<SyncOutcome>) -> Result<()> {
        let now = Timestamp::now().to_string();
        self.write_local(|tx: &Transaction<'_>| {
            Settings::put(tx, LAST_ATTEMPT_KEY, now.as_bytes())?;
            match result {
                Ok(_) => {
                    Settings::put(tx, LAST_SYNCED_KEY, now.as_bytes())?;
                    Settings::delete(tx, LAST_ERROR_KEY)
                }
                Err(e) => Settings::put(tx, LAST_ERROR_KEY, e.to_string().as_bytes()),
            }
        })?;
        self.mark(Topic::Sync);
        Ok(())
    }

    /// Syncs now, holding the dossier throughout (the CLI; the phone uses `sync_unlocked`).
    pub fn sync_now(&mut self, token: &str) -> Result<SyncOutcome> {
        let target = self.sync_target()?.ok_or(KoersError::NotEnrolled)?;
        let transport = HttpTransport::new(&target.server_url)?;
        let result = run_rounds(&transport, token, &BackoffPolicy::default(), &mut |step| {
            self.sync_step(step)
        });
        self.record_sync_result(&result)?;
        result
    }

    /// Runs the dossier's part of one sync step (see `run_rounds`).
    pub fn sync_step(&mut self, step: Step) -> Result<StepResult> {
        match step {
            Step::Prepare => self.sync_prepare().map(StepResult::Prepared),
            Step::Absorb(step) => {
                let (response, state) = *step;
                self.sync_absorb(response, state).map(StepResult::Absorbed)
            }
        }
    }

    /// What the shells show about syncing.
    pub fn sync_status(&mut self) -> Result<SyncStatus> {
        let server_url = Settings::get_text(self.conn(), SERVER_KEY)?;
        let enrolled = server_url.is_some();
        let pending = if enrolled {
            // Writes not yet made into changes count without making them (that waits for
            // the sync itself), one change each.
            let state = self.peer_state()?;
            let (doc, pending_writes) = self.loaded_doc()?;
            (engine::pending_changes(doc, &state) as u32).saturating_add(pending_writes)
        } else {
            0
        };
        let time = |key| -> Result<Option<Timestamp>> {
            Ok(Settings::get_text(self.conn(), key)?.and_then(|t| t.parse().ok()))
        };
        Ok(SyncStatus {
            enrolled,
            server_url,
            device_id: Settings::get_text(self.conn(), DEVICE_KEY)?,
            last_synced_at: time(LAST_SYNCED_KEY)?,
            last_attempt_at: time(LAST_ATTEMPT_KEY)?,
            pending_changes: pending,
            last_error: Settings::get_text(self.conn(), LAST_ERROR_KEY)?,
        })
    }

    /// Unlinks this device. With `token`, it first asks the bureau to revoke this device
    /// (best effort: offline it only forgets the link). With `wipe`, it also erases the
    /// dossier and the journal from the phone. Holds the dossier throughout (the CLI); the
    /// phone's `Session` calls `this_device` and `unlink` around the network instead.
    pub fn sign_out(&mut self, token: Option<&str>, wipe: bool) -> Result<()> {
        if let (Some(token), Some((target, device))) = (token, self.this_device()?) {
            target.revoke_best_effort(token, &device);
        }
        self.unlink(wipe)
    }

    /// The bureau and this device's id there, if enrolled (read before signing out).
    pub fn this_device(&self) -> Result<Option<(SyncTarget, String)>> {
        let device = Settings::get_text(self.conn(), DEVICE_KEY)?;
        Ok(self.sync_target()?.zip(device))
    }

    /// Forgets the link to the bureau (the local part of signing out); with `wipe`, erases
    /// the dossier and the journal from this device too.
    pub fn unlink(&mut self, wipe: bool) -> Result<()> {
        self.write_local(|tx| {
            for key in [
                SERVER_KEY,
                EMPLOYEE_KEY,
                DEVICE_KEY,
                PEER_KEY,
                LAST_SYNCED_KEY,
                LAST_ATTEMPT_KEY,
                LAST_ERROR_KEY,
            ] {
                Settings::delete(tx, key)?;
            }
            Ok(())
        })?;
        if wipe {
            self.erase()?;
        }
        self.mark(Topic::Sync);
        Ok(())
    }

    /// The employee's devices linked to the bureau (needs a connection).
    pub fn linked_devices(&self, token: &str) -> Result<Vec<LinkedDevice>> {
        let target = self.sync_target()?.ok_or(KoersError::NotEnrolled)?;
        target.linked_devices(token)
    }

    /// Revokes another of the employee's devices (a lost phone); it can no longer sync.
    /// To unlink this device, use `sign_out`.
    pub fn revoke_device(&self, token: &str, device_id: &str) -> Result<()> {
        self.revocation_target(device_id)?.revoke(token, device_id)
    }

    /// Where to revoke `device_id`, after checking it is not this device (split from
    /// `revoke_device` so the network call can run without holding the dossier).
    pub fn revocation_target(&self, device_id: &str) -> Result<SyncTarget> {
        let target = self.sync_target()?.ok_or(KoersError::NotEnrolled)?;
        if Settings::get_text(self.conn(), DEVICE_KEY)?.as_deref() == Some(device_id) {
            return Err(KoersError::invalid(
                "device_id",
                "dit is het apparaat dat je nu gebruikt; meld het af in plaats van het in te trekken",
            ));
        }
        Ok(target)
    }

    /// A secret kept in this database, for hosts without a platform keystore (the CLI).
    /// Phones keep secrets in the Keystore/Keychain through `ffi::SecretStore` instead.
    pub fn local_secret(&self, key: &str) -> Result<Option<String>> {
        Settings::get_text(self.conn(), &format!("secret.{key}"))
    }

    pub fn set_local_secret(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        let key = format!("secret.{key}");
        self.write_local(|tx| match value {
            Some(v) => Settings::put(tx, &key, v.as_bytes()),
            None => Settings::delete(tx, &key),
        })
    }

    /// The document's current heads (for diagnostics and convergence checks).
    pub fn document_heads(&mut self) -> Result<Vec<String>> {
        Ok(self
            .current_doc()?
            .get_heads()
            .iter()
            .map(|h| h.to_string())
            .collect())
    }
}

/// One step of a sync, as `run_rounds` asks for it.
pub enum Step {
    Prepare,
    Absorb(Box<(SyncResponse, PeerState)>),
}

pub enum StepResult {
    Prepared((SyncRequest, PeerState)),
    Absorbed((bool, engine::Absorbed)),
}

/// The sync loop: prepare, send (with backoff), absorb, until settled. `dossier` is called
/// for the steps that need the dossier, so a caller can lock it only for those.
pub fn run_rounds(
    transport: &HttpTransport,
    token: &str,
    policy: &BackoffPolicy,
    dossier: &mut dyn FnMut(Step) -> Result<StepResult>,
) -> Result<SyncOutcome> {
    let mut outcome = SyncOutcome::default();
    for _ in 0..koers_protocol::limits::MAX_FULL_ROUNDS {
        let StepResult::Prepared((request, state)) = dossier(Step::Prepare)? else {
            return Err(KoersError::Document {
                message: "synchronisatiestap in de verkeerde volgorde".into(),
            });
        };
        let response = engine::with_backoff(policy, || {
            outcome.round_trips += 1;
            transport.sync(token, &request)
        })?;
        let StepResult::Absorbed((more, absorbed)) =
            dossier(Step::Absorb(Box::new((response, state))))?
        else {
            return Err(KoersError::Document {
                message: "synchronisatiestap in de verkeerde volgorde".into(),
            });
        };
        outcome.changes_received += absorbed.applied_changes.len() as u32;
        outcome.corrected.extend(absorbed.corrected);
        if !more {
            return Ok(outcome);
        }
    }
    Err(KoersError::Network {
        message: "De synchronisatie met het bureau kwam niet rond; we proberen het later opnieuw."
            .into(),
    })
}
