//! Address parsing as OVS's `lib/packets.c` and `lib/util.c` do it (`ip_parse_cidr`,
//! `ipv6_parse_cidr`, `eth_addr_from_string` over `ovs_scan`), the normalisations of
//! ovn-nbctl (`normalize_prefix_str` and friends), and the iteration order of an OVS `smap`
//! (a hash map), which some list commands print in.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::ctl::{CtlError, CtlResult};

// ------------------------------------------------------------------ ovs_scan pieces

/// Skips what C's `isspace` calls space.
fn skip_spaces(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
}

/// `strtoimax(s, &tail, base)` after `ovs_scan`'s own space skipping: the value and the rest,
/// or None when no digits were read or the value overflows (`ERANGE`).
fn scan_int(s: &str, base: u32) -> Option<(i64, &str)> {
    let s = skip_spaces(s);
    let bytes = s.as_bytes();
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    if base == 16
        && bytes.get(i) == Some(&b'0')
        && matches!(bytes.get(i + 1), Some(b'x' | b'X'))
        && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
    }
    let start = i;
    let mut value: i128 = 0;
    while let Some(d) = bytes.get(i).and_then(|b| (*b as char).to_digit(base)) {
        value = value.saturating_mul(i128::from(base)) + i128::from(d);
        i += 1;
    }
    if i == start {
        return None;
    }
    let value = if negative { -value } else { value };
    let value = i64::try_from(value).ok()?;
    Some((value, &s[i..]))
}

/// Matches one literal character of a scan format.
fn literal(s: &str, c: char) -> Option<&str> {
    s.strip_prefix(c)
}

/// `IP_SCAN_FMT`: four `%hhu` separated by dots (each value truncated to a byte, as C does).
fn scan_ipv4(s: &str) -> Option<(u32, &str)> {
    let mut ip: u32 = 0;
    let mut rest = s;
    for i in 0..4 {
        if i > 0 {
            rest = literal(rest, '.')?;
        }
        let (v, r) = scan_int(rest, 10)?;
        ip = (ip << 8) | (v as u8 as u32);
        rest = r;
    }
    Some((ip, rest))
}

/// `%46[0123456789abcdefABCDEF:.]` after space skipping.
fn scan_ipv6_chars(s: &str) -> Option<(&str, &str)> {
    let n = s
        .bytes()
        .take(46)
        .take_while(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'.')
        .count();
    if n == 0 {
        return None;
    }
    Some((&s[..n], &s[n..]))
}

// ------------------------------------------------------------------ IPv4

/// `ip_parse` (`inet_pton`): a plain dotted quad.
pub fn ip_parse(s: &str) -> Option<u32> {
    s.parse::<Ipv4Addr>().ok().map(u32::from)
}

/// `ip_parse_masked_len`: address and mask, and how much of `s` they took.
fn ip_parse_masked_len(s: &str) -> Result<(u32, u32, usize), String> {
    let consumed = |rest: &str| s.len() - rest.len();
    if let Some((ip, rest)) = scan_ipv4(s) {
        if let Some(mask_part) = literal(rest, '/') {
            if let Some((mask, rest2)) = scan_ipv4(mask_part) {
                return Ok((ip, mask, consumed(rest2)));
            }
            if let Some((prefix, rest2)) = scan_int(mask_part, 10) {
                let prefix = prefix as i32;
                if !(0..=32).contains(&prefix) {
                    return Err(format!(
                        "{s}: IPv4 network prefix bits not between 0 and 32, inclusive"
                    ));
                }
                return Ok((ip, prefix_mask(prefix as u32), consumed(rest2)));
            }
        }
        return Ok((ip, u32::MAX, consumed(rest)));
    }
    Err(format!("{s}: invalid IP address"))
}

/// The IPv4 mask of `plen` leading ones.
fn prefix_mask(plen: u32) -> u32 {
    if plen == 0 {
        0
    } else {
        u32::MAX << (32 - plen.min(32))
    }
}

