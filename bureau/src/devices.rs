//! The device endpoints besides sync: redeeming an enrolment code, listing the employee's
//! devices and revoking one (a device may revoke itself: signing out).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use koers_protocol::{
    limits, Bytes, DeviceInfo, DeviceList, EnrolRequest, EnrolResponse, ErrorCode, PROTOCOL_VERSION,
};

use crate::auth::{self, Principal, CODE_MAX_ATTEMPTS};
use crate::client_addr::ClientAddr;
use crate::storage::{Device, Redeemed};
use crate::{blocking, cbor, now_ms, throttle, AppState, BureauError, Result};

pub async fn enrol(
    State(state): State<AppState>,
    client: ClientAddr,
    body: axum::body::Bytes,
) -> Response {
    let ip = client.to_string();
    match blocking(move || redeem(&state, &ip, &body)).await {
        Ok(reply) => cbor(StatusCode::OK, &reply),
        Err(e) => e.into_response(),
    }
}

fn invalid_code() -> BureauError {
    BureauError::refused(
        ErrorCode::CodeInvalid,
        "Deze koppelcode klopt niet of is al gebruikt.",
    )
}

/// Redeems a code: checks the client's limit, the code, and creates the device. Wrong,
/// expired and spent codes count as the client's failures. A retry of an enrolment whose
/// reply was lost (same code, same request id, code still valid) gets the device it created
/// again, with a new token that replaces the old one.
pub fn redeem(state: &AppState, ip: &str, body: &[u8]) -> Result<EnrolResponse> {
    let client = throttle::client_key(ip);
    if let Some(wait) = state.enrol_by_client.refused(&client) {
        state.refuse(
            "enrol_rate_limited",
            None,
            ip,
            "te veel mislukte koppelpogingen",
        );
        return Err(BureauError::rate_limited(wait));
    }
    let request: EnrolRequest = koers_protocol::decode(body).map_err(|e| {
        BureauError::refused(ErrorCode::Malformed, format!("Onleesbaar verzoek: {e}"))
    })?;
    if request.v != PROTOCOL_VERSION {
        return Err(BureauError::refused(
            ErrorCode::UnsupportedVersion,
            "Deze versie van de app wordt niet ondersteund; werk de app bij.",
        ));
    }
    let name = request.device_name.trim();
    if name.is_empty() || name.chars().count() > limits::MAX_DEVICE_NAME {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            format!(
                "Geef het apparaat een naam van 1 tot {} tekens.",
                limits::MAX_DEVICE_NAME
            ),
        ));
    }
    let request_hash = match request.request_id.as_deref() {
        None => None,
        Some(id) => Some(request_id_hash(id).ok_or_else(|| {
            BureauError::refused(
                ErrorCode::Malformed,
                format!(
                    "Het verzoeknummer van de app klopt niet (niet {} tot {} letters, cijfers, - of _); werk de app bij.",
                    limits::MIN_REQUEST_ID,
                    limits::MAX_REQUEST_ID
                ),
            )
        })?),
    };
    let failed = |detail: &str| {
        state.enrol_by_client.failed(&client);
        state.refuse("enrol_failed", None, ip, detail);
    };
    let Some(code) = auth::normalize_code(&request.code) else {
        failed("ongeldige code ingevoerd");
        return Err(invalid_code());
    };
    let (token, token_hash) = auth::new_token()?;
    let device = Device {
        id: koers_core::model::new_id(),
        employee_id: String::new(),
        name: name.to_string(),
        enrolled_at: now_ms(),
        last_seen_at: None,
        revoked_at: None,
    };
    let redeem = |lookup: &str, hash: &[u8]| {
        state.storage.redeem_code(
            lookup,
            hash,
            now_ms(),
            CODE_MAX_ATTEMPTS,
            &device,
            &token_hash,
            request_hash.as_deref(),
        )
    };
    let key = &state.code_key;
    let outcome = match redeem(&key.lookup(&code), &key.hash(&code))? {
        // Perhaps one issued before codes were keyed: those count until they expire.
        Redeemed::Unknown => redeem(auth::legacy::lookup(&code), &auth::legacy::hash(&code))?,
        outcome => outcome,
    };
    let (employee_id, device_id, event) = match outcome {
        Redeemed::Enrolled { employee_id } => (employee_id, device.id, "device_enrolled"),
        // The reply to the first try was lost: the same device, with a new token.
        Redeemed::Repeated {
            employee_id,
            device_id,
        } => (employee_id, device_id, "device_enrolled_again"),
        Redeemed::Expired => {
            failed("verlopen code");
            return Err(BureauError::refused(
                ErrorCode::CodeExpired,
                "Deze koppelcode is verlopen; vraag je coach om een nieuwe.",
            ));
        }
        other => {
            failed(&format!("code: {other:?}"));
            return Err(invalid_code());
        }
    };
    let document = state.documents.read(&employee_id, |doc| doc.save())?;
    state.audit(
        event,
        Some(&format!("device:{device_id}")),
        ip,
        &format!("{employee_id}: {name}"),
    );
    Ok(EnrolResponse {
        v: PROTOCOL_VERSION,
        employee_id,
        device_id,
        token,
        document: Bytes(document),
    })
}

