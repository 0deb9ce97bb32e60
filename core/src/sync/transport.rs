//! The HTTP client for the bureau's device endpoints (docs/SYNC.md): enrolment, sync rounds
//! and device management, CBOR over HTTP(S), every failure turned into a [`KoersError`] whose
//! message a person can act on.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use koers_protocol::{
    self as wire, paths, DeviceInfo, DeviceList, EnrolRequest, EnrolResponse, ErrorBody, ErrorCode,
    SyncRequest, SyncResponse, CONTENT_TYPE, PROTOCOL_VERSION,
};
use serde::de::DeserializeOwned;

use crate::{KoersError, Result};

const UNREACHABLE: &str = "De server van het bureau is niet bereikbaar. Controleer je \
     internetverbinding; we proberen het later opnieuw.";
const REPLY_LOST: &str = "Het antwoord van het bureau kwam niet aan. Wat je verstuurde is \
     misschien al bij het bureau opgeslagen; de volgende synchronisatie bevestigt het, en \
     niets komt dubbel.";
const ENROL_REPLY_LOST: &str = "Het antwoord van het bureau kwam niet aan. Probeer het \
     opnieuw met dezelfde code; zegt het bureau dan dat de code al gebruikt is, vraag je coach \
     om een nieuwe.";
const SERVER_FAILED: &str = "Er ging iets mis bij het bureau; we proberen het later opnieuw.";
const NOT_LINKED: &str =
    "Dit apparaat is niet (meer) gekoppeld aan het bureau. Koppel opnieuw met een code van je coach.";

/// The largest reply the client reads: the protocol's body limit, which holds both ways. A
/// larger reply is refused unread rather than filling the phone's memory.
pub const MAX_REPLY_BYTES: usize = koers_protocol::limits::MAX_REQUEST_BYTES;

/// Checks a bureau's address and returns it without a trailing slash: `https://`, or
/// `http://` only to this machine (tests and the demo); nothing else carries a device token.
pub fn check_server_url(server_url: &str) -> Result<String> {
    let base = server_url.trim().trim_end_matches('/').to_string();
    let parsed = reqwest::Url::parse(&base)
        .map_err(|_| KoersError::invalid("server", "dit is geen geldig webadres"))?;
    let host = parsed.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(base),
        "http" if loopback => Ok(base),
        _ => Err(KoersError::invalid(
            "server",
            "het adres moet met https:// beginnen",
        )),
    }
}

/// What enrolment gives the device; persist all of it (the token only on the device).
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    pub server_url: String,
    pub employee_id: String,
    pub device_id: String,
    pub token: String,
    /// The bureau's document: pass to [`super::adopt_enrolment`].
    pub document: Vec<u8>,
}

/// Body bytes and requests sent through one transport (for the status screen and benches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub requests: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

/// A client for one bureau.
pub struct HttpTransport {
    base: String,
    client: reqwest::blocking::Client,
    requests: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
}

