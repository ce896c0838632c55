//! The client's address: the peer, or from `X-Forwarded-For` when the peer is
//! a trusted proxy (walking right to left past trusted hops).

use std::net::IpAddr;

use ipnet::IpNet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client address of a request as text (empty when unknown), as the
/// audit log and the rate limits record it.
pub fn of(req: &poem::Request) -> String {
    req.extensions()
        .get::<ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_default()
}

pub fn resolve(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A malformed entry: stop at the last address we could trust.
            Err(_) => break,
        }
    }
    client
}

/// An IPv4 peer seen through an IPv6 socket (`::ffff:a.b.c.d`) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

pub fn in_networks(ip: IpAddr, networks: &[IpNet]) -> bool {
    let ip = canonical(ip);
    networks.iter().any(|n| n.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_cannot_spoof() {
        let t = nets(&["10.0.0.0/24"]);
        assert_eq!(
            resolve(ip("203.0.113.9"), Some("1.2.3.4"), &t),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn trusted_proxy_chain_is_walked_from_the_right() {
        let t = nets(&["10.0.0.0/24"]);
        assert_eq!(resolve(ip("10.0.0.5"), Some("1.2.3.4"), &t), ip("1.2.3.4"));
        // a client-supplied first entry is ignored; the last untrusted hop wins
        assert_eq!(
            resolve(ip("10.0.0.5"), Some("6.6.6.6, 198.51.100.7, 10.0.0.6"), &t),
            ip("198.51.100.7")
        );
        assert_eq!(resolve(ip("10.0.0.5"), None, &t), ip("10.0.0.5"));
        assert_eq!(resolve(ip("10.0.0.5"), Some("garbage"), &t), ip("10.0.0.5"));
        // an IPv4 proxy reaching an IPv6 listener
        assert_eq!(
            resolve(ip("::ffff:10.0.0.5"), Some("1.2.3.4"), &t),
            ip("1.2.3.4")
        );
    }

    #[test]
    fn networks_match_v4_mapped_v6() {
        let n = nets(&["192.168.0.0/16"]);
        assert!(in_networks(ip("192.168.3.4"), &n));
        assert!(in_networks(ip("::ffff:192.168.3.4"), &n));
        assert!(!in_networks(ip("10.1.1.1"), &n));
    }
}
