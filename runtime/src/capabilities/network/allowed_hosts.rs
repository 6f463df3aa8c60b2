//! The outbound-host allow-list: a list of parsed patterns and the
//! allocation-free matcher the send hook asks. The grammar is on
//! [`AllowedHosts`]; the parser is in `pattern.rs`.

use std::net::IpAddr;

use super::pattern::{PatternError, parse_entry};

/// A parsed allow-list of outbound destinations, in Spin's
/// `allowed_outbound_hosts` grammar. The default is empty and denies
/// everything.
///
/// A pattern is `scheme://host[:port]`:
///
/// - scheme (required): `http`, `https` or `*` (either);
/// - host: an exact DNS name (case-insensitive, a trailing dot ignored),
///   `*.suffix` (subdomains of `suffix` only, not `suffix` itself), `*` (any
///   host), an IPv4 literal, an IPv6 literal in brackets (`[fd00::1]`), or a
///   CIDR block written `10.0.0.0/8` or `[fd00::]/8` (prefix after the
///   brackets; host bits are masked off);
/// - port: a number, a range `8000-8999`, or `*`; omitted means the default
///   port of the request's scheme (http 80, https 443), so `*://host` allows
///   http on 80 and https on 443.
///
/// No path, query, fragment or userinfo. Patterns are parsed once into a
/// matcher that does not allocate. IP patterns match IP hosts only (an
/// IPv4-mapped IPv6 host matches its IPv4 form); name patterns match names
/// only; `*` matches both. Fail-closed: an empty list allows nothing, and a
/// request scheme other than http or https is never allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub(super) fn of(text: &str) -> Option<Scheme> {
        if text.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else if text.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else {
            None
        }
    }

    pub(super) fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// `None` is `*`.
    pub(super) scheme: Option<Scheme>,
    pub(super) host: HostMatch,
    pub(super) port: PortMatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum HostMatch {
    Any,
    /// Lowercase, without a trailing dot.
    Name(String),
    /// Lowercase suffix without the leading `*.`.
    Subdomains(String),
    /// Canonical form (IPv4-mapped IPv6 stored as IPv4).
    Ip(IpAddr),
    Cidr(Cidr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cidr {
    V4 { net: u32, len: u8 },
    V6 { net: u128, len: u8 },
}

impl Cidr {
    pub(super) fn new(addr: IpAddr, len: u8) -> Option<Cidr> {
        match addr {
            IpAddr::V4(a) if len <= 32 => Some(Cidr::V4 {
                net: u32::from(a) & mask32(len),
                len,
            }),
            IpAddr::V6(a) if len <= 128 => Some(Cidr::V6 {
                net: u128::from(a) & mask128(len),
                len,
            }),
            _ => None,
        }
    }

    fn contains(self, addr: IpAddr) -> bool {
        match (self, addr) {
            (Cidr::V4 { net, len }, IpAddr::V4(a)) => u32::from(a) & mask32(len) == net,
            (Cidr::V6 { net, len }, IpAddr::V6(a)) => u128::from(a) & mask128(len) == net,
            _ => false,
        }
    }
}

fn mask32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PortMatch {
    /// The default port of the request's scheme.
    Default,
    Any,
    Range(u16, u16),
}

/// A request's host, classified once per call.
enum RequestHost<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

impl AllowedHosts {
    /// Parses operator patterns (grammar above). The
    /// first invalid pattern is the error.
    pub fn parse(patterns: &[impl AsRef<str>]) -> Result<AllowedHosts, PatternError> {
        let entries = patterns
            .iter()
            .map(|p| parse_entry(p.as_ref(), false))
            .collect::<Result<_, _>>()?;
        Ok(AllowedHosts { entries })
    }

    /// One exact entry for a cloud endpoint URL such as
    /// `https://ec2.us-east-1.amazonaws.com` or `http://127.0.0.1:5000/`:
    /// its scheme (`http` or `https`), host, and port (or the scheme's
    /// default). A path, query or fragment is ignored; userinfo and
    /// wildcards are errors.
    pub fn from_endpoint(url: &str) -> Result<AllowedHosts, PatternError> {
        Ok(AllowedHosts {
            entries: vec![parse_entry(url, true)?],
        })
    }

    /// Adds every entry of `other`.
    pub fn extend(&mut self, other: AllowedHosts) {
        self.entries.extend(other.entries);
    }

    /// Whether the list has no entries (and so allows nothing).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a request to `scheme://host:port` is allowed. `host` is a DNS
    /// name or an IP literal (IPv6 without brackets). Does not allocate.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let Some(scheme) = Scheme::of(scheme) else {
            return false;
        };
        let host = classify_request_host(host);
        if let RequestHost::Name("") = host {
            return false;
        }
        self.entries.iter().any(|e| {
            e.scheme.is_none_or(|s| s == scheme)
                && e.port.matches(scheme, port)
                && e.host.matches(&host)
        })
    }
}

