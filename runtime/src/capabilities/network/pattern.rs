//! The parser of allowed-host patterns and endpoint URLs (grammar on
//! [`AllowedHosts`](super::AllowedHosts)), and its errors.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::allowed_hosts::{Cidr, Entry, HostMatch, PortMatch, Scheme};

/// A pattern that could not be parsed: which one, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid allowed host {pattern:?}: {kind}")]
pub struct PatternError {
    pattern: String,
    kind: PatternErrorKind,
}

impl PatternError {
    /// The pattern (or endpoint URL) as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// What is wrong with it.
    pub fn kind(&self) -> PatternErrorKind {
        self.kind
    }
}

/// What is wrong with an allowed-host pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternErrorKind {
    /// The pattern is empty.
    #[error("empty pattern")]
    Empty,
    /// No `scheme://` prefix.
    #[error("missing scheme (write `https://host`, `http://host` or `*://host`)")]
    MissingScheme,
    /// A scheme other than `http`, `https` or `*`.
    #[error("unsupported scheme (use `http`, `https` or `*`)")]
    UnsupportedScheme,
    /// `user@host` is not allowed.
    #[error("userinfo (`user@`) is not allowed")]
    UserInfo,
    /// A path after the host or port.
    #[error("a path is not allowed")]
    Path,
    /// A query (`?`) or fragment (`#`).
    #[error("a query or fragment is not allowed")]
    Query,
    /// No host after `scheme://`.
    #[error("missing host")]
    EmptyHost,
    /// The host is not a valid DNS name or IPv4 literal.
    #[error("invalid host name")]
    InvalidHost,
    /// `*` anywhere but alone or as the `*.` prefix, or `*.` with no suffix.
    #[error("`*` must be the whole host or a `*.` prefix followed by a domain")]
    MisplacedWildcard,
    /// A wildcard or CIDR where an exact endpoint is needed.
    #[error("an endpoint must name one host, not a wildcard or range")]
    WildcardNotAllowed,
    /// An IPv6 literal without brackets.
    #[error("an IPv6 address must be written in brackets, e.g. `[fd00::1]`")]
    UnbracketedIpv6,
    /// The text in brackets is not an IPv6 address.
    #[error("invalid IPv6 address in brackets")]
    InvalidIp,
    /// A CIDR prefix that is not a number up to 32 (IPv4) or 128 (IPv6).
    #[error("invalid CIDR prefix length")]
    InvalidPrefix,
    /// A port that is not `*`, a number from 1 to 65535 or a range.
    #[error("invalid port (use a number, `low-high` or `*`)")]
    InvalidPort,
    /// A port range whose low end is above its high end.
    #[error("invalid port range (low end above high end)")]
    InvalidPortRange,
}

pub(super) fn parse_entry(text: &str, endpoint: bool) -> Result<Entry, PatternError> {
    parse_entry_kind(text.trim(), endpoint).map_err(|kind| PatternError {
        pattern: text.to_string(),
        kind,
    })
}

