//! The post-DNS address policy: which resolved addresses a request may
//! connect to. The allow-list checks names; this checks where they led.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `169.254.169.254`: AWS, GCP, Azure, OpenStack and others.
const METADATA_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
/// `100.100.100.200`: Alibaba Cloud.
const METADATA_ALIBABA: Ipv4Addr = Ipv4Addr::new(100, 100, 100, 200);
/// `fd00:ec2::254`: AWS over IPv6 (Nitro).
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// Which resolved addresses outgoing connections may reach. Denied unless
/// the operator granted the exact address (the default grants none):
///
/// - IPv4: loopback `127.0.0.0/8`, "this network" `0.0.0.0/8`, link-local
///   `169.254.0.0/16` (with `169.254.169.254` reported as the cloud metadata
///   service), the Alibaba Cloud metadata service `100.100.100.200`,
///   multicast `224.0.0.0/4`, broadcast `255.255.255.255`;
/// - IPv6: `::1`, `::`, link-local `fe80::/10`, multicast `ff00::/8`, the
///   AWS metadata service `fd00:ec2::254`;
/// - the IPv4 ranges above in IPv6 clothing: IPv4-mapped `::ffff:a.b.c.d`,
///   IPv4-compatible `::a.b.c.d` and NAT64 `64:ff9b::a.b.c.d`.
///
/// Private ranges (`10/8`, `172.16/12`, `192.168/16`, `fc00::/7` except the
/// metadata address) and public addresses are permitted: clouds serve their
/// APIs there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    /// Addresses the operator granted explicitly; permitted even inside a
    /// denied range. An IPv4 address also grants its IPv4-mapped IPv6 form
    /// and the other way round.
    pub exact: Vec<IpAddr>,
}

/// A connection refused by [`EgressPolicy::permits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("connection to {addr} denied: {reason}")]
pub struct EgressDenied {
    /// The address as resolved.
    pub addr: IpAddr,
    /// The denied range it falls in.
    pub reason: DeniedRange,
}

/// Why an address is denied. For IPv4-mapped, IPv4-compatible and NAT64
/// addresses, the range of the embedded IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeniedRange {
    /// `127.0.0.0/8` or `::1`.
    #[error("loopback address")]
    Loopback,
    /// `0.0.0.0/8` or `::`.
    #[error("unspecified (\"this network\") address")]
    Unspecified,
    /// `169.254.0.0/16` or `fe80::/10`.
    #[error("link-local address")]
    LinkLocal,
    /// A cloud's instance metadata service.
    #[error("cloud metadata service")]
    CloudMetadata,
    /// `224.0.0.0/4` or `ff00::/8`.
    #[error("multicast address")]
    Multicast,
    /// `255.255.255.255`.
    #[error("broadcast address")]
    Broadcast,
}

impl EgressPolicy {
    /// A policy with no exceptions, like [`EgressPolicy::default`].
    pub fn new() -> EgressPolicy {
        EgressPolicy::default()
    }

    /// A policy that also permits these exact addresses.
    pub fn with_exact(exact: impl IntoIterator<Item = IpAddr>) -> EgressPolicy {
        EgressPolicy {
            exact: exact.into_iter().collect(),
        }
    }

    /// `Ok` if a connection to `addr` may be made, else the denied range.
    pub fn permits(&self, addr: IpAddr) -> Result<(), EgressDenied> {
        let canonical = addr.to_canonical();
        if self.exact.iter().any(|g| g.to_canonical() == canonical) {
            return Ok(());
        }
        let reason = match addr {
            IpAddr::V4(a) => denied_v4(a),
            IpAddr::V6(a) => denied_v6(a),
        };
        match reason {
            Some(reason) => Err(EgressDenied { addr, reason }),
            None => Ok(()),
        }
    }
}

fn denied_v4(addr: Ipv4Addr) -> Option<DeniedRange> {
    let [a, b, ..] = addr.octets();
    if addr == METADATA_V4 || addr == METADATA_ALIBABA {
        Some(DeniedRange::CloudMetadata)
    } else if a == 0 {
        Some(DeniedRange::Unspecified)
    } else if a == 127 {
        Some(DeniedRange::Loopback)
    } else if a == 169 && b == 254 {
        Some(DeniedRange::LinkLocal)
    } else if a & 0xf0 == 224 {
        Some(DeniedRange::Multicast)
    } else if addr.is_broadcast() {
        Some(DeniedRange::Broadcast)
    } else {
        None
    }
}