fn classify_request_host(host: &str) -> RequestHost<'_> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => RequestHost::Ip(ip),
        Err(_) => RequestHost::Name(host.strip_suffix('.').unwrap_or(host)),
    }
}

impl PortMatch {
    fn matches(self, scheme: Scheme, port: u16) -> bool {
        match self {
            PortMatch::Default => port == scheme.default_port(),
            PortMatch::Any => true,
            PortMatch::Range(low, high) => (low..=high).contains(&port),
        }
    }
}

impl HostMatch {
    fn matches(&self, host: &RequestHost<'_>) -> bool {
        match (self, host) {
            (HostMatch::Any, _) => true,
            (HostMatch::Name(name), RequestHost::Name(h)) => h.eq_ignore_ascii_case(name),
            (HostMatch::Subdomains(suffix), RequestHost::Name(h)) => {
                let Some(cut) = h.len().checked_sub(suffix.len() + 1) else {
                    return false;
                };
                cut > 0
                    && h.as_bytes()[cut] == b'.'
                    && h.get(cut + 1..)
                        .is_some_and(|s| s.eq_ignore_ascii_case(suffix))
            }
            (HostMatch::Ip(ip), RequestHost::Ip(h)) => *ip == h.to_canonical(),
            (HostMatch::Cidr(cidr), RequestHost::Ip(h)) => {
                cidr.contains(*h) || cidr.contains(h.to_canonical())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PatternErrorKind as K;
    use super::super::PatternErrorKind;
    use super::*;

    /// (pattern, request scheme, request host, request port, allowed)
    #[rustfmt::skip]
    const MATCHES: &[(&str, &str, &str, u16, bool)] = &[
        ("https://example.com", "https", "example.com", 443, true),          // exact name, default port
        ("https://example.com", "https", "EXAMPLE.com", 443, true),          // names are case-insensitive
        ("https://Example.COM", "https", "example.com.", 443, true),         // pattern case and trailing dot
        ("https://example.com", "https", "example.com", 8443, false),        // not the default port
        ("https://example.com", "http", "example.com", 443, false),          // scheme must match
        ("https://example.com", "ftp", "example.com", 443, false),           // unknown request scheme
        ("https://example.com", "https", "www.example.com", 443, false),     // exact is not a suffix
        ("https://example.com", "https", "badexample.com", 443, false),      // no substring match
        ("http://example.com", "http", "example.com", 80, true),             // http default 80
        ("HTTPS://example.com", "HTTPS", "example.com", 443, true),          // schemes case-insensitive
        ("*://example.com", "http", "example.com", 80, true),                // any scheme: http on 80
        ("*://example.com", "https", "example.com", 443, true),              // any scheme: https on 443
        ("*://example.com", "http", "example.com", 443, false),              // not http on 443
        ("https://example.com:8443", "https", "example.com", 8443, true),    // explicit port
        ("https://example.com:8443", "https", "example.com", 443, false),    // explicit port replaces default
        ("http://example.com:8000-8999", "http", "example.com", 8500, true), // inside a range
        ("http://example.com:8000-8999", "http", "example.com", 8999, true), // range end inclusive
        ("http://example.com:8000-8999", "http", "example.com", 9000, false),// past the range
        ("http://example.com:*", "http", "example.com", 1, true),            // any port
        ("https://*.example.com", "https", "a.example.com", 443, true),      // subdomain
        ("https://*.example.com", "https", "a.b.EXAMPLE.com", 443, true),    // deeper subdomain
        ("https://*.example.com", "https", "example.com", 443, false),       // not the bare suffix
        ("https://*.example.com", "https", "aexample.com", 443, false),      // label boundary
        ("https://*.example.com", "https", "10.0.0.1", 443, false),          // names never match IPs
        ("*://*:*", "https", "anything.test", 1234, true),                   // allow all
        ("*://*:*", "http", "fd00::1", 80, true),                            // `*` host matches IPs
        ("https://*", "https", "a.test", 80, false),                         // `*` host keeps default port
        ("http://127.0.0.1:5000", "http", "127.0.0.1", 5000, true),          // IPv4 literal
        ("http://127.0.0.1:5000", "http", "127.0.0.2", 5000, false),         // other IPv4
        ("http://127.0.0.1:5000", "http", "localhost", 5000, false),         // IP pattern, name host
        ("http://[::1]:8080", "http", "::1", 8080, true),                    // IPv6 literal
        ("http://[::1]:8080", "http", "[::1]", 8080, true),                  // bracketed request tolerated
        ("http://[::ffff:10.0.0.1]", "http", "10.0.0.1", 80, true),          // mapped pattern = IPv4
        ("http://10.0.0.1", "http", "::ffff:10.0.0.1", 80, true),            // mapped request = IPv4
        ("http://10.0.0.0/8", "http", "10.200.3.4", 80, true),               // IPv4 CIDR
        ("http://10.0.0.0/8", "http", "11.0.0.1", 80, false),                // outside CIDR
        ("http://10.0.0.0/8", "http", "::ffff:10.1.2.3", 80, true),          // mapped inside CIDR
        ("https://10.1.2.3/8:*", "https", "10.9.9.9", 9, true),              // host bits masked, port
        ("https://[fd00::]/8", "https", "fd12:3456::1", 443, true),          // IPv6 CIDR
        ("https://[fd00::]/8:9000", "https", "fe80::1", 9000, false),        // outside IPv6 CIDR
        ("http://0.0.0.0/0:*", "http", "203.0.113.9", 7, true),              // /0 matches every IPv4
        ("http://0.0.0.0/0:*", "http", "2001:db8::1", 7, false),             // but no IPv6
    ];

    #[rustfmt::skip]
    const ERRORS: &[(&str, PatternErrorKind)] = &[
        ("", K::Empty),                                // nothing
        ("example.com", K::MissingScheme),             // no scheme
        ("example.com:443", K::MissingScheme),         // port is not a scheme
        ("://example.com", K::MissingScheme),          // empty scheme
        ("ftp://example.com", K::UnsupportedScheme),   // only http, https, *
        ("https://example.com/", K::Path),             // even a bare slash
        ("https://example.com/api", K::Path),          // path
        ("https://example.com:443/api", K::Path),      // path after port
        ("https://example.com?x=1", K::Query),         // query
        ("https://user@example.com", K::UserInfo),     // userinfo
        ("https://user:pw@example.com", K::UserInfo),  // userinfo with password
        ("https://", K::EmptyHost),                    // no host
        ("https://:443", K::EmptyHost),                // port only
        ("https://*.", K::MisplacedWildcard),          // `*.` alone
        ("https://a.*.com", K::MisplacedWildcard),     // wildcard in the middle
        ("https://*example.com", K::MisplacedWildcard),// wildcard without a dot
        ("https://exa mple.com", K::InvalidHost),      // space in a name
        ("https://-a.com", K::InvalidHost),            // label starts with `-`
        ("https://999.1.1.1", K::InvalidHost),         // not an IPv4, not a name
        ("https://fd00::1", K::UnbracketedIpv6),       // IPv6 needs brackets
        ("https://fd00::/8", K::UnbracketedIpv6),      // so does an IPv6 CIDR
        ("https://[fd00::g]", K::InvalidIp),           // bad IPv6
        ("https://[fd00::1", K::InvalidIp),            // unclosed bracket
        ("https://10.0.0.0/33", K::InvalidPrefix),     // IPv4 prefix too long
        ("https://[fd00::]/129", K::InvalidPrefix),    // IPv6 prefix too long
        ("https://10.0.0.0/", K::Path),                // empty prefix is a path
        ("https://example.com:", K::InvalidPort),      // empty port
        ("https://example.com:0", K::InvalidPort),     // port zero
        ("https://example.com:65536", K::InvalidPort), // port too large
        ("https://example.com:+80", K::InvalidPort),   // sign
        ("https://example.com:80-", K::InvalidPort),   // half a range
        ("https://example.com:90-80", K::InvalidPortRange), // reversed range
        ("https://[::1]x", K::InvalidHost),            // junk after brackets
    ];

    #[test]
    fn pattern_matches() {
        for &(pattern, scheme, host, port, want) in MATCHES {
            let hosts = AllowedHosts::parse(&[pattern]).unwrap_or_else(|e| panic!("{e}"));
            let got = hosts.allows(scheme, host, port);
            assert_eq!(got, want, "{pattern} vs {scheme}://{host}:{port}");
        }
    }

    #[test]
    fn pattern_errors() {
        for &(pattern, kind) in ERRORS {
            let err = AllowedHosts::parse(&[pattern]).expect_err(pattern);
            assert_eq!(err.kind(), kind, "{pattern}: {err}");
            assert_eq!(err.pattern(), pattern);
        }
    }

    /// (endpoint URL, request scheme, host, port, allowed) or an error kind.
    type EndpointCase = (
        &'static str,
        &'static str,
        &'static str,
        u16,
        Result<bool, PatternErrorKind>,
    );

    #[rustfmt::skip]
    const ENDPOINTS: &[EndpointCase] = &[
        ("https://ec2.us-east-1.amazonaws.com", "https", "ec2.us-east-1.amazonaws.com", 443, Ok(true)), // default port
        ("https://ec2.us-east-1.amazonaws.com", "https", "s3.amazonaws.com", 443, Ok(false)),         // exact only
        ("http://127.0.0.1:5000/", "http", "127.0.0.1", 5000, Ok(true)),                             // path ignored
        ("http://127.0.0.1:5000/v1?x#y", "https", "127.0.0.1", 5000, Ok(false)),                     // scheme kept
        ("https://[fd00::5]:8443/api", "https", "fd00::5", 8443, Ok(true)),                          // IPv6 endpoint
        ("https://*.amazonaws.com", "https", "", 0, Err(K::WildcardNotAllowed)),                     // no wildcards
        ("*://example.com", "https", "", 0, Err(K::WildcardNotAllowed)),                             // no any-scheme
        ("https://example.com:8000-9000", "https", "", 0, Err(K::InvalidPort)),                      // no ranges
        ("https://key:secret@example.com", "https", "", 0, Err(K::UserInfo)),                        // no userinfo
        ("example.com", "https", "", 0, Err(K::MissingScheme)),                                      // scheme required
    ];

    #[test]
    fn endpoints() {
        for &(url, scheme, host, port, want) in ENDPOINTS {
            let got = AllowedHosts::from_endpoint(url).map(|h| h.allows(scheme, host, port));
            assert_eq!(got.map_err(|e| e.kind()), want, "{url}");
        }
    }

    #[test]
    fn empty_denies_and_extend_adds() {
        let mut hosts = AllowedHosts::default();
        assert!(hosts.is_empty());
        assert!(!hosts.allows("https", "example.com", 443));
        hosts.extend(AllowedHosts::from_endpoint("https://example.com").unwrap());
        hosts.extend(AllowedHosts::parse(&["http://*.test:8080"]).unwrap());
        assert!(hosts.allows("https", "example.com", 443));
        assert!(hosts.allows("http", "a.test", 8080));
        assert!(!hosts.allows("http", "example.com", 80));
        assert!(!hosts.allows("https", "", 443));
    }

    #[test]
    fn first_bad_pattern_is_named() {
        let err = AllowedHosts::parse(&["https://ok.test", "https://bad.test/x"]).unwrap_err();
        assert_eq!(err.pattern(), "https://bad.test/x");
        assert!(err.to_string().contains("https://bad.test/x"), "{err}");
        assert!(err.to_string().contains("path"), "{err}");
    }
}