fn parse_entry_kind(text: &str, endpoint: bool) -> Result<Entry, PatternErrorKind> {
    use PatternErrorKind as K;
    if text.is_empty() {
        return Err(K::Empty);
    }
    let Some((scheme_text, rest)) = text.split_once("://") else {
        return Err(K::MissingScheme);
    };
    let scheme = match scheme_text {
        "" => return Err(K::MissingScheme),
        "*" if endpoint => return Err(K::WildcardNotAllowed),
        "*" => None,
        s => Some(Scheme::of(s).ok_or(K::UnsupportedScheme)?),
    };
    // An endpoint's path, query and fragment are ignored; a pattern has none.
    let rest = if endpoint {
        rest.split(['/', '?', '#']).next().unwrap_or_default()
    } else if rest.contains(['?', '#']) {
        return Err(K::Query);
    } else {
        rest
    };
    if rest.contains('@') {
        return Err(K::UserInfo);
    }

    let (host_text, bracketed, mut after) = match rest.strip_prefix('[') {
        Some(inner) => {
            let end = inner.find(']').ok_or(K::InvalidIp)?;
            (&inner[..end], true, &inner[end + 1..])
        }
        None => {
            let head = rest.split('/').next().unwrap_or_default();
            if head.matches(':').count() > 1 {
                return Err(K::UnbracketedIpv6);
            }
            let end = rest.find([':', '/']).unwrap_or(rest.len());
            (&rest[..end], false, &rest[end..])
        }
    };
    let mut host = parse_host(host_text, bracketed)?;
    if endpoint && matches!(host, HostMatch::Any | HostMatch::Subdomains(_)) {
        return Err(K::WildcardNotAllowed);
    }

    if let Some(tail) = after.strip_prefix('/') {
        let end = tail.find(':').unwrap_or(tail.len());
        let prefix = &tail[..end];
        let is_number = !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit());
        let HostMatch::Ip(ip) = host else {
            return Err(K::Path);
        };
        if !is_number {
            return Err(K::Path);
        }
        let len = prefix.parse::<u8>().map_err(|_| K::InvalidPrefix)?;
        host = HostMatch::Cidr(Cidr::new(ip, len).ok_or(K::InvalidPrefix)?);
        after = &tail[end..];
    }

    let port = match after.strip_prefix(':') {
        None if after.is_empty() => match (endpoint, scheme) {
            (true, Some(s)) => PortMatch::Range(s.default_port(), s.default_port()),
            _ => PortMatch::Default,
        },
        None => return Err(K::InvalidHost),
        Some(spec) if spec.contains('/') => return Err(K::Path),
        Some("*") if !endpoint => PortMatch::Any,
        Some(spec) => match spec.split_once('-') {
            Some((low, high)) if !endpoint => {
                let (low, high) = (parse_port(low)?, parse_port(high)?);
                if low > high {
                    return Err(K::InvalidPortRange);
                }
                PortMatch::Range(low, high)
            }
            _ => {
                let port = parse_port(spec)?;
                PortMatch::Range(port, port)
            }
        },
    };
    Ok(Entry { scheme, host, port })
}

fn parse_host(text: &str, bracketed: bool) -> Result<HostMatch, PatternErrorKind> {
    use PatternErrorKind as K;
    if bracketed {
        let ip = text.parse::<Ipv6Addr>().map_err(|_| K::InvalidIp)?;
        return Ok(HostMatch::Ip(IpAddr::V6(ip).to_canonical()));
    }
    if text.is_empty() {
        return Err(K::EmptyHost);
    }
    if text == "*" {
        return Ok(HostMatch::Any);
    }
    if let Some(suffix) = text.strip_prefix("*.") {
        if suffix.is_empty() || suffix.contains('*') {
            return Err(K::MisplacedWildcard);
        }
        return Ok(HostMatch::Subdomains(dns_name(suffix)?));
    }
    if text.contains('*') {
        return Err(K::MisplacedWildcard);
    }
    if let Ok(ip) = text.parse::<Ipv4Addr>() {
        return Ok(HostMatch::Ip(IpAddr::V4(ip)));
    }
    Ok(HostMatch::Name(dns_name(text)?))
}

/// Validates a DNS name (letters, digits, `-` and `_` in labels of 1 to 63
/// bytes; not all-numeric at the end, which would be a mistyped IPv4) and
/// returns it lowercase without a trailing dot.
fn dns_name(text: &str) -> Result<String, PatternErrorKind> {
    let name = text.strip_suffix('.').unwrap_or(text);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let last_numeric = name
        .rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()));
    if name.len() > 253 || !name.split('.').all(label_ok) || last_numeric {
        return Err(PatternErrorKind::InvalidHost);
    }
    Ok(name.to_ascii_lowercase())
}

fn parse_port(text: &str) -> Result<u16, PatternErrorKind> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PatternErrorKind::InvalidPort);
    }
    match text.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(PatternErrorKind::InvalidPort),
    }
}

