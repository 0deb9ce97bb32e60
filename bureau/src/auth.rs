//! Credentials: one-time enrolment codes, device tokens, coach passwords and sessions, the
//! caller of a request (`Principal`).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use std::sync::{Mutex, OnceLock};

use hashlink::LruCache;

use argon2::{Argon2, PasswordVerifier};
use base64::Engine;
use hmac::{Hmac, Mac};
use koers_protocol::ErrorCode;
use sha2::{Digest, Sha256};

use crate::storage::Storage;
use crate::{BureauError, Result};

// The code's alphabet, length and reading are the core's, shared with the phones.
pub use koers_core::enrolment::normalize_code;
use koers_core::enrolment::{CODE_ALPHABET, CODE_LEN};
/// The name the enrolment-code key is stored under (`Storage::secret`).
const CODE_SECRET: &str = "enrolment-code-key";
/// How long a code may be redeemed.
pub const CODE_VALID_MS: i64 = 7 * 24 * 3600 * 1000;
/// Wrong guesses at one code before it stops working.
pub const CODE_MAX_ATTEMPTS: u32 = 5;
/// How long a coach's login lasts.
pub const SESSION_VALID_MS: i64 = 12 * 3600 * 1000;

/// A freshly generated enrolment code.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCode {
    /// As shown to the coach: `XXXX-XXXX`.
    pub display: String,
    pub lookup: String,
    pub hash: Vec<u8>,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    Device {
        device_id: String,
        employee_id: String,
    },
    Coach {
        coach_id: String,
    },
}

impl Principal {
    /// The name this caller has in logs, the audit and sync states.
    pub fn peer_id(&self) -> String {
        match self {
            Self::Device { device_id, .. } => format!("device:{device_id}"),
            Self::Coach { coach_id } => format!("coach:{coach_id}"),
        }
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| BureauError::Storage {
        message: format!("no randomness: {e}"),
    })?;
    Ok(buf)
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn new_code(key: &CodeKey) -> Result<NewCode> {
    let raw = random_bytes::<CODE_LEN>()?;
    // 256 is not a multiple of the alphabet's size: reject-sample so every letter is as likely.
    let mut letters = String::with_capacity(CODE_LEN);
    let mut pool = raw.to_vec();
    while letters.len() < CODE_LEN {
        let Some(b) = pool.pop() else {
            pool = random_bytes::<CODE_LEN>()?.to_vec();
            continue;
        };
        let limit = 256 - (256 % CODE_ALPHABET.len());
        if (b as usize) < limit {
            letters.push(CODE_ALPHABET.as_bytes()[b as usize % CODE_ALPHABET.len()] as char);
        }
    }
    Ok(NewCode {
        display: format!("{}-{}", &letters[..4], &letters[4..]),
        lookup: key.lookup(&letters),
        hash: key.hash(&letters),
    })
}

/// The bureau's secret for enrolment codes. A code is stored as an HMAC-SHA256 with it
/// (its lookup part too), so the database alone neither shows a code's letters nor lets
/// anyone try all 31^8 codes against the stored hashes.
#[derive(Clone, PartialEq)]
pub struct CodeKey([u8; 32]);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(..)")
    }
}

