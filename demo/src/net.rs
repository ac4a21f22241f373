//! IPv4 prefixes as OVN writes them (`10.190.10.1/24`: an address and its prefix length).

use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 address with a prefix length, e.g. a router port's `networks` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Prefix {
    /// The address as written (a host address for a router port).
    pub addr: Ipv4Addr,
    /// The prefix length, 0 to 32.
    pub len: u8,
}

impl Prefix {
    /// Parses `a.b.c.d/len`; `None` for anything else (an IPv6 network, a typo).
    pub fn parse(text: &str) -> Option<Prefix> {
        let (addr, len) = text.split_once('/')?;
        let addr: Ipv4Addr = addr.parse().ok()?;
        let len: u8 = len.parse().ok()?;
        (len <= 32).then_some(Prefix { addr, len })
    }

    fn mask(self) -> u32 {
        match self.len {
            0 => 0,
            n => u32::MAX << (32 - u32::from(n)),
        }
    }

    /// The network this address is in: `10.190.10.1/24` gives `10.190.10.0/24`.
    pub fn network(self) -> Prefix {
        Prefix {
            addr: Ipv4Addr::from(u32::from(self.addr) & self.mask()),
            len: self.len,
        }
    }

    /// Whether `addr` is inside this prefix.
    pub fn contains(self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & self.mask() == u32::from(self.addr) & self.mask()
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_and_containment() {
        let p = Prefix::parse("10.190.10.1/24").unwrap();
        assert_eq!(p.network().to_string(), "10.190.10.0/24");
        assert!(p.contains("10.190.10.200".parse().unwrap()));
        assert!(!p.contains("10.190.11.1".parse().unwrap()));
        assert_eq!(Prefix::parse("0.0.0.0/0").unwrap().network().len, 0);
        assert!(Prefix::parse("1.2.3.4/0")
            .unwrap()
            .contains(Ipv4Addr::LOCALHOST));
        assert_eq!(Prefix::parse("fd00::1/64"), None);
        assert_eq!(Prefix::parse("10.0.0.1/33"), None);
        assert_eq!(Prefix::parse("10.0.0.1"), None);
    }
}