/// `ip_parse_cidr_len`: address, prefix length and bytes consumed.
pub fn ip_parse_cidr_len(s: &str) -> Result<(u32, u32, usize), String> {
    let (ip, mask, n) = ip_parse_masked_len(s)?;
    let x = !mask;
    if x & x.wrapping_add(1) != 0 {
        return Err(format!("{s}: CIDR network required"));
    }
    Ok((ip, mask.count_ones(), n))
}

/// `ip_parse_cidr`: the whole string must be `A.B.C.D[/LEN|/MASK]`.
pub fn ip_parse_cidr(s: &str) -> Result<(u32, u32), String> {
    let (ip, plen, n) = ip_parse_cidr_len(s)?;
    if n < s.len() {
        return Err(format!("{s}: invalid IP address"));
    }
    Ok((ip, plen))
}

/// `normalize_ipv4_prefix`: the network address, with `/LEN` unless 32.
pub fn normalize_ipv4_prefix(ip: u32, plen: u32) -> String {
    let net = Ipv4Addr::from(ip & prefix_mask(plen));
    if plen == 32 {
        net.to_string()
    } else {
        format!("{net}/{plen}")
    }
}

// ------------------------------------------------------------------ IPv6

/// `ipv6_parse` (`inet_pton`).
pub fn ipv6_parse(s: &str) -> Option<u128> {
    s.parse::<Ipv6Addr>().ok().map(u128::from)
}

/// The IPv6 mask of `plen` leading ones.
fn prefix_mask6(plen: u32) -> u128 {
    if plen == 0 {
        0
    } else {
        u128::MAX << (128 - plen.min(128))
    }
}

/// `ipv6_parse_masked_len`.
fn ipv6_parse_masked_len(s: &str) -> Result<(u128, u128, usize), String> {
    let consumed = |rest: &str| s.len() - rest.len();
    let invalid = || format!("{s}: invalid IPv6 address");
    let (text, rest) = scan_ipv6_chars(skip_spaces(s)).ok_or_else(invalid)?;
    let ip = ipv6_parse(text).ok_or_else(invalid)?;
    if let Some(after) = literal(rest, '/') {
        if let Some((prefix, rest2)) = scan_int(after, 10) {
            let prefix = prefix as i32;
            if !(0..=128).contains(&prefix) {
                return Err(format!(
                    "{s}: IPv6 network prefix bits not between 0 and 128, inclusive"
                ));
            }
            return Ok((ip, prefix_mask6(prefix as u32), consumed(rest2)));
        }
        if let Some((mtext, rest2)) = scan_ipv6_chars(skip_spaces(after)) {
            let mask = ipv6_parse(mtext).ok_or_else(|| format!("{s}: Invalid IPv6 mask"))?;
            return Ok((ip, mask, consumed(rest2)));
        }
    }
    Ok((ip, u128::MAX, consumed(rest)))
}

/// `ipv6_parse_cidr_len`.
pub fn ipv6_parse_cidr_len(s: &str) -> Result<(u128, u32, usize), String> {
    let (ip, mask, n) = ipv6_parse_masked_len(s)?;
    let x = !mask;
    if x & x.wrapping_add(1) != 0 {
        return Err(format!("{s}: IPv6 CIDR network required"));
    }
    Ok((ip, mask.count_ones(), n))
}

/// `ipv6_parse_cidr`: the whole string.
pub fn ipv6_parse_cidr(s: &str) -> Result<(u128, u32), String> {
    let (ip, plen, n) = ipv6_parse_cidr_len(s)?;
    if n < s.len() {
        return Err(format!("{s}: invalid IPv6 address"));
    }
    Ok((ip, plen))
}

/// `inet_ntop(AF_INET6)` as glibc writes it (longest zero run of two or more groups
/// compressed; IPv4-compatible and -mapped addresses with a dotted quad).
pub fn ipv6_to_string(addr: u128) -> String {
    let words: Vec<u16> = (0..8).map(|i| (addr >> (112 - 16 * i)) as u16).collect();
    let (mut best_base, mut best_len) = (None::<usize>, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best_base = Some(start);
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = None;
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if let Some(b) = best_base {
            if i >= b && i < b + best_len {
                if i == b {
                    out.push(':');
                }
                continue;
            }
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6
            && best_base == Some(0)
            && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))
        {
            out.push_str(&Ipv4Addr::from(addr as u32).to_string());
            return out;
        }
        out.push_str(&format!("{w:x}"));
    }
    if best_base.is_some_and(|b| b + best_len == 8) {
        out.push(':');
    }
    out
}

