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
