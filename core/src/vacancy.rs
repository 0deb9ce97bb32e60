//! Logging an application from a vacancy link: check the link, fetch the page and read the
//! schema.org `JobPosting` that job sites embed as JSON-LD (employer, role, place, salary).

use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::error::{KoersError, Result};

/// What a vacancy page says about the job; every field is a suggestion the employee can
/// change before the application is saved.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, uniffi::Record)]
pub struct VacancyDetails {
    pub employer: Option<String>,
    pub role: Option<String>,
    pub location: Option<String>,
    /// Dutch and readable, e.g. "€ 3.200 – € 3.900 per maand".
    pub salary: Option<String>,
}

const FIELD: &str = "vacancy_url";
/// Longer links are not vacancy links a person pasted.
const MAX_URL_LEN: usize = 2048;
/// A text longer than this in a JSON-LD field is not a name or a title.
const MAX_TEXT_CHARS: usize = 200;
/// Nesting deeper than this is not searched for a JobPosting.
const MAX_DEPTH: usize = 32;

// ---------------------------------------------------------------------------------------
// The link
// ---------------------------------------------------------------------------------------

/// Checks a vacancy link and returns it normalised (lowercase scheme and host, `https://`
/// added where a person pasted `www.…` without it). Only http and https links, without a
/// user name or password, are accepted.
pub fn validate_vacancy_url(url: &str) -> Result<String> {
    let s = url.trim();
    if s.is_empty() {
        return Err(KoersError::invalid(FIELD, "de link is leeg"));
    }
    if s.len() > MAX_URL_LEN {
        return Err(KoersError::invalid(FIELD, "de link is te lang"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(KoersError::invalid(
            FIELD,
            "de link bevat spaties; plak alleen het adres van de vacature",
        ));
    }
    let with_scheme = if has_scheme(s) {
        s.to_string()
    } else {
        format!("https://{}", s.trim_start_matches('/'))
    };
    let parsed = reqwest::Url::parse(&with_scheme)
        .map_err(|_| KoersError::invalid(FIELD, "dit is geen geldige internetlink"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(KoersError::invalid(
            FIELD,
            "alleen links die met http:// of https:// beginnen kunnen",
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(KoersError::invalid(FIELD, "de link mist een websiteadres"));
    }
    // Credentials in a link would end up in the dossier that the bureau reads.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(KoersError::invalid(
            FIELD,
            "de link bevat een gebruikersnaam of wachtwoord",
        ));
    }
    Ok(parsed.to_string())
}

/// Whether the text starts with a URL scheme (`https:`, `mailto:` …) rather than a host
/// with a port (`www.werk.nl:8080`, `localhost:3000`).
fn has_scheme(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let port_follows = rest.chars().next().is_some_and(|c| c.is_ascii_digit());
    valid && !scheme.contains('.') && !port_follows
}

// ---------------------------------------------------------------------------------------
// Fetching
// ---------------------------------------------------------------------------------------

/// How far a fetch may go; the tests use a short timeout and a small size.
#[derive(Debug, Clone, Copy)]
struct FetchLimits {
    timeout: Duration,
    max_bytes: usize,
    max_redirects: usize,
}

impl FetchLimits {
    const DEFAULT: FetchLimits = FetchLimits {
        timeout: Duration::from_secs(10),
        max_bytes: 2 * 1024 * 1024,
        max_redirects: 5,
    };
}

/// Fetches the vacancy page and reads its JobPosting. A page without one (or a link to
/// something that is not a web page, such as a PDF) gives empty details, not an error.
///
/// Blocking: call it off the UI thread, and from async code through `spawn_blocking`.
pub fn fetch_vacancy(url: &str) -> Result<VacancyDetails> {
    fetch_with(url, FetchLimits::DEFAULT)
}

fn fetch_with(url: &str, limits: FetchLimits) -> Result<VacancyDetails> {
    let url = validate_vacancy_url(url)?;
    let client = reqwest::blocking::Client::builder()
        .timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::limited(limits.max_redirects))
        .user_agent("Koers/0.1")
        .build()
        .map_err(|e| network_error(&e, limits))?;
    let response = client
        .get(&url)
        .header(
            reqwest::header::ACCEPT,
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        )
        .header(reqwest::header::ACCEPT_LANGUAGE, "nl-NL,nl;q=0.9,en;q=0.5")
        .send()
        .map_err(|e| network_error(&e, limits))?;

    let status = response.status();
    if !status.is_success() {
        return Err(status_error(status.as_u16()));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    if content_type.as_deref().is_some_and(|ct| !is_htmlish(ct)) {
        return Ok(VacancyDetails::default());
    }
    let body = read_limited(response, limits)?;
    let text = decode_body(&body, content_type.as_deref());
    Ok(parse_job_posting(&text).unwrap_or_default())
}

fn is_htmlish(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    // text/plain: servers that label their HTML wrongly still get a chance.
    matches!(
        mime,
        "text/html" | "application/xhtml+xml" | "text/plain" | ""
    )
}

/// Reads at most `max_bytes` in chunks, whatever Content-Length claims, and gives up when
/// the whole read takes longer than the timeout (a server can drip bytes forever). A page
/// cut off at the limit is still parsed: JSON-LD usually sits in the `<head>`.
fn read_limited(mut body: impl Read, limits: FetchLimits) -> Result<Vec<u8>> {
    let deadline = Instant::now() + limits.timeout;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    while buf.len() < limits.max_bytes {
        let n = match body.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Err(timeout_error(limits))
            }
            Err(e) => {
                return Err(KoersError::Network {
                    message: format!("De vacaturepagina kwam niet helemaal binnen ({e})."),
                })
            }
        };
        let room = limits.max_bytes - buf.len();
        buf.extend_from_slice(&chunk[..n.min(room)]);
        if Instant::now() > deadline {
            return Err(timeout_error(limits));
        }
    }
    Ok(buf)
}