/// `normalize_ipv6_prefix`.
pub fn normalize_ipv6_prefix(ip: u128, plen: u32) -> String {
    let net = ipv6_to_string(ip & prefix_mask6(plen));
    if plen == 128 {
        net
    } else {
        format!("{net}/{plen}")
    }
}

// ------------------------------------------------------------------ normalisations

/// `normalize_ipv4_prefix_str`.
pub fn normalize_ipv4_prefix_str(s: &str) -> Option<String> {
    let (ip, plen) = ip_parse_cidr(s).ok()?;
    Some(normalize_ipv4_prefix(ip, plen))
}

/// `normalize_ipv6_prefix_str`.
pub fn normalize_ipv6_prefix_str(s: &str) -> Option<String> {
    let (ip, plen) = ipv6_parse_cidr(s).ok()?;
    Some(normalize_ipv6_prefix(ip, plen))
}

/// `normalize_prefix_str`: IPv4 first, then IPv6.
pub fn normalize_prefix_str(s: &str) -> Option<String> {
    normalize_ipv4_prefix_str(s).or_else(|| normalize_ipv6_prefix_str(s))
}

/// `normalize_ipv4_addr_str`: an unmasked IPv4 address.
pub fn normalize_ipv4_addr_str(s: &str) -> Option<String> {
    ip_parse(s).map(|ip| normalize_ipv4_prefix(ip, 32))
}

/// `normalize_ipv6_addr_str`: an unmasked IPv6 address.
pub fn normalize_ipv6_addr_str(s: &str) -> Option<String> {
    ipv6_parse(s).map(|ip| normalize_ipv6_prefix(ip, 128))
}

/// `normalize_addr_str`.
pub fn normalize_addr_str(s: &str) -> Option<String> {
    normalize_ipv4_addr_str(s).or_else(|| normalize_ipv6_addr_str(s))
}

