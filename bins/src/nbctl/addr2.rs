//! Address parsing as ovn-nbctl's ACL / load balancer / misc commands need it: OVS's
//! `inet_parse_active` (load balancer VIPs and backends), `ip_parse_cidr` /
//! `ipv6_parse_cidr`, `normalize_addr_str` and `eth_addr_from_string`, with glibc's
//! `inet_ntop` formatting.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An address with an optional port, as `inet_parse_active` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SockAddr {
    /// The address formatted without brackets (`ss_format_address_nobracks`).
    pub ip: String,
    /// Whether it is IPv6.
    pub ipv6: bool,
    /// The port (0: none).
    pub port: u16,
}

impl SockAddr {
    /// `IP:PORT`, `[IP6]:PORT` or the bare address when there is no port.
    pub fn format(&self) -> String {
        match (self.port, self.ipv6) {
            (0, _) => self.ip.clone(),
            (p, true) => format!("[{}]:{p}", self.ip),
            (p, false) => format!("{}:{p}", self.ip),
        }
    }
}

/// Splits `s` into host and port as OVS's `inet_parse_host_port_tokens` does: more than one
/// colon outside brackets means an IPv6 address without a port.
fn host_port_tokens(s: &str) -> (String, Option<String>) {
    let mut in_brackets = false;
    let mut colons = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            ':' if !in_brackets => colons.push(i),
            _ => {}
        }
    }
    if colons.len() > 1 {
        return (s.to_string(), None);
    }
    let (host, port) = match colons.first() {
        Some(&i) => (&s[..i], Some(s[i + 1..].to_string())),
        None => (s, None),
    };
    let host = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']').unwrap_or(inner),
        None => host,
    };
    (host.to_string(), port)
}

/// `str_to_int(s, 10, ..)`: strtol's syntax (leading blanks, a sign), the whole string.
fn c_int(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// The errors `inet_parse_active` logs (socket_util ERR) besides failing.
pub struct ParseFailure {
    /// The message OVS logs, if it logs one.
    pub log: Option<String>,
}

/// `inet_parse_active(s, 0, .., false)`: an IPv4 or IPv6 address with an optional port.
pub fn parse_active(s: &str) -> Result<SockAddr, ParseFailure> {
    let (host, port_s) = host_port_tokens(s);
    let port = match port_s.as_deref() {
        Some(p) if !p.is_empty() => match c_int(p) {
            Some(v) if (0..=65535).contains(&v) => v as u16,
            _ => {
                return Err(ParseFailure {
                    log: Some(format!("{s}: bad port number \"{p}\"")),
                })
            }
        },
        _ => 0,
    };
    if host.contains(':') {
        let (addr, scope) = match host.split_once('%') {
            Some((a, sc)) => (a, Some(sc)),
            None => (host.as_str(), None),
        };
        let ip: Ipv6Addr = addr.parse().map_err(|_| ParseFailure { log: None })?;
        let mut text = format_ipv6(&ip);
        if let Some(sc) = scope.filter(|sc| !sc.is_empty()) {
            text.push('%');
            text.push_str(sc);
        }
        return Ok(SockAddr {
            ip: text,
            ipv6: true,
            port,
        });
    }
    match host.parse::<Ipv4Addr>() {
        Ok(ip) => Ok(SockAddr {
            ip: ip.to_string(),
            ipv6: false,
            port,
        }),
        Err(_) => Err(ParseFailure {
            log: Some(format!("{s}: bad IP address \"{host}\"")),
        }),
    }
}

/// glibc's `inet_ntop(AF_INET6)`: the longest run (2+) of zero groups becomes `::`,
/// IPv4-mapped and IPv4-compatible addresses end in dotted quad.
pub fn format_ipv6(ip: &Ipv6Addr) -> String {
    let w = ip.segments();
    let (mut best, mut cur): ((usize, usize), Option<(usize, usize)>) = ((0, 0), None);
    for (i, seg) in w.iter().enumerate() {
        if *seg == 0 {
            let c = cur.map_or((i, 1), |(b, l)| (b, l + 1));
            cur = Some(c);
            if c.1 > best.1 {
                best = c;
            }
        } else {
            cur = None;
        }
    }
    if best.1 < 2 {
        best = (usize::MAX, 0);
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best.0 {
            out.push_str("::");
            i += best.1;
            if i == 8 {
                break;
            }
            continue;
        }
        if i != 0 && !out.ends_with("::") {
            out.push(':');
        }
        let v4 = i == 6 && best.0 == 0 && (best.1 == 6 || (best.1 == 5 && w[5] == 0xffff));
        if v4 {
            let o = ip.octets();
            out.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
            break;
        }
        out.push_str(&format!("{:x}", w[i]));
        i += 1;
    }
    out
}

/// `ip_parse_cidr` (scanf-lenient `A.B.C.D[/LEN|/MASK]`, CIDR masks only).
pub fn ipv4_cidr_ok(s: &str) -> bool {
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    if scan_ipv4(addr).is_none() {
        return false;
    }
    match mask {
        None => true,
        Some(m) => {
            if let Some(bits) = scan_ipv4(m) {
                let v = u32::from_be_bytes(bits);
                v.leading_ones() + v.trailing_zeros() == 32
            } else {
                m.bytes().all(|b| b.is_ascii_digit())
                    && !m.is_empty()
                    && m.parse::<u32>().is_ok_and(|n| n <= 32)
            }
        }
    }
}

/// `IP_SCAN_FMT` (`%hhu.%hhu.%hhu.%hhu`) over the whole string.
fn scan_ipv4(s: &str) -> Option<[u8; 4]> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut out = [0u8; 4];
    for (o, p) in out.iter_mut().zip(parts) {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = (p.parse::<u64>().ok()? & 0xff) as u8;
    }
    Some(out)
}