/// The body as text: UTF-8 unless the server says Latin-1/Windows-1252, or the bytes are not
/// UTF-8 at all (older Dutch sites).
fn decode_body(bytes: &[u8], content_type: Option<&str>) -> String {
    let charset = content_type
        .and_then(|ct| {
            ct.split(';')
                .find_map(|p| p.trim().strip_prefix("charset="))
        })
        .map(|c| c.trim_matches(['"', '\'']).to_ascii_lowercase());
    let legacy = matches!(
        charset.as_deref(),
        Some("iso-8859-1" | "latin1" | "iso-8859-15" | "windows-1252" | "cp1252")
    );
    if !legacy {
        match std::str::from_utf8(bytes) {
            Ok(s) => return s.to_string(),
            // Cut off mid-character at the size limit: still UTF-8.
            Err(e) if e.error_len().is_none() => {
                return String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned()
            }
            Err(_) if charset.is_some() => return String::from_utf8_lossy(bytes).into_owned(),
            Err(_) => {}
        }
    }
    bytes.iter().map(|&b| windows_1252(u32::from(b))).collect()
}

/// A Windows-1252 byte (or an HTML numeric reference in 0x80..0x9F, which HTML reads the
/// same way) as a character.
fn windows_1252(b: u32) -> char {
    const HIGH: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let cp = match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b,
    };
    char::from_u32(cp).unwrap_or('\u{FFFD}')
}

fn network_error(e: &reqwest::Error, limits: FetchLimits) -> KoersError {
    let message = if e.is_timeout() {
        return timeout_error(limits);
    } else if e.is_redirect() {
        "De vacaturesite stuurt te vaak door. Open de link in de browser en plak het adres \
         van de vacature zelf."
            .to_string()
    } else if e.is_connect() {
        "Kon de vacaturesite niet bereiken. Controleer de internetverbinding en de link; \
         je kunt de sollicitatie ook zonder de gegevens van de site opslaan."
            .to_string()
    } else if e.is_builder() {
        "Deze link kan Koers niet openen.".to_string()
    } else {
        format!("Kon de vacature niet ophalen ({e}).")
    };
    KoersError::Network { message }
}

fn timeout_error(limits: FetchLimits) -> KoersError {
    KoersError::Network {
        message: format!(
            "De vacaturesite reageerde niet binnen {} seconden. Probeer het later nog eens, \
             of vul de gegevens zelf in.",
            limits.timeout.as_secs().max(1)
        ),
    }
}

fn status_error(code: u16) -> KoersError {
    let message = match code {
        404 | 410 => format!(
            "De vacature is niet (meer) gevonden (HTTP {code}). Misschien is ze verlopen of \
             klopt de link niet."
        ),
        401 | 403 => format!(
            "De vacaturesite geeft de pagina niet aan Koers (HTTP {code}). Vul de gegevens \
             zelf in."
        ),
        429 => "De vacaturesite vraagt om even te wachten (HTTP 429). Probeer het later nog eens."
            .to_string(),
        500..=599 => {
            format!("De vacaturesite heeft een storing (HTTP {code}). Probeer het later nog eens.")
        }
        _ => format!("De vacaturesite antwoordde met een fout (HTTP {code})."),
    };
    KoersError::Network { message }
}

// ---------------------------------------------------------------------------------------
// Reading the JobPosting
// ---------------------------------------------------------------------------------------

/// The first schema.org `JobPosting` in the page's JSON-LD blocks, if there is one.
///
/// Tolerant of what real job sites publish: any attribute order, quoting and case on the
/// `<script>` tag, `@graph` and arrays, `@type` as a list, references by `@id`, HTML
/// entities inside strings, comment or CDATA wrappers, raw newlines inside strings and
/// trailing commas. A broken block is skipped; no input makes this panic.
pub fn parse_job_posting(html: &str) -> Option<VacancyDetails> {
    let values: Vec<Value> = ld_json_blocks(html)
        .into_iter()
        .flat_map(parse_json_values)
        .collect();
    let mut ids = HashMap::new();
    for v in &values {
        collect_ids(v, &mut ids, 0);
    }
    let posting = values.iter().find_map(|v| find_job_posting(v, 0))?;
    Some(details(posting, &ids))
}

/// The contents of every `<script type="application/ld+json">` element.
fn ld_json_blocks(html: &str) -> Vec<&str> {
    // ASCII lowercasing keeps every byte offset, so positions found in `lower` cut `html`
    // on the same character boundaries.
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("<script") {
        let after = pos + i + "<script".len();
        let next = lower.as_bytes().get(after).copied();
        if !matches!(
            next,
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
        ) {
            pos = after;
            continue;
        }
        let Some(tag_end) = tag_end(&lower, after) else {
            break;
        };
        let body_start = tag_end + 1;
        let body_end = lower[body_start..]
            .find("</script")
            .map_or(lower.len(), |j| body_start + j);
        if is_ld_json(&html[after..tag_end]) {
            out.push(&html[body_start..body_end]);
        }
        pos = body_end;
    }
    out
}

/// The index of the `>` that closes a tag whose attributes start at `from`, skipping `>`
/// inside quoted attribute values.
fn tag_end(s: &str, from: usize) -> Option<usize> {
    // Real script tags are short; bounding the quote-aware scan keeps a page full of
    // unbalanced quotes linear.
    const MAX_TAG: usize = 4096;
    let bytes = s.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate().skip(from).take(MAX_TAG) {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(i),
            (None, _) => {}
        }
    }
    // An unbalanced quote: fall back to the first `>`.
    s[from..].find('>').map(|i| from + i)
}

/// Whether a script tag's attributes say `type="application/ld+json"`.
fn is_ld_json(attrs: &str) -> bool {
    attributes(attrs).into_iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("type")
            && value
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/ld+json"))
    })
}

/// A tag's attributes as (name, value) pairs; values may be double-, single- or unquoted.
fn attributes(s: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return out;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let mut value = "";
        if let Some(after_eq) = rest.strip_prefix('=') {
            let v = after_eq.trim_start();
            if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let inner = &v[1..];
                let end = inner.find(q).unwrap_or(inner.len());
                value = &inner[..end];
                rest = inner.get(end + 1..).unwrap_or("");
            } else {
                let end = v.find(|c: char| c.is_ascii_whitespace()).unwrap_or(v.len());
                value = &v[..end];
                rest = &v[end..];
            }
        }
        if name.is_empty() {
            // Stray `=`: skip one character so the loop always advances.
            let mut chars = rest.chars();
            chars.next();
            rest = chars.as_str();
            continue;
        }
        out.push((name, value));
    }
}