impl CodeKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// One random key for the whole process: for a bureau started without a configured
    /// secret (tests, tools). Codes made with it work until the process ends.
    pub fn ephemeral() -> Self {
        static KEY: OnceLock<CodeKey> = OnceLock::new();
        KEY.get_or_init(|| {
            Self(random_bytes::<32>().unwrap_or_else(|_| {
                // No OS randomness: std's per-process random hasher keys still differ.
                use std::hash::{BuildHasher, Hasher};
                let mut seed = Vec::new();
                for _ in 0..4 {
                    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                    h.write_u128(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|d| d.as_nanos())
                            .unwrap_or_default(),
                    );
                    seed.extend(h.finish().to_le_bytes());
                }
                let mut out = [0u8; 32];
                out.copy_from_slice(&Sha256::digest(&seed));
                out
            }))
        })
        .clone()
    }

    /// The bureau's key, kept in the database so that every node has the same one: the
    /// first node that needs it stores it (one wins if several start at once; the others
    /// read the winner's). That first node stores the key of `file` if there is one (a key
    /// file of an earlier version, which kept it per node), so codes issued before the
    /// upgrade keep working, else a new random key. Once the database holds a key, `file`
    /// is only compared with it.
    pub fn shared(storage: &dyn Storage, file: Option<&std::path::Path>) -> Result<Self> {
        let from_file = match file {
            Some(path) => Self::from_file(path)?,
            None => None,
        };
        let candidate = match &from_file {
            Some(k) => k.0,
            None => random_bytes::<32>()?,
        };
        let stored = storage.secret(CODE_SECRET, &candidate)?;
        let key = <[u8; 32]>::try_from(stored.as_slice())
            .map(Self)
            .map_err(|_| BureauError::Storage {
                message: format!("the stored {CODE_SECRET} is not 32 bytes"),
            })?;
        if from_file.is_some_and(|f| f != key) {
            tracing::warn!(
                file = %file.map(|p| p.display().to_string()).unwrap_or_default(),
                "the enrolment-code key file differs from the key in the database; the \
                 database's key is used (codes issued with the file's key no longer work)"
            );
        }
        Ok(key)
    }

    /// The key in `path` (64 hex digits), or `None` when there is no such file. A file
    /// others may read is refused.
    pub fn from_file(path: &std::path::Path) -> Result<Option<Self>> {
        use std::os::unix::fs::PermissionsExt;
        let failed = |what: &str, e: &dyn std::fmt::Display| BureauError::Storage {
            message: format!("{what} {}: {e}", path.display()),
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failed("cannot read", &e)),
        };
        let mode = std::fs::metadata(path)
            .map_err(|e| failed("cannot read", &e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(failed(
                "secret readable by others (chmod 600)",
                &format!("mode {:o}", mode & 0o777),
            ));
        }
        parse_hex_key(text.trim())
            .map(|k| Some(Self(k)))
            .ok_or_else(|| failed("not 64 hex digits", &"bureau secret"))
    }

    fn mac(&self, label: &str, data: &str) -> Vec<u8> {
        // HMAC pads a shorter key with zeros to the block size; doing it here gives the
        // same MAC through the constructor that cannot fail.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        let block: hmac::digest::Key<Hmac<Sha256>> = block.into();
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new(&block);
        mac.update(label.as_bytes());
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The stored lookup part of a (normalised) code: from its first four letters, keyed,
    /// 24 hex digits (never the four plain letters of the old scheme).
    pub fn lookup(&self, normalized: &str) -> String {
        let first = normalized.get(..CODE_LEN / 2).unwrap_or(normalized);
        self.mac("koers-enrolment-lookup-v2:", first)[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The stored hash of a (normalised) code.
    pub fn hash(&self, normalized: &str) -> Vec<u8> {
        self.mac("koers-enrolment-v2:", normalized)
    }
}

fn parse_hex_key(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Codes issued before the keyed scheme: the four plain first letters as lookup and an
/// unsalted SHA-256. Still redeemed until they expire (at most [`CODE_VALID_MS`] after the
/// upgrade); no new ones are made.
pub mod legacy {
    use super::sha256;

    pub fn lookup(normalized: &str) -> &str {
        normalized.get(..4).unwrap_or(normalized)
    }

    pub fn hash(normalized: &str) -> Vec<u8> {
        sha256(format!("koers-enrolment:{normalized}").as_bytes())
    }
}

/// A new bearer token (32 random bytes, base64url) and the hash to store.
pub fn new_token() -> Result<(String, Vec<u8>)> {
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let hash = token_hash(&token);
    Ok((token, hash))
}

pub fn token_hash(token: &str) -> Vec<u8> {
    sha256(token.as_bytes())
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| BureauError::Storage {
            message: format!("cannot hash password: {e}"),
        })
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            ARGON2_VERIFICATIONS.with(|n| n.set(n.get() + 1));
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

thread_local! {
    /// Argon2 verifications done on this thread, so a test can see the work was done.
    static ARGON2_VERIFICATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many argon2 verifications this thread has done.
pub fn argon2_verifications_on_this_thread() -> u64 {
    ARGON2_VERIFICATIONS.with(std::cell::Cell::get)
}

/// An argon2 hash made with the same parameters as every new account's. It need not be
/// secret: it only stands in for an account that does not exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let Ok(salt) = SaltString::encode_b64(b"koers-no-account") else {
            return String::new();
        };
        Argon2::default()
            .hash_password(b"no account", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks a login's password against the account's hash; without an account (unknown
/// e-mail address) against a dummy hash of the same cost, so that both answers take as long
/// and the time does not tell which addresses have an account.
pub fn check_login(password: &str, account_hash: Option<&str>) -> bool {
    match account_hash {
        Some(hash) => verify_password(password, hash),
        None => {
            verify_password(password, dummy_hash());
            false
        }
    }
}

/// The bearer token of an `Authorization` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

/// The answer to a token that is missing, unknown, ended or of a revoked device.
pub fn signed_out() -> BureauError {
    BureauError::Refused {
        code: ErrorCode::Unauthorized,
        message: "Niet aangemeld of de koppeling is ingetrokken.".into(),
    }
}

/// Resolves a bearer token to a live device or coach session.
pub fn authenticate(storage: &dyn Storage, token: Option<&str>, now: i64) -> Result<Principal> {
    let token = token.ok_or_else(signed_out)?;
    let hash = token_hash(token);
    if let Some(device) = storage.device_by_token_hash(&hash)? {
        if device.revoked_at.is_some() {
            return Err(signed_out());
        }
        return Ok(Principal::Device {
            device_id: device.id,
            employee_id: device.employee_id,
        });
    }
    if let Some(coach_id) = storage.session_coach(&hash, now)? {
        return Ok(Principal::Coach { coach_id });
    }
    Err(signed_out())
}

/// Devices this node has seen authenticate, by token hash, so that a device's next sync
/// need not look its token up on its own: the sync checks it again inside the document's
/// transaction instead ([`crate::storage::TokenCheck`]), which costs no statement and no
/// round trip more. Nothing here is trusted: a revoked device, or a token replaced by a
/// repeated enrolment, fails that check like any unknown token, on every node at once.
/// Bounded: the least recently used entry goes first.
pub struct KnownDevices {
    devices: Mutex<LruCache<Vec<u8>, KnownDevice>>,
}

/// The device a token belonged to when this node last looked it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    pub device_id: String,
    pub employee_id: String,
}

impl KnownDevices {
    /// Enough for every device of a large bureau (an entry is about 200 bytes).
    pub const CAPACITY: usize = 100_000;

    pub fn new(capacity: usize) -> Self {
        Self {
            devices: Mutex::new(LruCache::new(capacity.max(1))),
        }
    }

    fn devices(&self) -> std::sync::MutexGuard<'_, LruCache<Vec<u8>, KnownDevice>> {
        self.devices.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, token_hash: &[u8]) -> Option<KnownDevice> {
        self.devices().get(token_hash).cloned()
    }

    pub fn remember(&self, token_hash: Vec<u8>, device: KnownDevice) {
        self.devices().insert(token_hash, device);
    }

    pub fn forget(&self, token_hash: &[u8]) {
        self.devices().remove(token_hash);
    }

    /// Forgets every token of the device (revoked through this node).
    pub fn forget_device(&self, device_id: &str) {
        let mut devices = self.devices();
        let tokens: Vec<Vec<u8>> = devices
            .iter()
            .filter(|(_, d)| d.device_id == device_id)
            .map(|(t, _)| t.clone())
            .collect();
        for t in tokens {
            devices.remove(&t);
        }
    }

    pub fn len(&self) -> usize {
        self.devices().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for KnownDevices {
    fn default() -> Self {
        Self::new(Self::CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_devices_are_bounded_and_forgotten() {
        let known = KnownDevices::new(2);
        let device = |d: &str| KnownDevice {
            device_id: d.into(),
            employee_id: "e1".into(),
        };
        known.remember(vec![1], device("d1"));
        known.remember(vec![2], device("d2"));
        assert_eq!(
            known.get(&[1]),
            Some(device("d1")),
            "and now the most recent"
        );
        known.remember(vec![3], device("d3"));
        assert_eq!(known.len(), 2);
        assert_eq!(known.get(&[2]), None, "the least recently used went first");
        assert_eq!(known.get(&[1]), Some(device("d1")));
        known.forget(&[3]);
        known.remember(vec![4], device("d1"));
        known.forget_device("d1");
        assert!(known.is_empty(), "both of d1's tokens");
    }

    #[test]
    fn codes_are_typeable_and_normalise() {
        let key = CodeKey::ephemeral();
        for _ in 0..50 {
            let c = new_code(&key).unwrap();
            assert_eq!(c.display.len(), 9);
            let typed = c.display.to_lowercase().replace('-', " ");
            let n = normalize_code(&typed).unwrap();
            assert_eq!(key.hash(&n), c.hash);
            assert_eq!(key.lookup(&n), c.lookup);
        }
        assert!(normalize_code("ABCD-EFG").is_none());
        assert!(normalize_code("ABCD-EFG0").is_none());
    }

    #[test]
    fn codes_are_stored_keyed_without_their_letters() {
        let (a, b) = (CodeKey::from_bytes([1; 32]), CodeKey::from_bytes([2; 32]));
        let code = "ABCD2345";
        assert_eq!(a.lookup(code).len(), 24);
        assert!(!a.lookup(code).contains("ABCD"));
        assert_ne!(
            a.lookup(code),
            b.lookup(code),
            "the lookup depends on the key"
        );
        assert_ne!(a.hash(code), b.hash(code), "so does the hash");
        assert_ne!(a.hash(code), legacy::hash(code));
        // One lookup for every code with the same first half, as before.
        assert_eq!(a.lookup(code), a.lookup("ABCD9999"));
        // The zero-padded key gives the standard HMAC of the 32-byte key.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[1; 32]).unwrap();
        mac.update(b"koers-enrolment-v2:ABCD2345");
        assert_eq!(a.hash(code), mac.finalize().into_bytes().to_vec());
        assert_ne!(a.hash(code), a.hash("ABCD9999"));
    }

    #[test]
    fn a_key_file_is_read_if_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bureau-secret");
        assert_eq!(CodeKey::from_file(&path).unwrap(), None);
        std::fs::write(&path, format!("{}\n", "0a".repeat(32))).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            CodeKey::from_file(&path).unwrap(),
            Some(CodeKey::from_bytes([10; 32]))
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(CodeKey::from_file(&path).is_err(), "readable by others");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&path, "kort").unwrap();
        assert!(CodeKey::from_file(&path).is_err(), "not a key");
    }

    /// Every node gets the key the first one stored; a key file of an earlier version is
    /// what the first one stores.
    #[test]
    fn the_key_is_the_databases_and_the_first_nodes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bureau.db");
        let (a, b) = (
            crate::storage::sqlite::SqliteStorage::open(&db).unwrap(),
            crate::storage::sqlite::SqliteStorage::open(&db).unwrap(),
        );
        let file = dir.path().join("bureau-secret");
        std::fs::write(&file, "0b".repeat(32)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let first = CodeKey::shared(&a, Some(&file)).unwrap();
        assert_eq!(
            first,
            CodeKey::from_bytes([11; 32]),
            "the file's key is kept"
        );
        assert_eq!(CodeKey::shared(&b, None).unwrap(), first);
        let other = dir.path().join("other-secret");
        std::fs::write(&other, "0c".repeat(32)).unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(CodeKey::shared(&b, Some(&other)).unwrap(), first);

        let fresh = crate::storage::sqlite::SqliteStorage::open(&dir.path().join("2.db")).unwrap();
        let made = CodeKey::shared(&fresh, None).unwrap();
        assert_ne!(made, first, "random when there is no file");
        assert_eq!(CodeKey::shared(&fresh, None).unwrap(), made);
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(ha, token_hash(&a));
        assert_ne!(ha, a.as_bytes());
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("geheim wachtwoord").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("geheim wachtwoord", &h));
        assert!(!verify_password("fout", &h));
        assert!(!verify_password("x", "geen hash"));
    }

    #[test]
    fn an_unknown_account_costs_one_verification_with_the_same_parameters() {
        let account = hash_password("geheim wachtwoord").unwrap();
        let (a, d) = (
            PasswordHash::new(&account).unwrap(),
            PasswordHash::new(dummy_hash()).unwrap(),
        );
        assert_eq!(a.algorithm, d.algorithm);
        assert_eq!(a.version, d.version);
        assert_eq!(a.params, d.params);
        let before = argon2_verifications_on_this_thread();
        assert!(!check_login("geheim wachtwoord", None));
        assert_eq!(argon2_verifications_on_this_thread(), before + 1);
        assert!(!check_login("fout", Some(&account)));
        assert_eq!(argon2_verifications_on_this_thread(), before + 2);
        assert!(check_login("geheim wachtwoord", Some(&account)));
    }
}
