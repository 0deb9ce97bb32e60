//! The enrolment QR code: the server's address and the one-time code as a `koers://enrol`
//! link the phone app scans, drawn as inline SVG.

use maud::{html, Markup, PreEscaped};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The link a phone scans to enrol: `koers://enrol?server=<url>&code=<code>`.
pub fn enrol_link(server: &str, code: &str) -> String {
    format!(
        "koers://enrol?server={}&code={}",
        percent_encode(server),
        percent_encode(code)
    )
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The QR code of `payload` as an accessible inline SVG; `None` if it does not fit a code.
pub fn svg(payload: &str, label: &str) -> Option<Markup> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#13233a"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML: drop the XML declaration and name the image for screen readers.
    let body = image
        .split_once("?>")
        .map_or(image.as_str(), |(_, rest)| rest);
    let labelled = body.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" class=\"qr\" ",
            maud::html! { (label) }.into_string()
        ),
        1,
    );
    Some(html! { (PreEscaped(labelled)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_carries_server_and_code() {
        assert_eq!(
            enrol_link("https://bureau.example:8443", "ABCD-EFGH"),
            "koers://enrol?server=https%3A%2F%2Fbureau.example%3A8443&code=ABCD-EFGH"
        );
    }

    #[test]
    fn the_code_renders_as_labelled_svg() {
        let svg = svg(
            &enrol_link("http://127.0.0.1:8080", "ABCD-EFGH"),
            "QR \"x\"",
        )
        .unwrap()
        .into_string();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"QR &quot;x&quot;\""));
        assert!(!svg.contains("<?xml"));
        assert!(svg.contains("<path"));
    }
}