impl HttpTransport {
    /// A client for the bureau at `server_url` (e.g. `https://bureau.example`).
    pub fn new(server_url: &str) -> Result<Self> {
        let base = check_server_url(server_url)?;
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| KoersError::Network {
                message: format!("{UNREACHABLE} ({e})"),
            })?;
        Ok(Self {
            base,
            client,
            requests: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
        })
    }

    pub fn server_url(&self) -> &str {
        &self.base
    }

    pub fn traffic(&self) -> Traffic {
        Traffic {
            requests: self.requests.load(Ordering::Relaxed),
            bytes_sent: self.sent.load(Ordering::Relaxed),
            bytes_received: self.received.load(Ordering::Relaxed),
        }
    }

    /// Redeems an enrolment code, with no request id: a retry after a lost reply finds the
    /// code used. Not retried: every attempt counts against the code.
    pub fn enrol(&self, code: &str, device_name: &str) -> Result<Enrolment> {
        self.enrol_as(code, device_name, None)
    }

    /// Redeems an enrolment code as the enrolment `request_id` names (see
    /// [`crate::Dossier::enrolment_request_id`]): sent again with the same code after a lost
    /// reply, it gets the same device with a new token. Not retried here.
    pub fn enrol_as(
        &self,
        code: &str,
        device_name: &str,
        request_id: Option<&str>,
    ) -> Result<Enrolment> {
        let request = EnrolRequest {
            v: PROTOCOL_VERSION,
            code: code.to_string(),
            device_name: device_name.to_string(),
            request_id: request_id.map(str::to_string),
        };
        let reply: EnrolResponse = self.call(
            reqwest::Method::POST,
            paths::ENROL,
            None,
            Some(&request),
            true,
        )?;
        Ok(Enrolment {
            server_url: self.base.clone(),
            employee_id: reply.employee_id,
            device_id: reply.device_id,
            token: reply.token,
            document: reply.document.0,
        })
    }

    /// One sync round. Idempotent, so safe to retry (see [`super::with_backoff`]).
    pub fn sync(&self, token: &str, request: &SyncRequest) -> Result<SyncResponse> {
        self.call(
            reqwest::Method::POST,
            paths::SYNC,
            Some(token),
            Some(request),
            false,
        )
    }

    /// The devices of this device's employee.
    pub fn devices(&self, token: &str) -> Result<Vec<DeviceInfo>> {
        let list: DeviceList = self.call::<(), _>(
            reqwest::Method::GET,
            paths::DEVICES,
            Some(token),
            None,
            false,
        )?;
        Ok(list.devices)
    }

    /// Revokes one of the employee's devices; revoking this device's own id signs it out.
    pub fn revoke(&self, token: &str, device_id: &str) -> Result<()> {
        let path = format!("{}{device_id}/revoke", paths::REVOKE_PREFIX);
        let _: DeviceList =
            self.call::<(), _>(reqwest::Method::POST, &path, Some(token), None, false)?;
        Ok(())
    }

    fn call<B: serde::Serialize, R: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        enrolment: bool,
    ) -> Result<R> {
        // No Accept or User-Agent: every header byte counts against the 1 KB of a common sync.
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            let bytes = wire::encode(body).map_err(|e| KoersError::Document {
                message: e.to_string(),
            })?;
            self.sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            request = request
                .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                .body(bytes);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let lost = if enrolment {
            ENROL_REPLY_LOST
        } else {
            REPLY_LOST
        };
        let response = request.send().map_err(|e| {
            tracing::debug!(error = %e, "sync: request failed");
            KoersError::Network {
                // Not connected: nothing was sent. Otherwise the request may have arrived and
                // only the answer is missing.
                message: if e.is_connect() { UNREACHABLE } else { lost }.into(),
            }
        })?;
        let status = response.status();
        let bytes = read_capped(response, MAX_REPLY_BYTES, lost)?;
        self.received
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if status.is_success() {
            return wire::decode(&bytes).map_err(|e| KoersError::Network {
                message: format!("{SERVER_FAILED} (onleesbaar antwoord: {e})"),
            });
        }
        let body: Option<ErrorBody> = wire::decode(&bytes).ok();
        Err(error_for(status.as_u16(), body, enrolment))
    }
}