fn denied_v6(addr: Ipv6Addr) -> Option<DeniedRange> {
    let first = addr.segments()[0];
    if addr == METADATA_V6 {
        Some(DeniedRange::CloudMetadata)
    } else if addr.is_unspecified() {
        Some(DeniedRange::Unspecified)
    } else if addr.is_loopback() {
        Some(DeniedRange::Loopback)
    } else if first & 0xffc0 == 0xfe80 {
        Some(DeniedRange::LinkLocal)
    } else if first & 0xff00 == 0xff00 {
        Some(DeniedRange::Multicast)
    } else {
        embedded_v4(addr).and_then(denied_v4)
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:0:0/96`),
/// IPv4-compatible (`::/96`) or NAT64 (`64:ff9b::/96`) address.
fn embedded_v4(addr: Ipv6Addr) -> Option<Ipv4Addr> {
    let embeds = matches!(
        addr.segments()[..6],
        [0, 0, 0, 0, 0, 0xffff] | [0, 0, 0, 0, 0, 0] | [0x64, 0xff9b, 0, 0, 0, 0]
    );
    embeds.then(|| Ipv4Addr::from(u128::from(addr) as u32))
}

#[cfg(test)]
mod tests {
    use super::DeniedRange as D;
    use super::*;

    /// (resolved address, exact grants, expected denial or `None` if permitted)
    #[rustfmt::skip]
    const CASES: &[(&str, &[&str], Option<DeniedRange>)] = &[
        ("127.0.0.1", &[], Some(D::Loopback)),                      // IPv4 loopback
        ("127.255.1.2", &[], Some(D::Loopback)),                    // all of 127/8
        ("::1", &[], Some(D::Loopback)),                            // IPv6 loopback
        ("0.0.0.0", &[], Some(D::Unspecified)),                     // unspecified
        ("0.1.2.3", &[], Some(D::Unspecified)),                     // "this network" 0/8
        ("::", &[], Some(D::Unspecified)),                          // IPv6 unspecified
        ("169.254.0.1", &[], Some(D::LinkLocal)),                   // IPv4 link-local
        ("169.254.169.254", &[], Some(D::CloudMetadata)),           // metadata, named as such
        ("100.100.100.200", &[], Some(D::CloudMetadata)),           // Alibaba metadata
        ("fe80::1", &[], Some(D::LinkLocal)),                       // IPv6 link-local
        ("febf:ffff::1", &[], Some(D::LinkLocal)),                  // top of fe80::/10
        ("fec0::1", &[], None),                                     // just past fe80::/10
        ("fd00:ec2::254", &[], Some(D::CloudMetadata)),             // AWS IPv6 metadata
        ("fd00:ec2::253", &[], None),                               // its neighbour is private
        ("224.0.0.1", &[], Some(D::Multicast)),                     // IPv4 multicast
        ("239.255.255.250", &[], Some(D::Multicast)),               // top of 224/4
        ("ff02::1", &[], Some(D::Multicast)),                       // IPv6 multicast
        ("255.255.255.255", &[], Some(D::Broadcast)),               // broadcast
        ("::ffff:127.0.0.1", &[], Some(D::Loopback)),               // IPv4-mapped loopback
        ("::ffff:169.254.169.254", &[], Some(D::CloudMetadata)),    // IPv4-mapped metadata
        ("::ffff:0.0.0.0", &[], Some(D::Unspecified)),              // IPv4-mapped unspecified
        ("64:ff9b::a9fe:a9fe", &[], Some(D::CloudMetadata)),        // NAT64 metadata
        ("64:ff9b::7f00:1", &[], Some(D::Loopback)),                // NAT64 loopback
        ("64:ff9b::e000:1", &[], Some(D::Multicast)),               // NAT64 multicast
        ("::127.0.0.1", &[], Some(D::Loopback)),                    // IPv4-compatible loopback
        ("::ffff:10.0.0.1", &[], None),                             // IPv4-mapped private is fine
        ("64:ff9b::808:808", &[], None),                            // NAT64 public is fine
        ("10.0.0.1", &[], None),                                    // private 10/8
        ("172.16.5.4", &[], None),                                  // private 172.16/12
        ("192.168.1.1", &[], None),                                 // private 192.168/16
        ("fd12:3456::1", &[], None),                                // ULA fc00::/7
        ("203.0.113.7", &[], None),                                 // public IPv4
        ("2001:db8::1", &[], None),                                 // public IPv6
        ("127.0.0.1", &["127.0.0.1"], None),                        // exact grant of loopback
        ("127.0.0.2", &["127.0.0.1"], Some(D::Loopback)),           // grant is exact, not a range
        ("::ffff:127.0.0.1", &["127.0.0.1"], None),                 // grant covers the mapped form
        ("127.0.0.1", &["::ffff:127.0.0.1"], None),                 // and the other way round
        ("64:ff9b::7f00:1", &["127.0.0.1"], Some(D::Loopback)),     // but not NAT64
        ("::1", &["127.0.0.1"], Some(D::Loopback)),                 // nor the other family
        ("169.254.169.254", &["169.254.169.254"], None),            // metadata when granted
        ("fe80::1", &["::1", "fe80::1"], None),                     // several grants
    ];

    #[test]
    fn table() {
        for &(addr, exact, want) in CASES {
            let policy = EgressPolicy::with_exact(exact.iter().map(|a| a.parse().unwrap()));
            let addr: IpAddr = addr.parse().unwrap();
            let got = policy.permits(addr).map_err(|e| e.reason).err();
            assert_eq!(got, want, "{addr} with grants {exact:?}");
        }
    }

    #[test]
    fn error_names_address_and_reason() {
        let err = EgressPolicy::new()
            .permits("169.254.169.254".parse().unwrap())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "connection to 169.254.169.254 denied: cloud metadata service"
        );
    }
}