/// The JSON values in one block, trying a lenient clean-up when strict parsing fails.
fn parse_json_values(block: &str) -> Vec<Value> {
    let body = strip_wrappers(block);
    let values = parse_stream(body);
    if !values.is_empty() {
        return values;
    }
    let values = parse_stream(&sanitize_json(body));
    if !values.is_empty() || !body.contains("&quot;") {
        return values;
    }
    // Some sites entity-encode the whole block.
    parse_stream(&sanitize_json(&decode_entities(body)))
}

/// Every complete JSON value at the start of `s` (a block may hold more than one).
fn parse_stream(s: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(s)
        .into_iter::<Value>()
        .map_while(|v| v.ok())
        .collect()
}

fn strip_wrappers(block: &str) -> &str {
    let mut s = block.trim();
    for prefix in ["<!--", "//<![CDATA[", "/*<![CDATA[*/", "<![CDATA["] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
        }
    }
    for suffix in ["-->", "//]]>", "/*]]>*/", "]]>"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end();
        }
    }
    s
}

/// Repairs the two mistakes job sites make most: raw line breaks (control characters)
/// inside strings and trailing commas before `}` or `]`.
fn sanitize_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_string = false;
    let mut escaped = false;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            match c {
                _ if escaped => {
                    escaped = false;
                    out.push(c);
                }
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => {}
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        } else {
            match c {
                '"' => {
                    in_string = true;
                    out.push(c);
                }
                ',' => {
                    let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                    if !matches!(next, Some('}' | ']')) {
                        out.push(c);
                    }
                }
                c => out.push(c),
            }
        }
    }
    out
}

/// The page's nodes by `@id`.
type Ids<'a> = HashMap<&'a str, &'a Map<String, Value>>;

/// Every object with an `@id`, so that references like `{"@id": "#org"}` can be followed.
fn collect_ids<'a>(v: &'a Value, ids: &mut Ids<'a>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(o) => {
            if let Some(id) = o.get("@id").and_then(Value::as_str) {
                // The fullest description of a node wins over a bare reference.
                let longer = ids.get(id).is_none_or(|old| old.len() < o.len());
                if longer {
                    ids.insert(id, o);
                }
            }
            for child in o.values() {
                collect_ids(child, ids, depth + 1);
            }
        }
        Value::Array(a) => {
            for child in a {
                collect_ids(child, ids, depth + 1);
            }
        }
        _ => {}
    }
}

fn find_job_posting(v: &Value, depth: usize) -> Option<&Map<String, Value>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match v {
        Value::Object(o) if has_type(o, "JobPosting") => Some(o),
        Value::Object(o) => o.values().find_map(|c| find_job_posting(c, depth + 1)),
        Value::Array(a) => a.iter().find_map(|c| find_job_posting(c, depth + 1)),
        _ => None,
    }
}

/// Whether `@type` (a string or a list) names `wanted`, also as `schema:JobPosting` or
/// `https://schema.org/JobPosting`.
fn has_type(o: &Map<String, Value>, wanted: &str) -> bool {
    let matches = |t: &Value| {
        t.as_str().is_some_and(|t| {
            let t = t.trim();
            let short = t.rsplit(['/', ':', '#']).next().unwrap_or(t);
            short.eq_ignore_ascii_case(wanted)
        })
    };
    match o.get("@type") {
        Some(Value::Array(a)) => a.iter().any(matches),
        Some(t) => matches(t),
        None => false,
    }
}

/// The object behind a value, following an `@id` reference.
fn node_of<'a>(v: &'a Value, ids: &Ids<'a>) -> Option<&'a Map<String, Value>> {
    let o = v.as_object()?;
    match o
        .get("@id")
        .and_then(Value::as_str)
        .and_then(|id| ids.get(id))
    {
        Some(full) if full.len() > o.len() => Some(full),
        _ => Some(o),
    }
}

fn details(p: &Map<String, Value>, ids: &Ids<'_>) -> VacancyDetails {
    let role = p
        .get("title")
        .or_else(|| p.get("name"))
        .and_then(|v| text(v, ids, 0));
    let employer = p.get("hiringOrganization").and_then(|v| text(v, ids, 0));
    VacancyDetails {
        employer,
        role,
        location: location(p, ids),
        salary: p
            .get("baseSalary")
            .and_then(|v| salary(v, ids, 0))
            .or_else(|| p.get("estimatedSalary").and_then(|v| salary(v, ids, 0))),
    }
}

/// A readable text from a string, a list (its first text) or a node (its `name`).
fn text(v: &Value, ids: &Ids<'_>, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match v {
        Value::String(s) => clean(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => a.iter().find_map(|c| text(c, ids, depth + 1)),
        Value::Object(_) => {
            let o = node_of(v, ids)?;
            o.get("name")
                .or_else(|| o.get("@value"))
                .or_else(|| o.get("legalName"))
                .and_then(|c| text(c, ids, depth + 1))
        }
        _ => None,
    }
}

/// Entities decoded, tags dropped, white space collapsed, at most `MAX_TEXT_CHARS`.
fn clean(s: &str) -> Option<String> {
    let mut decoded = decode_entities(s);
    // Some sites encode twice ("&amp;eacute;").
    if decoded.contains('&') {
        decoded = decode_entities(&decoded);
    }
    let stripped = strip_tags(&decoded);
    let words: Vec<&str> = stripped.split_whitespace().collect();
    let mut out = words.join(" ");
    if out.chars().count() > MAX_TEXT_CHARS {
        out = out.chars().take(MAX_TEXT_CHARS - 1).collect::<String>();
        out.push('…');
    }
    (!out.is_empty()).then_some(out)
}