/// Reads a reply body of at most `cap` bytes, refusing a longer one (by its announced length,
/// or once more than `cap` bytes have streamed in).
fn read_capped(response: reqwest::blocking::Response, cap: usize, lost: &str) -> Result<Vec<u8>> {
    let too_large = || KoersError::Document {
        message: format!(
            "Het antwoord van het bureau is groter dan de {} MB die het protocol toestaat en is \
             niet gelezen. Meld dit aan je coach.",
            cap / (1024 * 1024)
        ),
    };
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    // One byte past the cap tells a reply of exactly `cap` from a longer one.
    std::io::Read::take(response, cap as u64 + 1)
        .read_to_end(&mut bytes)
        // A connection cut while the body streams in: the bureau did answer, the answer is lost.
        .map_err(|_| KoersError::Network {
            message: lost.into(),
        })?;
    if bytes.len() > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Maps an HTTP error reply to the error the person sees.
fn error_for(status: u16, body: Option<ErrorBody>, enrolment: bool) -> KoersError {
    let code = body.as_ref().map(|b| b.code);
    let server_says = body.map(|b| b.message).unwrap_or_default();
    match (status, code) {
        (_, Some(ErrorCode::CodeInvalid)) => KoersError::Refused {
            message: "Deze koppelcode klopt niet of is al gebruikt. Controleer de code of vraag je coach om een nieuwe.".into(),
        },
        (_, Some(ErrorCode::CodeExpired)) | (410, _) if enrolment => KoersError::Refused {
            message: "Deze koppelcode is verlopen. Vraag je coach om een nieuwe.".into(),
        },
        (429, _) if enrolment => KoersError::Refused {
            message: "Te veel pogingen met een koppelcode. Probeer het over een kwartier opnieuw.".into(),
        },
        (429, _) => KoersError::Network {
            message: "Het bureau is even druk; we proberen het later opnieuw.".into(),
        },
        (401, _) => KoersError::Refused {
            message: NOT_LINKED.into(),
        },
        (403, _) => KoersError::Refused {
            message: "Het bureau weigert toegang tot dit dossier.".into(),
        },
        (404, _) => KoersError::Refused {
            message: if server_says.is_empty() {
                "Het bureau kent dit niet (meer).".into()
            } else {
                server_says
            },
        },
        (413, _) => KoersError::Document {
            message: "Er staat te veel in één keer klaar om te versturen.".into(),
        },
        (400..=499, _) => KoersError::Document {
            message: format!(
                "Het bureau kon de wijzigingen niet verwerken: {}",
                if server_says.is_empty() {
                    format!("fout {status}")
                } else {
                    server_says
                }
            ),
        },
        _ => KoersError::Network {
            message: SERVER_FAILED.into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::Write;
    use std::net::TcpListener;

    #[test]
    fn server_urls_are_checked() {
        assert!(HttpTransport::new("ftp://x").is_err());
        assert!(HttpTransport::new("geen adres").is_err());
        let t = HttpTransport::new("https://bureau.example/ ").unwrap();
        assert_eq!(t.server_url(), "https://bureau.example");
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        for refused in [
            "http://bureau.example",
            "http://10.0.0.2:8080",
            "http://localhost.example",
        ] {
            let err = check_server_url(refused).unwrap_err();
            assert!(err.to_string().contains("https://"), "{refused}: {err}");
        }
        for allowed in [
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "https://bureau.example",
        ] {
            assert!(check_server_url(allowed).is_ok(), "{allowed}");
        }
    }

    /// A bureau that reads one request and answers with `reply` (raw HTTP), then hangs up.
    fn bureau_replying(reply: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 8192];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = stream.write_all(&reply);
        });
        url
    }

    #[test]
    fn a_reply_above_the_limit_is_refused_unread() {
        // Announced too large.
        let url = bureau_replying(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/cbor\r\ncontent-length: {}\r\n\r\n",
                MAX_REPLY_BYTES + 1
            )
            .into_bytes(),
        );
        let err = HttpTransport::new(&url).unwrap().devices("t").unwrap_err();
        assert!(matches!(err, KoersError::Document { .. }), "{err}");
        assert!(err.to_string().contains("groter dan"), "{err}");
    }

    #[test]
    fn a_streamed_reply_is_cut_at_the_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 8192];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            // Chunked, with no length announced: the client must count for itself.
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
            let chunk = vec![b'x'; 1024 * 1024];
            for _ in 0..(MAX_REPLY_BYTES / chunk.len() + 2) {
                if stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .is_err()
                    || stream.write_all(&chunk).is_err()
                    || stream.write_all(b"\r\n").is_err()
                {
                    return; // the client stopped reading
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        });
        let t = HttpTransport::new(&url).unwrap();
        let err = t.devices("t").unwrap_err();
        assert!(err.to_string().contains("groter dan"), "{err}");
    }

    #[test]
    fn a_lost_reply_is_told_apart_from_an_unreachable_bureau() {
        // The bureau takes the request and hangs up without answering.
        let url = bureau_replying(Vec::new());
        let err = HttpTransport::new(&url)
            .unwrap()
            .sync(
                "t",
                &SyncRequest {
                    v: PROTOCOL_VERSION,
                    documents: vec![],
                },
            )
            .unwrap_err();
        assert!(matches!(err, KoersError::Network { .. }), "{err}");
        assert!(err.to_string().contains("kwam niet aan"), "{err}");
        assert!(!err.to_string().contains("niet bereikbaar"), "{err}");
    }

    #[test]
    fn an_unreachable_server_is_a_transient_network_error() {
        // Port 9 on loopback: nothing listens there.
        let t = HttpTransport::new("http://127.0.0.1:9").unwrap();
        let err = t.devices("x").unwrap_err();
        assert!(matches!(err, KoersError::Network { .. }), "{err}");
        assert!(err.to_string().contains("niet bereikbaar"));
    }

    #[test]
    fn http_errors_map_to_readable_errors() {
        let refused = error_for(401, None, false);
        assert!(matches!(refused, KoersError::Refused { .. }));
        assert!(refused.to_string().contains("Koppel opnieuw"));
        assert!(matches!(
            error_for(503, None, false),
            KoersError::Network { .. }
        ));
        assert!(matches!(
            error_for(429, None, false),
            KoersError::Network { .. }
        ));
        assert!(matches!(
            error_for(429, None, true),
            KoersError::Refused { .. }
        ));
        let expired = error_for(
            410,
            Some(ErrorBody {
                v: 1,
                code: ErrorCode::CodeExpired,
                message: String::new(),
            }),
            true,
        );
        assert!(expired.to_string().contains("verlopen"));
        let bad = error_for(
            422,
            Some(ErrorBody {
                v: 1,
                code: ErrorCode::BadChange,
                message: "kapot".into(),
            }),
            false,
        );
        assert!(matches!(bad, KoersError::Document { .. }));
        assert!(bad.to_string().contains("kapot"));
    }
}
