//! The client's address, for the limits and the audit: the TCP peer, unless that peer is
//! one of the configured trusted proxies; then the address that proxy reports in
//! `X-Forwarded-For` (or `Forwarded`, RFC 7239, when configured so). The header is never
//! read from anyone else, so a client cannot pick its own address. [`ClientAddr`] is the
//! one extractor every handler uses.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use ipnet::IpNet;

use crate::AppState;

/// Which header the trusted proxies set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, ...` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// The proxies whose word about the client is taken.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// No proxy: the TCP peer is the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// A list of addresses or CIDR ranges separated by commas or spaces
    /// (`10.0.0.0/8, 192.0.2.7, fd00::/8`).
    pub fn parse(list: &str, header: ForwardedHeader) -> Result<Self, String> {
        let nets = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| format!("geen IP-adres of CIDR-bereik: {s}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { nets, header })
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client behind `peer`: walking the forwarded chain from the nearest hop back, the
    /// first address that is not a trusted proxy. A hop a trusted proxy reports as unusable
    /// ("unknown", an obfuscated name) ends the walk at that proxy.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        for hop in self.chain(headers).into_iter().rev() {
            let Some(hop) = hop else { return client };
            client = canonical(hop);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }

    /// The forwarded hops, the original client first.
    fn chain(&self, headers: &HeaderMap) -> Vec<Option<IpAddr>> {
        let values = headers
            .get_all(match self.header {
                ForwardedHeader::XForwardedFor => "x-forwarded-for",
                ForwardedHeader::Forwarded => "forwarded",
            })
            .iter()
            // A header that is not text cannot be read: treat it as one unusable hop.
            .map(|v| v.to_str().unwrap_or("unknown"));
        match self.header {
            ForwardedHeader::XForwardedFor => {
                values.flat_map(|v| v.split(',')).map(node_ip).collect()
            }
            ForwardedHeader::Forwarded => values
                .flat_map(|v| v.split(','))
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.split_once('='))
                        .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, v)| node_ip(v))
                })
                .collect(),
        }
    }
}

/// An address as a header gives it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`, optionally quoted; `None` for anything else.
fn node_ip(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        return rest
            .split(']')
            .next()?
            .parse::<Ipv6Addr>()
            .ok()
            .map(IpAddr::V6);
    }
    node.parse::<IpAddr>().ok().or_else(|| {
        let (host, port) = node.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

/// An IPv4 client on a dual-stack socket shows as `::ffff:a.b.c.d`; it is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client of a request (see the module's comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client of a request whose parts are at hand; `None` when the server was not
    /// started with peer addresses (`crate::serve` always supplies them).
    pub fn of(parts: &Parts, state: &AppState) -> Option<Self> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
        Some(Self(state.proxies.client_ip(peer, &parts.headers)))
    }
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Self::of(parts, state).ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "served without peer addresses",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(name: &'static str, values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_trusted() {
        let t = TrustedProxies::parse("10.0.0.0/8", ForwardedHeader::XForwardedFor).unwrap();
        let h = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(t.client_ip(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        assert_eq!(t.client_ip(ip("10.1.2.3"), &h), ip("203.0.113.9"));
        let none = TrustedProxies::none();
        assert_eq!(none.client_ip(ip("10.1.2.3"), &h), ip("10.1.2.3"));
    }

    #[test]
    fn a_forged_first_hop_is_skipped_by_walking_from_the_right() {
        // The client sent `X-Forwarded-For: 1.2.3.4`; our proxy appended the real address,
        // and a second trusted proxy appended the first's.
        let t =
            TrustedProxies::parse("10.0.0.1, 10.0.0.2", ForwardedHeader::XForwardedFor).unwrap();
        let h = headers("x-forwarded-for", &["1.2.3.4, 203.0.113.9", "10.0.0.1"]);
        assert_eq!(t.client_ip(ip("10.0.0.2"), &h), ip("203.0.113.9"));
        // All hops trusted: the leftmost is the client.
        let h = headers("x-forwarded-for", &["10.0.0.1"]);
        assert_eq!(t.client_ip(ip("10.0.0.2"), &h), ip("10.0.0.1"));
        // An unusable hop stops at the proxy that reported it.
        let h = headers("x-forwarded-for", &["unknown, 10.0.0.1"]);
        assert_eq!(t.client_ip(ip("10.0.0.2"), &h), ip("10.0.0.1"));
        // No header: the proxy itself.
        assert_eq!(
            t.client_ip(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn forwarded_is_read_when_configured() {
        let t = TrustedProxies::parse("127.0.0.1", ForwardedHeader::Forwarded).unwrap();
        let h = headers(
            "forwarded",
            &["for=\"[2001:db8:cafe::17]:4711\";proto=https, for=192.0.2.60:443;by=x"],
        );
        assert_eq!(t.client_ip(ip("127.0.0.1"), &h), ip("192.0.2.60"));
        let t =
            TrustedProxies::parse("127.0.0.1, 192.0.2.0/24", ForwardedHeader::Forwarded).unwrap();
        assert_eq!(t.client_ip(ip("127.0.0.1"), &h), ip("2001:db8:cafe::17"));
        // X-Forwarded-For is not read when Forwarded is the configured header.
        let xff = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(t.client_ip(ip("127.0.0.1"), &xff), ip("127.0.0.1"));
    }

    #[test]
    fn lists_parse_addresses_and_ranges() {
        let t = TrustedProxies::parse(
            " 10.0.0.0/8,192.0.2.7  fd00::/8 ",
            ForwardedHeader::default(),
        )
        .unwrap();
        assert!(t.trusts(ip("10.200.0.1")));
        assert!(t.trusts(ip("192.0.2.7")));
        assert!(!t.trusts(ip("192.0.2.8")));
        assert!(t.trusts(ip("fd12::1")));
        assert!(t.trusts(ip("::ffff:10.0.0.1")), "v4-mapped");
        assert!(TrustedProxies::parse("10.0.0.0/33", ForwardedHeader::default()).is_err());
        assert!(TrustedProxies::parse("proxy.example", ForwardedHeader::default()).is_err());
        assert!(TrustedProxies::parse("", ForwardedHeader::default())
            .unwrap()
            .is_empty());
    }
}