/// Whether the granted pattern `granted` allows every request the declared
/// pattern `declared` allows (both in the grammar of
/// [`AllowedHosts`](super::AllowedHosts)): its scheme is `*` or the same,
/// its host is `*`, the same name, a `*.suffix` above the declared name or
/// suffix, or a CIDR block holding the declared address or block, and its
/// ports hold the declared ports for each scheme.
///
/// The answer is conservative: `false` can mean "covered only by several
/// granted patterns together" (`http://h` and `https://h` for `*://h`).
///
/// ```
/// use strato_runtime::capabilities::network::covers;
/// assert!(covers("https://*.example.com", "https://api.example.com").unwrap());
/// assert!(covers("*://10.0.0.0/8:*", "http://10.1.2.0/24:8080").unwrap());
/// assert!(!covers("https://example.com", "https://example.com:8443").unwrap());
/// assert!(covers("https://example.com", "ftp://example.com").is_err());
/// ```
pub fn covers(granted: &str, declared: &str) -> Result<bool, PatternError> {
    let g = parse_entry(granted, false)?;
    let d = parse_entry(declared, false)?;
    Ok(entry_covers(&g, &d))
}

fn entry_covers(g: &Entry, d: &Entry) -> bool {
    let schemes: &[Scheme] = match d.scheme {
        Some(ref s) => std::slice::from_ref(s),
        None => &[Scheme::Http, Scheme::Https],
    };
    let schemes_ok = schemes.iter().all(|&s| {
        g.scheme.is_none_or(|gs| gs == s) && {
            let (dl, dh) = port_span(d.port, s);
            let (gl, gh) = port_span(g.port, s);
            gl <= dl && dh <= gh
        }
    });
    schemes_ok && host_covers(&g.host, &d.host)
}

/// The inclusive port range a port pattern allows for requests of `scheme`.
fn port_span(port: PortMatch, scheme: Scheme) -> (u16, u16) {
    match port {
        PortMatch::Default => (scheme.default_port(), scheme.default_port()),
        PortMatch::Any => (1, u16::MAX),
        PortMatch::Range(low, high) => (low, high),
    }
}

fn host_covers(g: &HostMatch, d: &HostMatch) -> bool {
    match (g, d) {
        (HostMatch::Any, _) => true,
        (_, HostMatch::Any) => false,
        (HostMatch::Name(g), HostMatch::Name(d)) => g == d,
        // `*.g` covers the names strictly below `g`, and `*.d` when `d` is
        // `g` or below it.
        (HostMatch::Subdomains(g), HostMatch::Name(d)) => is_below(d, g),
        (HostMatch::Subdomains(g), HostMatch::Subdomains(d)) => d == g || is_below(d, g),
        (HostMatch::Ip(g), HostMatch::Ip(d)) => g == d,
        (HostMatch::Ip(g), HostMatch::Cidr(d)) => Cidr::new(*g, full_len(*g)) == Some(*d),
        (HostMatch::Cidr(g), HostMatch::Ip(d)) => cidr_covers(*g, ip_block(*d)),
        (HostMatch::Cidr(g), HostMatch::Cidr(d)) => cidr_covers(*g, *d),
        _ => false,
    }
}

/// `name` is a strict subdomain of `suffix` (both lowercase, no trailing dot).
fn is_below(name: &str, suffix: &str) -> bool {
    name.strip_suffix(suffix)
        .and_then(|head| head.strip_suffix('.'))
        .is_some_and(|label| !label.is_empty())
}