/// `ipv6_parse_cidr`: `ADDR[/LEN|/MASK]`, CIDR masks only.
pub fn ipv6_cidr_ok(s: &str) -> bool {
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    if addr.parse::<Ipv6Addr>().is_err() {
        return false;
    }
    match mask {
        None => true,
        Some(m) => match m.parse::<Ipv6Addr>() {
            Ok(mask) => {
                let v = u128::from(mask);
                v.leading_ones() + v.trailing_zeros() == 128
            }
            Err(_) => {
                !m.is_empty()
                    && m.bytes().all(|b| b.is_ascii_digit())
                    && m.parse::<u32>().is_ok_and(|n| n <= 128)
            }
        },
    }
}

/// `normalize_addr_str`: an unmasked IPv4 or IPv6 address in canonical form.
pub fn normalize_addr(s: &str) -> Option<String> {
    if let Ok(ip) = s.parse::<Ipv4Addr>() {
        return Some(ip.to_string());
    }
    s.parse::<Ipv6Addr>().ok().map(|ip| format_ipv6(&ip))
}

/// `ip_parse`: a strict dotted-quad IPv4 address.
pub fn is_ipv4(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok()
}

/// `eth_addr_from_string`: six hex bytes separated by `:` (scanf `%hhx` each).
pub fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_formatting_follows_glibc() {
        let f = |s: &str| format_ipv6(&s.parse().unwrap_or(Ipv6Addr::UNSPECIFIED));
        assert_eq!(f("fd00:0::1"), "fd00::1");
        assert_eq!(f("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(f("::1"), "::1");
        assert_eq!(f("::"), "::");
        assert_eq!(f("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(f("1:2:3:4:5:6:0:0"), "1:2:3:4:5:6::");
    }

    #[test]
    fn lb_keys_parse_like_ovs() {
        let ok = |s: &str| parse_active(s).ok().map(|a| a.format());
        assert_eq!(ok("1.1.1.1:80").as_deref(), Some("1.1.1.1:80"));
        assert_eq!(ok("[fd00::1]:80").as_deref(), Some("[fd00::1]:80"));
        assert_eq!(ok("fd00::1:80").as_deref(), Some("fd00::1:80"));
        assert_eq!(ok("1.1.1.1:0").as_deref(), Some("1.1.1.1"));
        assert_eq!(ok("[1.1.1.1]:+80").as_deref(), Some("1.1.1.1:80"));
        assert!(ok("1.1.1.1:80:90").is_none());
    }
}