/// What ovn-nbctl prints in a padded column for a string that may be NULL: nothing
/// (observed with 23.03; a plain `%s` shows `(null)`).
pub fn or_null(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

// ------------------------------------------------------------------ Ethernet

/// `eth_addr_from_string`: six `%hhx` separated by colons and nothing after them.
pub fn eth_addr_from_string(s: &str) -> Option<[u8; 6]> {
    let mut ea = [0u8; 6];
    let mut rest = s;
    for (i, byte) in ea.iter_mut().enumerate() {
        if i > 0 {
            rest = literal(rest, ':')?;
        }
        let (v, r) = scan_int(rest, 16)?;
        *byte = v as u8;
        rest = r;
    }
    rest.is_empty().then_some(ea)
}

// ------------------------------------------------------------------ small parsers

/// `parse_priority`: `%SCNd64` in 0...32767.
pub fn parse_priority(arg: &str) -> CtlResult<i64> {
    match scan_int(arg, 10) {
        Some((p, _)) if (0..=32767).contains(&p) => Ok(p),
        _ => Err(CtlError::new(format!(
            "{arg}: priority must in range 0...32767"
        ))),
    }
}

/// `parse_enabled`: `enabled` or `disabled`, any case.
pub fn parse_enabled(state: &str) -> CtlResult<bool> {
    if state.eq_ignore_ascii_case("enabled") {
        Ok(true)
    } else if state.eq_ignore_ascii_case("disabled") {
        Ok(false)
    } else {
        Err(CtlError::new(format!(
            "{state}: state must be \"enabled\" or \"disabled\""
        )))
    }
}

// ------------------------------------------------------------------ router port networks

/// The addresses `extract_lrp_networks` finds on a router port.
#[derive(Debug, Default, Clone)]
pub struct LrpNetworks {
    /// (address, prefix length) of each IPv4 network.
    pub v4: Vec<(u32, u32)>,
    /// (address, prefix length) of each IPv6 network, the link-local one last.
    pub v6: Vec<(u128, u32)>,
}

/// `extract_lrp_networks`: None if the MAC is invalid.
pub fn extract_lrp_networks(mac: &str, networks: &[String]) -> Option<LrpNetworks> {
    let ea = eth_addr_from_string(mac)?;
    let mut out = LrpNetworks::default();
    for n in networks {
        if let Ok((ip, plen)) = ip_parse_cidr(n) {
            if ip != 0 {
                out.v4.push((ip, plen));
            }
            continue;
        }
        if let Ok((ip, plen)) = ipv6_parse_cidr(n) {
            out.v6.push((ip, plen));
        }
    }
    out.v6.push((link_local(ea), 64));
    Some(out)
}

/// `in6_generate_lla`: fe80::/64 with the modified EUI-64 of `ea`.
fn link_local(ea: [u8; 6]) -> u128 {
    let iid = [ea[0] ^ 0x02, ea[1], ea[2], 0xff, 0xfe, ea[3], ea[4], ea[5]];
    let mut v: u128 = 0xfe80 << 112;
    for (i, b) in iid.iter().enumerate() {
        v |= u128::from(*b) << (56 - 8 * i);
    }
    v
}

/// `find_lport_address(...) != NULL`: whether `ip_s` is inside one of the networks.
pub fn in_networks(nets: &LrpNetworks, ip_s: &str) -> bool {
    if ip_s.contains('.') {
        let Some(ip) = ip_parse(ip_s) else {
            return false;
        };
        nets.v4.iter().any(|(a, plen)| {
            let m = prefix_mask(*plen);
            ((a & m) ^ ip) & m == 0
        })
    } else {
        let Some(ip) = ipv6_parse(ip_s) else {
            return false;
        };
        nets.v6.iter().any(|(a, plen)| {
            let m = prefix_mask6(*plen);
            ((a & m) ^ ip) & m == 0
        })
    }
}

// ------------------------------------------------------------------ smap order

/// `printf("%-W.Ps", s)`: at most `prec` bytes of `s`, left-justified in `width`.
pub fn pad(s: &str, width: usize, prec: usize) -> String {
    let mut end = s.len().min(prec);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:<width$}", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_normalise() {
        assert_eq!(
            normalize_prefix_str("10.0.0.1/24").as_deref(),
            Some("10.0.0.0/24")
        );
        assert_eq!(
            normalize_prefix_str("10.0.0.1/255.255.0.0").as_deref(),
            Some("10.0.0.0/16")
        );
        assert_eq!(
            normalize_prefix_str("10.0.0.1/32").as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(
            normalize_prefix_str("2001:db8::1/64").as_deref(),
            Some("2001:db8::/64")
        );
        assert_eq!(normalize_prefix_str("10.0.0.1/33"), None);
        assert_eq!(normalize_prefix_str("foo"), None);
    }

    #[test]
    fn ipv6_text_like_glibc() {
        assert_eq!(ipv6_to_string(0), "::");
        assert_eq!(ipv6_to_string(1), "::1");
        assert_eq!(ipv6_to_string(0x0002_0003), "::0.2.0.3");
        assert_eq!(ipv6_to_string(0xffff_0102_0304), "::ffff:1.2.3.4");
        assert_eq!(
            ipv6_to_string(u128::from("1:0:2:0:0:3:0:4".parse::<Ipv6Addr>().unwrap())),
            "1:0:2::3:0:4"
        );
    }

    #[test]
    fn macs_scan_like_ovs() {
        assert_eq!(
            eth_addr_from_string("00:00:00:00:00:01"),
            Some([0, 0, 0, 0, 0, 1])
        );
        assert!(eth_addr_from_string("00:00:00:00:00").is_none());
        assert!(eth_addr_from_string("zz:00:00:00:00:00").is_none());
    }
}