fn full_len(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// The one-address block of `ip`.
fn ip_block(ip: IpAddr) -> Cidr {
    match ip {
        IpAddr::V4(a) => Cidr::V4 {
            net: u32::from(a),
            len: 32,
        },
        IpAddr::V6(a) => Cidr::V6 {
            net: u128::from(a),
            len: 128,
        },
    }
}

/// Block `g` holds block `d`: same family, `g` no longer a prefix than `d`,
/// and `d`'s network inside `g`.
fn cidr_covers(g: Cidr, d: Cidr) -> bool {
    match (g, d) {
        (Cidr::V4 { net: gn, len: gl }, Cidr::V4 { net: dn, len: dl }) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(gl)).unwrap_or(0);
            gl <= dl && dn & mask == gn
        }
        (Cidr::V6 { net: gn, len: gl }, Cidr::V6 { net: dn, len: dl }) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(gl)).unwrap_or(0);
            gl <= dl && dn & mask == gn
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (granted, declared, covered)
    #[rustfmt::skip]
    const COVERS: &[(&str, &str, bool)] = &[
        ("https://example.com", "https://example.com", true),             // same
        ("https://example.com", "https://EXAMPLE.com.", true),            // case, trailing dot
        ("https://example.com", "https://example.com:443", true),         // default port spelled out
        ("https://example.com", "https://example.com:8443", false),       // other port
        ("https://example.com", "http://example.com", false),             // other scheme
        ("*://example.com", "http://example.com", true),                  // any scheme
        ("*://example.com", "https://example.com", true),
        ("https://example.com", "*://example.com", false),                // http not granted
        ("*://example.com", "*://example.com", true),
        ("*://example.com:443", "*://example.com", false),                // http default 80 outside
        ("*://example.com:*", "*://example.com", true),                   // any port
        ("https://example.com:1-1000", "https://example.com:443", true),  // range holds port
        ("https://example.com:8000-8999", "https://example.com:8100-8200", true),
        ("https://example.com:8000-8999", "https://example.com:7999-8200", false),
        ("https://example.com:8000-8999", "https://example.com:*", false),
        ("https://example.com", "https://www.example.com", false),        // exact name only
        ("https://*.example.com", "https://www.example.com", true),       // subdomain
        ("https://*.example.com", "https://a.b.example.com", true),       // deeper
        ("https://*.example.com", "https://example.com", false),          // not the suffix itself
        ("https://*.example.com", "https://badexample.com", false),       // label boundary
        ("https://*.example.com", "https://*.example.com", true),         // same wildcard
        ("https://*.example.com", "https://*.api.example.com", true),     // narrower wildcard
        ("https://*.api.example.com", "https://*.example.com", false),    // wider wildcard
        ("https://www.example.com", "https://*.example.com", false),      // a name never covers a wildcard
        ("https://*", "https://anything.test", true),                     // any host
        ("https://*", "https://10.0.0.1", true),
        ("https://*.example.com", "https://*", false),                    // nothing but `*` covers `*`
        ("https://*.example.com", "https://10.0.0.1", false),             // names never cover IPs
        ("http://10.0.0.0/8", "http://10.1.2.3", true),                   // CIDR holds IP
        ("http://10.0.0.0/8", "http://11.1.2.3", false),
        ("http://10.0.0.0/8", "http://10.1.0.0/16", true),                // CIDR holds CIDR
        ("http://10.1.0.0/16", "http://10.0.0.0/8", false),               // not the other way
        ("http://10.0.0.0/8", "http://[::ffff:10.0.0.1]", true),          // mapped = IPv4
        ("http://10.0.0.1", "http://10.0.0.1/32", true),                  // IP = its /32
        ("http://10.0.0.1", "http://10.0.0.0/31", false),
        ("http://10.0.0.1", "http://10.0.0.1", true),
        ("http://10.0.0.1", "http://10.0.0.2", false),
        ("http://0.0.0.0/0:*", "http://[fd00::1]", false),                // IPv4 block, IPv6 host
        ("https://[fd00::]/8", "https://[fd12::1]", true),                // IPv6
        ("https://[fd00::]/8", "https://[fd12::]/16", true),
        ("https://[fd00::]/16", "https://[fd00::]/8", false),
        ("https://[::1]", "https://[::1]", true),
        ("https://127.0.0.1", "https://localhost", false),                // IP never covers a name
    ];

    #[test]
    fn granted_covers_declared() {
        for &(granted, declared, want) in COVERS {
            let got = covers(granted, declared).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, want, "{granted} covers {declared}");
        }
    }

    #[test]
    fn a_bad_pattern_is_an_error_naming_it() {
        let err = covers("https://ok.test", "example.com").unwrap_err();
        assert_eq!(err.pattern(), "example.com");
        assert_eq!(err.kind(), PatternErrorKind::MissingScheme);
        let err = covers("https://ok.test/x", "https://ok.test").unwrap_err();
        assert_eq!(err.kind(), PatternErrorKind::Path);
    }
}