/// Drops things that look like HTML tags (`<b>`, `</p>`, `<!-- -->`), keeping a lone `<`.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let tag_like = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !tag_like {
            out.push('<');
            rest = after;
            continue;
        }
        match after.find('>') {
            Some(j) => {
                out.push(' ');
                rest = &after[j + 1..];
            }
            // No `>` anywhere after: not a tag, and none further on will be one either.
            None => {
                out.push('<');
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes HTML character references: numeric ones and the named ones Dutch job texts use.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        // Entity names are short: look for the `;` nearby only, so text full of `&` stays linear.
        let semicolon = after.bytes().take(33).position(|b| b == b';');
        match semicolon {
            Some(j) => match entity(&after[..j]) {
                Some(c) => {
                    out.push(c);
                    rest = &after[j + 1..];
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            },
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let cp = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return Some(match cp {
            0 => '\u{FFFD}',
            0x80..=0x9F => windows_1252(cp),
            _ => char::from_u32(cp).unwrap_or('\u{FFFD}'),
        });
    }
    let c = match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "euro" => '€',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "laquo" => '«',
        "raquo" => '»',
        "middot" => '·',
        "bull" => '•',
        "deg" => '°',
        "times" => '×',
        "shy" => '\u{AD}',
        "szlig" => 'ß',
        "aacute" => 'á',
        "Aacute" => 'Á',
        "agrave" => 'à',
        "Agrave" => 'À',
        "acirc" => 'â',
        "auml" => 'ä',
        "Auml" => 'Ä',
        "aring" => 'å',
        "eacute" => 'é',
        "Eacute" => 'É',
        "egrave" => 'è',
        "Egrave" => 'È',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "Euml" => 'Ë',
        "iacute" => 'í',
        "igrave" => 'ì',
        "icirc" => 'î',
        "iuml" => 'ï',
        "Iuml" => 'Ï',
        "oacute" => 'ó',
        "ograve" => 'ò',
        "ocirc" => 'ô',
        "ouml" => 'ö',
        "Ouml" => 'Ö',
        "oslash" => 'ø',
        "uacute" => 'ú',
        "ugrave" => 'ù',
        "ucirc" => 'û',
        "uuml" => 'ü',
        "Uuml" => 'Ü',
        "ccedil" => 'ç',
        "Ccedil" => 'Ç',
        "ntilde" => 'ñ',
        _ => return None,
    };
    Some(c)
}

// --- location -----------------------------------------------------------------------------

fn location(p: &Map<String, Value>, ids: &Ids<'_>) -> Option<String> {
    let mut places: Vec<String> = Vec::new();
    if let Some(v) = p.get("jobLocation") {
        let list: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        for place in list {
            if let Some(name) = locality(place, ids) {
                if !places.contains(&name) {
                    places.push(name);
                }
            }
        }
    }
    let remote = match p.get("jobLocationType") {
        Some(Value::Array(a)) => a.iter().any(is_telecommute),
        Some(v) => is_telecommute(v),
        None => false,
    };
    let place = (!places.is_empty()).then(|| {
        if places.len() > 5 {
            format!("{} en meer", places[..5].join(", "))
        } else {
            places.join(", ")
        }
    });
    match (place, remote) {
        (Some(place), true) => Some(format!("{place} (ook op afstand)")),
        (Some(place), false) => Some(place),
        (None, true) => Some("Op afstand".to_string()),
        (None, false) => None,
    }
}

fn is_telecommute(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("TELECOMMUTE"))
}

/// The town of a Place: its address's `addressLocality`, else its region, else an address
/// given as plain text.
fn locality(place: &Value, ids: &Ids<'_>) -> Option<String> {
    match place {
        Value::String(s) => clean(s),
        Value::Object(_) => {
            let o = node_of(place, ids)?;
            // Some sites put the address fields on the Place itself.
            let address = o.get("address").unwrap_or(place);
            address_town(address, ids).or_else(|| address_town(place, ids))
        }
        _ => None,
    }
}

fn address_town(address: &Value, ids: &Ids<'_>) -> Option<String> {
    match address {
        Value::String(s) => clean(s),
        Value::Array(a) => a.iter().find_map(|c| address_town(c, ids)),
        Value::Object(_) => {
            let o = node_of(address, ids)?;
            ["addressLocality", "addressRegion"]
                .iter()
                .find_map(|k| o.get(*k).and_then(|v| text(v, ids, 0)))
        }
        _ => None,
    }
}

// --- salary -------------------------------------------------------------------------------

/// A MonetaryAmount (or a number, or free text) as Dutch text: "€ 3.200 – € 3.900 per maand".
fn salary(v: &Value, ids: &Ids<'_>, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match v {
        Value::Array(a) => a.iter().find_map(|c| salary(c, ids, depth + 1)),
        Value::String(s) => match amount(v) {
            // A bare number as text is an amount; anything else is the site's own wording.
            Some(x)
                if s.trim()
                    .chars()
                    .all(|c| c.is_ascii_digit() || ".,".contains(c)) =>
            {
                format_salary(None, None, Some(x), None, None)
            }
            _ => clean(s),
        },
        Value::Number(_) => format_salary(None, None, amount(v), None, None),
        Value::Object(_) => {
            let o = node_of(v, ids)?;
            let currency = o
                .get("currency")
                .or_else(|| o.get("salaryCurrency"))
                .and_then(Value::as_str);
            let outer_unit = o.get("unitText").and_then(Value::as_str);
            let value = match o.get("value") {
                Some(Value::Array(a)) => a.first(),
                other => other,
            };
            match value {
                Some(q @ Value::Object(_)) => {
                    let q = node_of(q, ids)?;
                    let unit = q.get("unitText").and_then(Value::as_str).or(outer_unit);
                    format_salary(
                        q.get("minValue").and_then(amount),
                        q.get("maxValue").and_then(amount),
                        q.get("value").and_then(amount),
                        unit,
                        currency,
                    )
                }
                Some(value) => format_salary(
                    o.get("minValue").and_then(amount),
                    o.get("maxValue").and_then(amount),
                    amount(value),
                    outer_unit,
                    currency,
                ),
                None => format_salary(
                    o.get("minValue").and_then(amount),
                    o.get("maxValue").and_then(amount),
                    None,
                    outer_unit,
                    currency,
                ),
            }
        }
        _ => None,
    }
}