/// What is stored of an enrolment request id (never the id itself: with the code it would
/// give a device token), or `None` when the id is not 16 to 64 letters, digits, `-` or `_`.
fn request_id_hash(id: &str) -> Option<Vec<u8>> {
    let fits = (limits::MIN_REQUEST_ID..=limits::MAX_REQUEST_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    fits.then(|| auth::sha256(format!("koers-enrol-request:{id}").as_bytes()))
}

fn device_only(state: &AppState, headers: &HeaderMap, ip: &str) -> Result<(String, String)> {
    match auth::authenticate(state.storage.as_ref(), auth::bearer(headers), now_ms()) {
        Ok(Principal::Device {
            device_id,
            employee_id,
        }) => Ok((device_id, employee_id)),
        Ok(other) => {
            state.refuse(
                "forbidden",
                Some(&other.peer_id()),
                ip,
                "apparaatbeheer zonder apparaat",
            );
            Err(BureauError::refused(
                ErrorCode::Forbidden,
                "Alleen voor gekoppelde apparaten.",
            ))
        }
        Err(e) => {
            state.refuse(
                "unauthorized",
                None,
                ip,
                "apparaatbeheer zonder geldige sleutel",
            );
            Err(e)
        }
    }
}

/// The devices of an employee as the wire shows them.
pub fn device_list(
    state: &AppState,
    employee_id: &str,
    current: Option<&str>,
) -> Result<DeviceList> {
    let devices = state.storage.devices_of(employee_id)?;
    Ok(DeviceList {
        v: PROTOCOL_VERSION,
        devices: devices
            .into_iter()
            .map(|d| DeviceInfo {
                current: current == Some(d.id.as_str()),
                device_id: d.id,
                name: d.name,
                enrolled_at: d.enrolled_at,
                last_seen_at: d.last_seen_at,
                revoked: d.revoked_at.is_some(),
            })
            .collect(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    let ip = client.to_string();
    let result = blocking(move || {
        let (device_id, employee_id) = device_only(&state, &headers, &ip)?;
        device_list(&state, &employee_id, Some(&device_id))
    })
    .await;
    match result {
        Ok(list) => cbor(StatusCode::OK, &list),
        Err(e) => e.into_response(),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(target): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ip = client.to_string();
    let result = blocking(move || {
        let (device_id, employee_id) = device_only(&state, &headers, &ip)?;
        revoke_device_of(
            &state,
            &employee_id,
            &target,
            &format!("device:{device_id}"),
            &ip,
        )?;
        device_list(&state, &employee_id, Some(&device_id))
    })
    .await;
    match result {
        Ok(list) => cbor(StatusCode::OK, &list),
        Err(e) => e.into_response(),
    }
}

/// Revokes `target` if it is one of `employee_id`'s devices; refuses (and audits) otherwise.
pub fn revoke_device_of(
    state: &AppState,
    employee_id: &str,
    target: &str,
    by: &str,
    ip: &str,
) -> Result<()> {
    let owned = state
        .storage
        .devices_of(employee_id)?
        .iter()
        .any(|d| d.id == target);
    if !owned {
        state.refuse(
            "forbidden",
            Some(by),
            ip,
            &format!("intrekken van apparaat {target} geweigerd"),
        );
        return Err(BureauError::refused(
            ErrorCode::NotFound,
            "Dit apparaat bestaat niet.",
        ));
    }
    state.storage.revoke_device(target, now_ms())?;
    // Other nodes find out inside the device's next sync transaction (`sync::serve`).
    state.known_devices.forget_device(target);
    state.audit(
        "device_revoked",
        Some(by),
        ip,
        &format!("{employee_id}: {target}"),
    );
    Ok(())
}
