//! The client's address: the TCP peer, or the first untrusted `X-Forwarded-For` hop behind trusted proxies.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The proxies (`TRUSTED_PROXIES`) whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

/// One `X-Forwarded-For` entry as an address; proxies may append a port, IPv6 in brackets.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip())).map(|ip| ip.to_canonical())
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self { nets }
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(&addr))
    }

    /// The address a request came from.
    ///
    /// Without trusted proxies, or when the peer itself is not trusted, the peer is the client:
    /// anyone can write `X-Forwarded-For`, so it only counts when a trusted proxy handed it over.
    /// Otherwise the list is walked from the right (each proxy appends the address it saw),
    /// skipping trusted proxies; the first untrusted hop is the client. When every hop is trusted
    /// the leftmost is the client; an unreadable entry ends the walk at the hop that passed it on,
    /// since anything left of it was not written by a proxy we trust.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(|ip| ip.to_canonical());
        let Some(mut client) = peer.filter(|ip| self.trusts(*ip)) else { return peer };
        // Several `X-Forwarded-For` lines form one list, in order.
        let lines: Vec<&str> = headers.get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
        for entry in lines.iter().rev().flat_map(|line| line.rsplit(',')).filter(|e| !e.trim().is_empty()) {
            let Some(hop) = parse_hop(entry) else { break };
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(HeaderName::from_static("x-forwarded-for"), HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_forwarded_for_says() {
        let client = TrustedProxies::default().client(ip("10.0.0.5"), &forwarded(&["198.51.100.7"]));
        assert_eq!(client, ip("10.0.0.5"));
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address_with_forwarded_for() {
        let client = proxies(&["10.0.0.0/8"]).client(ip("192.0.2.1"), &forwarded(&["198.51.100.7"]));
        assert_eq!(client, ip("192.0.2.1"));
    }

    #[test]
    fn the_first_untrusted_hop_from_the_right_is_the_client() {
        // The client forged the leftmost entry; the balancer and an inner proxy appended theirs.
        let headers = forwarded(&["1.2.3.4, 198.51.100.7", "10.0.0.9"]);
        assert_eq!(proxies(&["10.0.0.0/8"]).client(ip("10.0.0.1"), &headers), ip("198.51.100.7"));
    }

    #[test]
    fn entries_with_ports_and_ipv6_hops_are_understood() {
        let headers = forwarded(&["[2001:db8::7]:4711, 198.51.100.7:5000"]);
        assert_eq!(proxies(&["10.0.0.0/8", "198.51.100.0/24"]).client(ip("10.0.0.1"), &headers), ip("2001:db8::7"));
    }

    #[test]
    fn when_every_hop_is_trusted_the_leftmost_is_the_client_and_without_the_header_the_peer() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &forwarded(&["10.1.1.1, 10.2.2.2"])), ip("10.1.1.1"));
        assert_eq!(trusted.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
    }

    #[test]
    fn an_unreadable_entry_ends_the_walk_at_the_hop_that_passed_it_on() {
        let headers = forwarded(&["198.51.100.7, unknown, 10.0.0.9,"]);
        assert_eq!(proxies(&["10.0.0.0/8"]).client(ip("10.0.0.1"), &headers), ip("10.0.0.9"));
    }
}