/// A positive amount from a JSON number or a text like "3200", "3.200,50" or "17.50".
fn amount(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => parse_amount(s)?,
        _ => return None,
    };
    // Zero means "not given" on many sites; more than a billion is not a salary.
    (x.is_finite() && x > 0.0 && x < 1e9).then_some(x)
}

fn parse_amount(s: &str) -> Option<f64> {
    let kept: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    if !kept.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let normal = match (kept.rfind(','), kept.rfind('.')) {
        // Both: the last one is the decimal separator.
        (Some(c), Some(d)) => {
            let (thousands, decimal) = if c > d { ('.', ',') } else { (',', '.') };
            kept.replace(thousands, "").replace(decimal, ".")
        }
        (Some(i), None) | (None, Some(i)) => {
            let sep = if kept.as_bytes()[i] == b',' { ',' } else { '.' };
            let digits_after = kept.len() - i - 1;
            // "3.200" and "1,500,000" group thousands; "17.50" and "17,5" have decimals.
            if kept.matches(sep).count() > 1 || digits_after == 3 {
                kept.replace(sep, "")
            } else {
                kept.replace(sep, ".")
            }
        }
        (None, None) => kept,
    };
    normal.parse().ok()
}

fn format_salary(
    min: Option<f64>,
    max: Option<f64>,
    value: Option<f64>,
    unit: Option<&str>,
    currency: Option<&str>,
) -> Option<String> {
    let (min, max) = match (min, max) {
        (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
        other => other,
    };
    let symbol = currency_symbol(currency);
    let per = unit.and_then(per_unit);
    let cents = [min, max, value]
        .iter()
        .flatten()
        .any(|x| (x * 100.0).round() % 100.0 != 0.0);
    let money = |x: f64| format!("{symbol}{}", dutch_number(x, cents));
    let body = match (min, max, value) {
        (Some(a), Some(b), _) if money(a) != money(b) => format!("{} – {}", money(a), money(b)),
        (Some(a), Some(_), _) => money(a),
        (Some(a), None, Some(v)) if a < v => format!("{} – {}", money(a), money(v)),
        (None, Some(b), Some(v)) if v < b => format!("{} – {}", money(v), money(b)),
        (_, _, Some(v)) => money(v),
        (Some(a), None, None) => format!("vanaf {}", money(a)),
        (None, Some(b), None) => format!("tot {}", money(b)),
        (None, None, None) => return None,
    };
    Some(match per {
        Some(per) => format!("{body} {per}"),
        None => body,
    })
}

/// The symbol and space before an amount; euros unless the posting names another
/// currency (Dutch job sites often leave it out).
fn currency_symbol(currency: Option<&str>) -> String {
    let code = currency
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| c.len() == 3 && c.chars().all(|c| c.is_ascii_alphabetic()));
    match code.as_deref() {
        None | Some("EUR") => "€ ".to_string(),
        Some("GBP") => "£ ".to_string(),
        Some("USD") => "$ ".to_string(),
        Some(other) => format!("{other} "),
    }
}

fn per_unit(unit: &str) -> Option<&'static str> {
    let u = unit.trim().to_ascii_lowercase();
    let u = u.trim_start_matches("per").trim();
    Some(match u {
        "hour" | "hourly" | "uur" => "per uur",
        "day" | "daily" | "dag" => "per dag",
        "week" | "weekly" => "per week",
        "month" | "monthly" | "maand" => "per maand",
        "year" | "yearly" | "annual" | "annually" | "jaar" => "per jaar",
        _ => return None,
    })
}

