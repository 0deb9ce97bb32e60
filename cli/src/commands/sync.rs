//! Linking this device to the bureau and syncing with it: enrol, sync, sync-status, sign-out.
//! The CLI keeps its device token in its own database (a phone uses its keystore).

use clap::Subcommand;
use koers_core::dossier::{LinkedDevice, SyncOutcome, SyncStatus};
use koers_core::sync::{with_backoff, BackoffPolicy};
use koers_core::{KoersError, Result};

use crate::context::Ctx;
use crate::output;

/// The key under which the device token is kept (the same as the FFI's database secrets).
const TOKEN: &str = "device_token";

#[derive(Subcommand)]
pub enum Cmd {
    /// Link this device to your bureau with the code from your coach
    #[command(after_help = "\
The code is short (like ABCD-EFGH), valid for a week and for one device. What is already
on this device is kept and merged with the bureau's copy of your dossier.

Example:
  koers enrol https://bureau.example ABCD-EFGH --device-name \"Laptop thuis\"")]
    Enrol {
        /// The bureau's address, e.g. https://bureau.example
        server: String,
        /// The enrolment code from your coach
        code: String,
        /// How this device shows up in your list of devices
        #[arg(long, default_value = "Koers CLI")]
        device_name: String,
    },

    /// Sync with the bureau now (retries with backoff when the connection fails)
    #[command(after_help = "Example:\n  koers sync")]
    Sync,

    /// When this device last synced, what is waiting, and the last error
    #[command(name = "sync-status", after_help = "Example:\n  koers sync-status")]
    SyncStatus,

    /// Your devices linked to the bureau; revoke a lost one
    #[command(
        subcommand,
        after_help = "Examples:\n  koers devices list\n  koers devices revoke 01a2099f"
    )]
    Devices(DevicesCmd),

    /// Unlink this device from the bureau (and with --wipe erase its data)
    #[command(name = "sign-out", after_help = "Example:\n  koers sign-out --wipe")]
    SignOut {
        /// Also erase the dossier and the journal from this device
        #[arg(long)]
        wipe: bool,
    },
}

#[derive(Subcommand)]
pub enum DevicesCmd {
    /// List your linked devices
    #[command(after_help = "Example:\n  koers devices list")]
    List,
    /// Revoke another device (a lost phone): it can no longer sync
    #[command(after_help = "Example:\n  koers devices revoke 01a2099f")]
    Revoke {
        /// The device's id (or a unique start of it)
        id: String,
    },
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    match cmd {
        Cmd::Enrol {
            server,
            code,
            device_name,
        } => {
            let mut d = ctx.open()?;
            let (info, token) = d.enrol(&server, &code, &device_name)?;
            d.set_local_secret(TOKEN, Some(&token))?;
            let pending = d.sync_status()?.pending_changes as usize;
            let received = received_text(d.document());
            ctx.render(&info, || {
                let mut text = format!(
                    "Gekoppeld aan {} (apparaat {}).\n",
                    info.server_url, info.device_id
                );
                text.push_str(&received);
                if pending > 0 {
                    text.push_str(&format!(
                        "Wat je op dit apparaat al vastlegde ({}) gaat naar het bureau bij: koers sync\n",
                        output::count(pending, "wijziging", "wijzigingen")
                    ));
                } else {
                    text.push_str("Synchroniseer voortaan met: koers sync\n");
                }
                text
            })
        }
        Cmd::Sync => {
            let mut d = ctx.open()?;
            let token = d.local_secret(TOKEN)?.ok_or(KoersError::NotEnrolled)?;
            let pending = d.sync_status()?.pending_changes as usize;
            let outcome = d.sync_now(&token)?;
            ctx.render(&outcome, || sync_text(&outcome, pending))
        }
        Cmd::SyncStatus => {
            let mut d = ctx.open()?;
            let status = d.sync_status()?;
            ctx.render(&status, || status_text(&status))
        }
        Cmd::Devices(DevicesCmd::List) => {
            let d = ctx.open()?;
            let token = d.local_secret(TOKEN)?.ok_or(KoersError::NotEnrolled)?;
            let devices = retrying(|| d.linked_devices(&token))?;
            ctx.render(&devices, || devices_text(&devices))
        }
        Cmd::Devices(DevicesCmd::Revoke { id }) => {
            let d = ctx.open()?;
            let token = d.local_secret(TOKEN)?.ok_or(KoersError::NotEnrolled)?;
            let devices = retrying(|| d.linked_devices(&token))?;
            let id = crate::ids::resolve(
                "apparaat",
                &id,
                devices.iter().map(|x| x.device_id.as_str()),
            )?;
            retrying(|| d.revoke_device(&token, &id))?;
            ctx.render(&serde_json::json!({ "revoked": id }), || {
                format!("Apparaat {id} ingetrokken; het kan niet meer synchroniseren.\n")
            })
        }
        Cmd::SignOut { wipe } => {
            let mut d = ctx.open()?;
            let token = d.local_secret(TOKEN)?;
            d.sign_out(token.as_deref(), wipe)?;
            d.set_local_secret(TOKEN, None)?;
            ctx.render(
                &serde_json::json!({ "signed_out": true, "wiped": wipe }),
                || {
                    if wipe {
                        "Ontkoppeld; de gegevens op dit apparaat zijn gewist.\n".into()
                    } else {
                        "Ontkoppeld van het bureau; je gegevens blijven op dit apparaat.\n".into()
                    }
                },
            )
        }
    }
}