/// 3200 → "3.200", 17.5 → "17,50" (with `cents`), grouped the Dutch way.
fn dutch_number(x: f64, cents: bool) -> String {
    let total_cents = (x * 100.0).round() as i64;
    let whole = total_cents / 100;
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    if cents {
        format!("{grouped},{:02}", total_cents % 100)
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::thread;

    use super::*;

    fn page(head_extra: &str) -> String {
        format!(
            "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">\
             <title>Vacature</title>{head_extra}</head><body><h1>Vacature</h1></body></html>"
        )
    }

    fn details(
        employer: Option<&str>,
        role: Option<&str>,
        location: Option<&str>,
        salary: Option<&str>,
    ) -> VacancyDetails {
        VacancyDetails {
            employer: employer.map(String::from),
            role: role.map(String::from),
            location: location.map(String::from),
            salary: salary.map(String::from),
        }
    }

    #[test]
    fn a_plain_job_posting_per_month() {
        let html = page(
            r#"<script type="application/ld+json">
            {"@context":"https://schema.org","@type":"JobPosting",
             "title":"Medewerker klantenservice","datePosted":"2026-01-05",
             "hiringOrganization":{"@type":"Organization","name":"Coolblue","sameAs":"https://www.coolblue.nl"},
             "jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","streetAddress":"Weena 664","addressLocality":"Rotterdam","postalCode":"3012 CN","addressCountry":"NL"}},
             "baseSalary":{"@type":"MonetaryAmount","currency":"EUR","value":{"@type":"QuantitativeValue","minValue":3200,"maxValue":3900,"unitText":"MONTH"}},
             "employmentType":"FULL_TIME"}
            </script>"#,
        );
        assert_eq!(
            parse_job_posting(&html),
            Some(details(
                Some("Coolblue"),
                Some("Medewerker klantenservice"),
                Some("Rotterdam"),
                Some("€ 3.200 – € 3.900 per maand")
            ))
        );
    }

    #[test]
    fn a_yoast_graph_with_references_entities_and_an_hourly_wage() {
        // Shaped like a WordPress "werken bij" site: a @graph, the employer by @id, odd
        // attribute order, quotes and case on the script tag.
        let html = page(
            r##"<script type="text/javascript">var x = {"@type":"JobPosting","title":"nep"};</script>
            <SCRIPT class='yoast-schema-graph' TYPE='application/ld+json' data-x=">">
            {"@context":"https://schema.org","@graph":[
              {"@type":"WebPage","@id":"https://werkenbij.zorggroep.nl/vacature/42/","name":"Vacature"},
              {"@type":"Organization","@id":"https://werkenbij.zorggroep.nl/#organization","name":"Zorggroep &#039;t Gooi &amp; Eemland"},
              {"@type":["JobPosting"],"@id":"https://werkenbij.zorggroep.nl/vacature/42/#job",
               "title":"Verpleegkundige &amp;amp; zorgco&ouml;rdinator","description":"&lt;p&gt;Wij zoeken...&lt;/p&gt;",
               "hiringOrganization":{"@id":"https://werkenbij.zorggroep.nl/#organization"},
               "jobLocation":[{"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Hilversum"}}],
               "baseSalary":{"@type":"MonetaryAmount","currency":"EUR","value":{"@type":"QuantitativeValue","value":"17.50","unitText":"HOUR"}}}
            ]}
            </SCRIPT>"##,
        );
        assert_eq!(
            parse_job_posting(&html),
            Some(details(
                Some("Zorggroep 't Gooi & Eemland"),
                Some("Verpleegkundige & zorgcoördinator"),
                Some("Hilversum"),
                Some("€ 17,50 per uur")
            ))
        );
    }

    #[test]
    fn a_top_level_array_with_several_places_and_a_yearly_salary() {
        let html = page(
            r#"<script type=application/ld+json>[
              {"@context":"https://schema.org","@type":"BreadcrumbList","itemListElement":[]},
              {"@context":"https://schema.org","@type":"http://schema.org/JobPosting",
               "title":"Senior data-analist","hiringOrganization":"Rijkswaterstaat",
               "jobLocation":[
                 {"@type":"Place","address":{"addressLocality":"Utrecht"}},
                 {"@type":"Place","address":{"addressLocality":"Utrecht"}},
                 {"@type":"Place","address":[{"addressLocality":"Amersfoort"}]}],
               "baseSalary":{"@type":"MonetaryAmount","currency":"EUR",
                 "value":{"@type":"QuantitativeValue","minValue":"45.000","maxValue":60000.0,"unitText":"YEAR"}}}
            ]</script>"#,
        );
        assert_eq!(
            parse_job_posting(&html),
            Some(details(
                Some("Rijkswaterstaat"),
                Some("Senior data-analist"),
                Some("Utrecht, Amersfoort"),
                Some("€ 45.000 – € 60.000 per jaar")
            ))
        );
    }

    #[test]
    fn a_broken_block_does_not_stop_the_next_one() {
        let html = page(
            r#"<script type="application/ld+json">{"@type":"Organization","name": oops</script>
            <script type="application/ld+json">
            //<![CDATA[
            {"@type":"JobPosting","title":"Chauffeur
            C/CE",
             "description":"Regel 1
            Regel 2",
             "hiringOrganization":{"name":"Transport B.V."},}
            //]]>
            </script>"#,
        );
        let d = parse_job_posting(&html).unwrap();
        assert_eq!(d.role.as_deref(), Some("Chauffeur C/CE"));
        assert_eq!(d.employer.as_deref(), Some("Transport B.V."));
        assert_eq!(d.location, None);
        assert_eq!(d.salary, None);
    }

    #[test]
    fn remote_work() {
        let only_remote = page(
            r#"<script type="application/ld+json">{"@type":"JobPosting","title":"Developer",
               "hiringOrganization":{"@type":"Organization","name":"Bol"},"jobLocationType":"TELECOMMUTE",
               "applicantLocationRequirements":{"@type":"Country","name":"NL"}}</script>"#,
        );
        assert_eq!(
            parse_job_posting(&only_remote).unwrap().location.as_deref(),
            Some("Op afstand")
        );
        let hybrid = page(
            r#"<script type="application/ld+json">{"@type":"JobPosting","title":"Developer",
               "jobLocationType":["TELECOMMUTE"],
               "jobLocation":{"@type":"Place","address":{"addressLocality":"Amsterdam"}}}</script>"#,
        );
        assert_eq!(
            parse_job_posting(&hybrid).unwrap().location.as_deref(),
            Some("Amsterdam (ook op afstand)")
        );
    }

    #[test]
    fn pages_without_a_job_posting() {
        assert_eq!(parse_job_posting(""), None);
        assert_eq!(parse_job_posting(&page("")), None);
        assert_eq!(
            parse_job_posting(&page(
                r#"<script type="application/ld+json">{"@type":"Organization","name":"X"}</script>"#
            )),
            None
        );
        // A JobPosting with nothing useful still counts as found.
        assert_eq!(
            parse_job_posting(&page(
                r#"<script type="application/ld+json">{"@type":"JobPosting"}</script>"#
            )),
            Some(VacancyDetails::default())
        );
    }

    #[test]
    fn salaries_in_their_many_shapes() {
        let f = |json: &str| {
            let v: Value = serde_json::from_str(json).unwrap();
            salary(&v, &HashMap::new(), 0)
        };
        assert_eq!(
            f(r#"{"currency":"EUR","value":{"minValue":2500,"maxValue":2500,"unitText":"MONTH"}}"#)
                .as_deref(),
            Some("€ 2.500 per maand")
        );
        assert_eq!(
            f(r#"{"currency":"EUR","value":{"minValue":"3.200,50","unitText":"MONTH"}}"#)
                .as_deref(),
            Some("vanaf € 3.200,50 per maand")
        );
        assert_eq!(
            f(r#"{"value":{"maxValue":4000,"unitText":"MONTH"}}"#).as_deref(),
            Some("tot € 4.000 per maand")
        );
        assert_eq!(
            f(r#"{"currency":"EUR","value":52000,"unitText":"YEAR"}"#).as_deref(),
            Some("€ 52.000 per jaar")
        );
        assert_eq!(
            f(r#"{"currency":"EUR","value":{"minValue":16,"maxValue":18.5,"unitText":"HOUR"}}"#)
                .as_deref(),
            Some("€ 16,00 – € 18,50 per uur")
        );
        assert_eq!(
            f(r#"{"currency":"usd","value":{"value":1000000,"unitText":"YEAR"}}"#).as_deref(),
            Some("$ 1.000.000 per jaar")
        );
        assert_eq!(
            f(r#""€ 3.000 - € 3.500 bruto per maand""#).as_deref(),
            Some("€ 3.000 - € 3.500 bruto per maand")
        );
        assert_eq!(
            f(r#"{"currency":"EUR","value":{"minValue":0,"maxValue":0}}"#),
            None
        );
        assert_eq!(f(r#"{"currency":"EUR"}"#), None);
        assert_eq!(parse_amount("1,500,000"), Some(1_500_000.0));
        assert_eq!(parse_amount("17,5"), Some(17.5));
        assert_eq!(parse_amount("3,200.75"), Some(3200.75));
        assert_eq!(parse_amount("geen"), None);
    }

    #[test]
    fn entities_and_tags_in_text() {
        assert_eq!(
            clean("  Caf&eacute; &amp; <b>bar</b>&nbsp;&#x20AC;&#128; &unknown; & co  ").as_deref(),
            Some("Café & bar €€ &unknown; & co")
        );
        assert_eq!(
            clean("&#0;&#xD800;&#99999999;").as_deref(),
            Some("\u{FFFD}\u{FFFD}\u{FFFD}")
        );
        assert_eq!(clean("   "), None);
        assert_eq!(
            clean(&"x".repeat(500)).unwrap().chars().count(),
            MAX_TEXT_CHARS
        );
        assert_eq!(strip_tags("a < b en c <> d"), "a < b en c <> d");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let deep = format!(
            r#"<script type="application/ld+json">{}{}</script>"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let cases = [
            "<script",
            "<script type=\"application/ld+json\"",
            "<script type=\"application/ld+json>{\"@type\":\"JobPosting\"}",
            "<script type='application/ld+json'>{\"@type\":\"JobPosting\",\"title\":\"ë",
            "<scripttype=application/ld+json>{}</script>",
            "<script type=application/ld+json/>",
            "<script ===>",
            "<script \"'>",
            "ëëë<script type=\"application/ld+json\">€</script>ë",
            "<script type=\"application/ld+json\">{\"@type\":\"JobPosting\",\"baseSalary\":{\"value\":1e308}}</script>",
            "<script type=\"application/ld+json\">{\"@type\":\"JobPosting\",\"title\":\"&#;&#x;&;&\"}</script>",
            &deep,
        ];
        for c in cases {
            let _ = parse_job_posting(c);
        }
        // Hostile pages of the maximum size stay fast (no quadratic scans).
        let started = Instant::now();
        let hostile = [
            "<script '".repeat(200_000),
            format!(
                "<script type=\"application/ld+json\">{{\"@type\":\"JobPosting\",\"title\":\"{}\"}}</script>",
                "&amp<a".repeat(300_000)
            ),
            format!(
                "<script type=\"application/ld+json\">{{\"@type\":\"JobPosting\",\"title\":\"{}\"}}</script>",
                "< &".repeat(600_000)
            ),
        ];
        for h in &hostile {
            let _ = parse_job_posting(h);
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        // A cheap fuzz: random concatenations of meaningful fragments.
        let parts = [
            "<script",
            " type=",
            "\"application/ld+json\"",
            "'",
            ">",
            "</script>",
            "{",
            "}",
            "[",
            "]",
            "\"@type\"",
            ":",
            "\"JobPosting\"",
            ",",
            "\"title\"",
            "\"x\"",
            "&amp;",
            "&#",
            "ë",
            "€",
            "<",
            "\n",
            "\"@graph\"",
            "\"@id\"",
            "\"baseSalary\"",
            "1",
            "null",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..40 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push_str(parts[(seed % parts.len() as u64) as usize]);
            }
            let _ = parse_job_posting(&s);
        }
    }

    #[test]
    fn links_are_checked_and_normalised() {
        assert_eq!(
            validate_vacancy_url("  https://www.Indeed.NL/viewjob?jk=1a2b  ").unwrap(),
            "https://www.indeed.nl/viewjob?jk=1a2b"
        );
        assert_eq!(
            validate_vacancy_url("www.werk.nl/vacatures/123").unwrap(),
            "https://www.werk.nl/vacatures/123"
        );
        assert_eq!(
            validate_vacancy_url("HTTP://example.nl").unwrap(),
            "http://example.nl/"
        );
        assert_eq!(
            validate_vacancy_url("localhost:8080/x").unwrap(),
            "https://localhost:8080/x"
        );
        for bad in [
            "",
            "ftp://example.nl/x",
            "javascript:alert(1)",
            "mailto:hr@example.nl",
            "https://",
            "https://jan:geheim@example.nl/",
            "https://example.nl/a b",
            "data:text/html,<b>x</b>",
        ] {
            match validate_vacancy_url(bad) {
                Err(KoersError::InvalidInput { field, .. }) => assert_eq!(field, "vacancy_url"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    // --- fetching, against a tiny local server ---------------------------------------------

    type Reply = dyn Fn(&str, &mut TcpStream) + Send + Sync;

    /// Serves every connection with `reply` (given the request head); returns the base URL.
    fn serve(reply: impl Fn(&str, &mut TcpStream) + Send + Sync + 'static) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let reply: Arc<Reply> = Arc::new(reply);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let reply = Arc::clone(&reply);
                thread::spawn(move || {
                    let head = read_head(&mut stream);
                    reply(&head, &mut stream);
                });
            }
        });
        format!("http://{addr}")
    }

    fn read_head(stream: &mut TcpStream) -> String {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => break,
            }
        }
        String::from_utf8_lossy(&head).into_owned()
    }

    fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(body);
    }

    const POSTING: &str = r#"<script type="application/ld+json">{"@type":"JobPosting",
        "title":"Magazijnmedewerker","hiringOrganization":{"name":"Picnic"},
        "jobLocation":{"address":{"addressLocality":"Utrecht"}},
        "baseSalary":{"currency":"EUR","value":{"minValue":14.5,"maxValue":16,"unitText":"HOUR"}}}</script>"#;

    fn short(timeout_ms: u64) -> FetchLimits {
        FetchLimits {
            timeout: Duration::from_millis(timeout_ms),
            ..FetchLimits::DEFAULT
        }
    }

    #[test]
    fn fetches_a_normal_page_as_koers() {
        let base = serve(|head, s| {
            let lower = head.to_ascii_lowercase();
            if lower.starts_with("get /vacature/7 ") && lower.contains("user-agent: koers/0.1\r\n")
            {
                respond(
                    s,
                    "200 OK",
                    "text/html; charset=utf-8",
                    page(POSTING).as_bytes(),
                );
            } else {
                respond(s, "400 Bad Request", "text/plain", head.as_bytes());
            }
        });
        let d = fetch_with(&format!("{base}/vacature/7"), short(5000)).unwrap();
        assert_eq!(
            d,
            details(
                Some("Picnic"),
                Some("Magazijnmedewerker"),
                Some("Utrecht"),
                Some("€ 14,50 – € 16,00 per uur")
            )
        );
    }

    #[test]
    fn a_page_without_json_ld_gives_empty_details() {
        let base = serve(|_, s| respond(s, "200 OK", "text/html", page("").as_bytes()));
        assert_eq!(fetch_vacancy(&base).unwrap(), VacancyDetails::default());
    }

    #[test]
    fn a_non_html_link_gives_empty_details() {
        let base = serve(|_, s| respond(s, "200 OK", "application/pdf", b"%PDF-1.7"));
        assert_eq!(
            fetch_with(&base, short(5000)).unwrap(),
            VacancyDetails::default()
        );
    }

    #[test]
    fn a_latin1_page_is_decoded() {
        let html = page(
            "<script type=\"application/ld+json\">{\"@type\":\"JobPosting\",\
             \"title\":\"Coördinator café\",\"hiringOrganization\":\"Café De Kroon €\"}</script>",
        );
        // Windows-1252 bytes: every character here is below U+0100 except the euro (0x80).
        let bytes: Vec<u8> = html
            .chars()
            .map(|c| if c == '€' { 0x80 } else { c as u32 as u8 })
            .collect();
        assert!(std::str::from_utf8(&bytes).is_err());
        let bytes = Arc::new(bytes);
        let latin1 = Arc::clone(&bytes);
        let base =
            serve(move |_, s| respond(s, "200 OK", "text/html; charset=windows-1252", &latin1));
        let d = fetch_with(&base, short(5000)).unwrap();
        assert_eq!(d.role.as_deref(), Some("Coördinator café"));
        assert_eq!(d.employer.as_deref(), Some("Café De Kroon €"));
        // Without a charset, bytes that are not UTF-8 are read as Windows-1252 too.
        assert_eq!(decode_body(&bytes, Some("text/html")), html);
    }

    /// Headers, then `head`, then filler for ever (until the client hangs up), with no
    /// Content-Length: only the size limit ends the read.
    fn endless(head: &'static str) -> String {
        serve(move |_, s| {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n{head}"
            );
            let filler = "<p>lorem ipsum</p>\n".repeat(4096);
            while s.write_all(filler.as_bytes()).is_ok() {}
        })
    }

    #[test]
    fn an_endless_page_is_cut_off_at_the_size_limit() {
        let base = endless(POSTING);
        let d = fetch_vacancy(&base).unwrap();
        assert_eq!(d.role.as_deref(), Some("Magazijnmedewerker"));

        let limits = FetchLimits {
            max_bytes: 1000,
            ..FetchLimits::DEFAULT
        };
        let read = read_limited(std::io::repeat(b'x'), limits).unwrap();
        assert_eq!(read.len(), 1000);
    }

    #[test]
    fn a_job_posting_past_the_limit_is_not_read() {
        // 3 MiB of filler before the JSON-LD: past the 2 MiB limit.
        let filler: &'static str = Box::leak("<p>x</p>".repeat(3 * 1024 * 128).into_boxed_str());
        let base = serve(move |_, s| {
            let body = format!("{filler}{POSTING}");
            respond(s, "200 OK", "text/html", body.as_bytes());
        });
        assert_eq!(fetch_vacancy(&base).unwrap(), VacancyDetails::default());
    }

    #[test]
    fn a_slow_server_times_out() {
        let base = serve(|_, s| {
            thread::sleep(Duration::from_secs(3));
            respond(s, "200 OK", "text/html", page(POSTING).as_bytes());
        });
        let started = Instant::now();
        let err = fetch_with(&base, short(300)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        match err {
            KoersError::Network { message } => assert!(message.contains("reageerde niet")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_dripping_server_times_out() {
        let base = serve(|_, s| {
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n");
            while s.write_all(b"<p>").is_ok() && s.flush().is_ok() {
                thread::sleep(Duration::from_millis(50));
            }
        });
        let started = Instant::now();
        let err = fetch_with(&base, short(400)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(matches!(err, KoersError::Network { .. }), "{err:?}");
    }

    #[test]
    fn a_404_is_a_network_error_a_person_understands() {
        let base = serve(|_, s| respond(s, "404 Not Found", "text/html", b"<h1>Weg</h1>"));
        match fetch_with(&format!("{base}/vacature/oud"), short(5000)) {
            Err(KoersError::Network { message }) => {
                assert!(message.contains("niet (meer) gevonden"), "{message}");
                assert!(message.contains("404"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn endless_redirects_stop() {
        let base = serve(|_, s| {
            let _ = write!(
                s,
                "HTTP/1.1 302 Found\r\nLocation: /weer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        });
        match fetch_with(&base, short(5000)) {
            Err(KoersError::Network { message }) => assert!(message.contains("door"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unreachable_site_and_a_bad_link() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        match fetch_with(&format!("http://127.0.0.1:{port}/"), short(2000)) {
            Err(KoersError::Network { message }) => assert!(message.contains("niet bereiken")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            fetch_vacancy("file:///etc/passwd"),
            Err(KoersError::InvalidInput { .. })
        ));
    }
}