/// A call to the bureau, retried with backoff while the network or the bureau fails (as a
/// sync's rounds are): a person at the command line should not have to.
fn retrying<T>(call: impl FnMut() -> Result<T>) -> Result<T> {
    with_backoff(&BackoffPolicy::default(), call)
}

fn devices_text(devices: &[LinkedDevice]) -> String {
    let mut out = String::new();
    for x in devices {
        let seen = x
            .last_seen_at
            .map(output::datetime)
            .unwrap_or_else(|| "nog niet gezien".into());
        out.push_str(&format!(
            "{}  {}{}  gekoppeld {}  laatst gezien {}{}\n",
            x.device_id,
            x.name,
            if x.current { " (dit apparaat)" } else { "" },
            output::datetime(x.enrolled_at),
            seen,
            if x.revoked { "  ingetrokken" } else { "" },
        ));
    }
    out
}

/// What came from the bureau with the enrolment: the coach's part of the dossier.
fn received_text(doc: &koers_core::model::DossierDocument) -> String {
    let appointments = doc
        .appointments
        .values()
        .filter(|a| a.status.is_active())
        .count();
    let actions = doc.actions.values().filter(|a| !a.done).count();
    let mut parts = vec!["je traject".to_string()];
    if appointments > 0 {
        parts.push(output::count(
            appointments,
            "geplande afspraak",
            "geplande afspraken",
        ));
    }
    if actions > 0 {
        parts.push(output::count(actions, "open actie", "open acties"));
    }
    let last = parts.pop().unwrap_or_default();
    let list = if parts.is_empty() {
        last
    } else {
        format!("{} en {last}", parts.join(", "))
    };
    format!("Meegekomen van het bureau: {list}.\n")
}

/// What one sync did, in the order it happened: sent, received, corrected.
fn sync_text(o: &SyncOutcome, pending: usize) -> String {
    let sent = if pending == 0 {
        "niets te versturen".to_string()
    } else {
        format!(
            "{} verstuurd",
            output::count(pending, "wijziging", "wijzigingen")
        )
    };
    let received = match o.changes_received as usize {
        0 => "niets nieuws van het bureau".to_string(),
        n => format!(
            "{} van het bureau ontvangen",
            output::count(n, "wijziging", "wijzigingen")
        ),
    };
    let mut text = format!("Gesynchroniseerd: {sent}; {received}.\n");
    for c in &o.corrected {
        text.push_str(&format!("Teruggedraaid door het bureau: {c}\n"));
    }
    text
}

fn status_text(s: &SyncStatus) -> String {
    if !s.enrolled {
        return "Niet gekoppeld aan een bureau. Koppel met: koers enrol <adres> <code>\n".into();
    }
    let when = |t: Option<koers_core::model::Timestamp>| {
        t.map(output::datetime)
            .unwrap_or_else(|| "nog nooit".into())
    };
    output::fields(&[
        ("Bureau", s.server_url.clone().unwrap_or_default()),
        ("Apparaat", s.device_id.clone().unwrap_or_default()),
        ("Laatst gesynchroniseerd", when(s.last_synced_at)),
        ("Laatste poging", when(s.last_attempt_at)),
        (
            "Wacht op verzending",
            output::count(s.pending_changes as usize, "wijziging", "wijzigingen"),
        ),
        (
            "Laatste fout",
            s.last_error.clone().unwrap_or_else(|| "geen".into()),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(pending: u32) -> SyncStatus {
        SyncStatus {
            enrolled: true,
            server_url: Some("https://bureau.example".into()),
            device_id: Some("d1".into()),
            last_synced_at: None,
            last_attempt_at: None,
            pending_changes: pending,
            last_error: None,
        }
    }

    #[test]
    fn counts_read_as_dutch() {
        assert!(status_text(&status(1)).contains("1 wijziging\n"));
        assert!(status_text(&status(2)).contains("2 wijzigingen"));
        let one = SyncOutcome {
            round_trips: 1,
            changes_received: 1,
            corrected: vec![],
        };
        assert_eq!(
            sync_text(&one, 1),
            "Gesynchroniseerd: 1 wijziging verstuurd; 1 wijziging van het bureau ontvangen.\n"
        );
    }
}
