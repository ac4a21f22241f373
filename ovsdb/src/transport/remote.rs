//! Active remotes as the C tools write them: `tcp:HOST[:PORT]`, `ssl:HOST[:PORT]`, `unix:PATH`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::str::FromStr;

/// The port `tcp:` and `ssl:` remotes use when none is given (IANA's port for OVSDB).
pub const DEFAULT_PORT: u16 = 6640;

/// Where to connect: one active remote, as `ovsdb-client`, `ovn-nbctl --db` and `ovs-vsctl --db`
/// accept it.
///
/// | text | meaning |
/// |---|---|
/// | `tcp:HOST:PORT`, `tcp:HOST` | plain TCP; the port defaults to [`DEFAULT_PORT`] (6640) |
/// | `tcp:[IPV6]:PORT`, `tcp:[IPV6]` | an IPv6 address goes in brackets |
/// | `ssl:HOST:PORT`, `ssl:HOST` | TLS over TCP, same host and port forms as `tcp:` |
/// | `unix:PATH` | a unix domain socket |
///
/// `HOST` is an IPv4 address, a bracketed IPv6 address or a DNS name. The passive forms
/// (`ptcp:`, `pssl:`, `punix:`) tell a *server* where to listen and are refused here with an error
/// that says so.
///
/// Unlike the C library, a relative `unix:` path is taken relative to the current directory, not
/// to Open vSwitch's run directory.
///
/// [`Display`](fmt::Display) writes the canonical form, which parses back to the same value:
///
/// ```
/// use ovsdb::transport::Remote;
///
/// let remote: Remote = "tcp:192.0.2.1".parse()?;
/// assert_eq!(remote.to_string(), "tcp:192.0.2.1:6640");
/// let remote = Remote::parse("ssl:[fe80::1]:6641")?;
/// assert!(remote.is_tls());
/// assert_eq!(remote.to_string(), "ssl:[fe80::1]:6641");
///
/// let err = Remote::parse("ptcp:6641").unwrap_err();
/// assert!(err.to_string().contains("cannot be used to connect"));
/// # Ok::<(), ovsdb::transport::RemoteError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Remote {
    /// `tcp:HOST:PORT`: plain TCP.
    Tcp {
        /// The host to connect to.
        host: Host,
        /// The TCP port.
        port: u16,
    },
    /// `ssl:HOST:PORT`: TLS over TCP (needs [`TlsSettings`](super::TlsSettings) to connect).
    Ssl {
        /// The host to connect to.
        host: Host,
        /// The TCP port.
        port: u16,
    },
    /// `unix:PATH`: a unix domain socket.
    Unix {
        /// The socket's path.
        path: PathBuf,
    },
}

/// The host part of a `tcp:` or `ssl:` remote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A DNS name, resolved when connecting.
    Name(String),
}

impl fmt::Display for Host {
    /// Writes an IPv6 address in brackets, as it appears in a remote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// Why a remote (or a list of remotes) could not be parsed. Every message quotes the offending
/// text and says what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// The text is empty.
    #[error("empty remote: expected tcp:HOST[:PORT], ssl:HOST[:PORT] or unix:PATH")]
    Empty,
    /// A comma-separated list holds no remote at all.
    #[error("empty list of remotes: expected e.g. \"tcp:10.0.0.1:6641,tcp:10.0.0.2:6641\"")]
    EmptyList,
    /// The text has no `METHOD:` prefix.
    #[error(
        "remote \"{0}\" has no method: expected tcp:HOST[:PORT], ssl:HOST[:PORT] or unix:PATH"
    )]
    NoMethod(String),
    /// A passive remote (`ptcp:`, `pssl:`, `punix:`), which is for a server to listen on.
    #[error(
        "passive remote \"{remote}\" cannot be used to connect: {method}: is for a server to \
         listen on; a client connects with {active}:"
    )]
    Passive {
        /// The remote as given.
        remote: String,
        /// Its method (`ptcp`, `pssl` or `punix`).
        method: String,
        /// The active method to use instead.
        active: &'static str,
    },
    /// A method other than `tcp`, `ssl` or `unix`.
    #[error("unknown remote method \"{method}\" in \"{remote}\": expected tcp:, ssl: or unix:")]
    UnknownMethod {
        /// The remote as given.
        remote: String,
        /// The method found.
        method: String,
    },
    /// A `cid:UUID` element (a cluster id) in a list of remotes, which this parser does not take.
    #[error(
        "\"{0}\" is a cluster id, not a remote; cluster ids in remote lists are not supported: \
         remove it"
    )]
    ClusterId(String),
    /// `tcp:` or `ssl:` with nothing where the host belongs.
    #[error("remote \"{0}\" has no host: expected {method}:HOST[:PORT]", method = method_of(.0))]
    MissingHost(String),
    /// A host that is neither an IP address nor a valid DNS name.
    #[error(
        "invalid host \"{host}\" in remote \"{remote}\": expected an IPv4 address, an IPv6 \
         address in brackets or a DNS name"
    )]
    InvalidHost {
        /// The remote as given.
        remote: String,
        /// The host part.
        host: String,
    },
    /// An IPv6 address written without brackets (`tcp:fe80::1:6640`).
    #[error(
        "IPv6 address in remote \"{0}\" must be in brackets: {method}:[ADDRESS]:PORT",
        method = method_of(.0)
    )]
    UnbracketedIpv6(String),
    /// Text in brackets that is not an IP address, or a missing `]`.
    #[error("invalid bracketed address \"{text}\" in remote \"{remote}\": expected [IPV6]")]
    InvalidBracketed {
        /// The remote as given.
        remote: String,
        /// The bracketed part.
        text: String,
    },
    /// A port that is not a number from 1 to 65535.
    #[error("invalid port \"{port}\" in remote \"{remote}\": expected a number from 1 to 65535")]
    InvalidPort {
        /// The remote as given.
        remote: String,
        /// The port part.
        port: String,
    },
    /// `unix:` with an empty path.
    #[error("remote \"{0}\" has no path: expected unix:PATH")]
    MissingPath(String),
}

/// The method of a remote text, for error messages (`tcp` if there is none).
fn method_of(remote: &str) -> &str {
    remote.split_once(':').map_or("tcp", |(method, _)| method)
}

impl Remote {
    /// Parses one active remote (see the table on [`Remote`]). Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Remote, RemoteError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RemoteError::Empty);
        }
        let Some((method, rest)) = text.split_once(':') else {
            return Err(RemoteError::NoMethod(text.into()));
        };
        match method {
            "tcp" => {
                let (host, port) = parse_host_port(text, rest)?;
                Ok(Remote::Tcp { host, port })
            }
            "ssl" => {
                let (host, port) = parse_host_port(text, rest)?;
                Ok(Remote::Ssl { host, port })
            }
            "unix" if rest.is_empty() => Err(RemoteError::MissingPath(text.into())),
            "unix" => Ok(Remote::Unix { path: rest.into() }),
            "ptcp" | "pssl" | "punix" => Err(RemoteError::Passive {
                remote: text.into(),
                method: method.into(),
                active: match method {
                    "ptcp" => "tcp",
                    "pssl" => "ssl",
                    _ => "unix",
                },
            }),
            "cid" => Err(RemoteError::ClusterId(text.into())),
            "" => Err(RemoteError::NoMethod(text.into())),
            _ => Err(RemoteError::UnknownMethod {
                remote: text.into(),
                method: method.into(),
            }),
        }
    }

    /// Parses a comma-separated list of remotes, as `ovn-nbctl --db` and the C library's
    /// `ovsdb_session_parse_remote` take them: `"tcp:10.0.0.1:6641, tcp:10.0.0.2:6641"`.
    ///
    /// Like the C code, a comma only separates remotes when the next remote's `METHOD:` follows
    /// it (after optional spaces or tabs), so a `unix:` path may itself contain commas.
    /// Whitespace around each remote is ignored. A list without any remote is an error.
    ///
    /// ```
    /// use ovsdb::transport::Remote;
    ///
    /// let remotes = Remote::parse_list("tcp:10.0.0.1:6641, ssl:10.0.0.2")?;
    /// assert_eq!(remotes.len(), 2);
    /// assert_eq!(remotes[1].to_string(), "ssl:10.0.0.2:6640");
    /// assert!(Remote::parse_list(" ").is_err());
    /// # Ok::<(), ovsdb::transport::RemoteError>(())
    /// ```
    pub fn parse_list(text: &str) -> Result<Vec<Remote>, RemoteError> {
        let remotes = split_list(text)
            .into_iter()
            .map(Remote::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if remotes.is_empty() {
            return Err(RemoteError::EmptyList);
        }
        Ok(remotes)
    }

    /// Whether this is an `ssl:` remote, which needs [`TlsSettings`](super::TlsSettings).
    pub fn is_tls(&self) -> bool {
        matches!(self, Remote::Ssl { .. })
    }

    /// The method as written in the remote: `"tcp"`, `"ssl"` or `"unix"`.
    pub fn method(&self) -> &'static str {
        match self {
            Remote::Tcp { .. } => "tcp",
            Remote::Ssl { .. } => "ssl",
            Remote::Unix { .. } => "unix",
        }
    }
}

/// Splits a remote list where the C code does: at a comma followed by optional spaces or tabs,
/// then lowercase letters and a colon. Returns the trimmed, non-empty pieces.
fn split_list(text: &str) -> Vec<&str> {
    let starts_remote = |after: &str| {
        let after = after.trim_start_matches([' ', '\t']);
        let letters = after.bytes().take_while(u8::is_ascii_lowercase).count();
        letters > 0 && after.as_bytes().get(letters) == Some(&b':')
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(',') {
        if starts_remote(&text[i + 1..]) {
            pieces.push(&text[start..i]);
            start = i + 1;
        }
    }
    pieces.push(&text[start..]);
    pieces
        .into_iter()
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// Parses the `HOST[:PORT]` part of a `tcp:` or `ssl:` remote (`remote` is the whole text, for
/// error messages).
fn parse_host_port(remote: &str, rest: &str) -> Result<(Host, u16), RemoteError> {
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let Some((inside, after)) = bracketed.split_once(']') else {
            return Err(RemoteError::InvalidBracketed {
                remote: remote.into(),
                text: rest.into(),
            });
        };
        let ip = inside
            .parse::<IpAddr>()
            .map_err(|_| RemoteError::InvalidBracketed {
                remote: remote.into(),
                text: format!("[{inside}]"),
            })?;
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => {
                    return Err(RemoteError::InvalidPort {
                        remote: remote.into(),
                        port: after.into(),
                    })
                }
            },
        };
        (Host::Ip(ip), port)
    } else {
        let (host, port) = match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        };
        if port.is_some_and(|port| port.contains(':')) || rest.parse::<Ipv6Addr>().is_ok() {
            return Err(RemoteError::UnbracketedIpv6(remote.into()));
        }
        if host.is_empty() {
            return Err(RemoteError::MissingHost(remote.into()));
        }
        (parse_host(remote, host)?, port)
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port != 0 && text.bytes().all(|b| b.is_ascii_digit()) => port,
            _ => {
                return Err(RemoteError::InvalidPort {
                    remote: remote.into(),
                    port: text.into(),
                })
            }
        },
    };
    Ok((host, port))
}

/// Parses an unbracketed host: an IPv4 address or a DNS name (letters, digits, `-`, `_` and
/// dot-separated labels).
fn parse_host(remote: &str, host: &str) -> Result<Host, RemoteError> {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.len() <= 253 && name.split('.').all(valid_label) {
        Ok(Host::Name(host.into()))
    } else {
        Err(RemoteError::InvalidHost {
            remote: remote.into(),
            host: host.into(),
        })
    }
}

impl FromStr for Remote {
    type Err = RemoteError;

    fn from_str(text: &str) -> Result<Remote, RemoteError> {
        Remote::parse(text)
    }
}

impl fmt::Display for Remote {
    /// Writes the canonical text: the port always present, IPv6 addresses in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Remote::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
            Remote::Ssl { host, port } => write!(f, "ssl:{host}:{port}"),
            Remote::Unix { path } => write!(f, "unix:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Remote {
        Remote::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> RemoteError {
        match Remote::parse(text) {
            Ok(remote) => panic!("{text} parsed as {remote:?}"),
            Err(e) => e,
        }
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Host {
        Host::Ip(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
    }

    #[test]
    fn tcp_with_and_without_port() {
        assert_eq!(
            ok("tcp:127.0.0.1:6641"),
            Remote::Tcp {
                host: v4(127, 0, 0, 1),
                port: 6641
            }
        );
        assert_eq!(
            ok("tcp:10.1.2.3"),
            Remote::Tcp {
                host: v4(10, 1, 2, 3),
                port: DEFAULT_PORT
            }
        );
        assert_eq!(ok("tcp:10.1.2.3").to_string(), "tcp:10.1.2.3:6640");
        assert_eq!(ok("tcp:1.2.3.4:65535").to_string(), "tcp:1.2.3.4:65535");
        assert_eq!(ok("  tcp:1.2.3.4:1\n").to_string(), "tcp:1.2.3.4:1");
    }

    #[test]
    fn tcp_ipv6_in_brackets() {
        let remote = ok("tcp:[::1]:6641");
        assert_eq!(
            remote,
            Remote::Tcp {
                host: Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                port: 6641
            }
        );
        assert_eq!(remote.to_string(), "tcp:[::1]:6641");
        assert_eq!(ok("tcp:[fe80::1]").to_string(), "tcp:[fe80::1]:6640");
        // The canonical form drops redundant zeros, as inet_ntop does.
        assert_eq!(
            ok("tcp:[2001:db8:0:0::1]:1").to_string(),
            "tcp:[2001:db8::1]:1"
        );
        // Brackets around an IPv4 address are accepted, as the C parser does, and dropped.
        assert_eq!(ok("tcp:[1.2.3.4]:5").to_string(), "tcp:1.2.3.4:5");
    }

    #[test]
    fn tcp_dns_names() {
        assert_eq!(
            ok("tcp:ovn-central.example.com:6641"),
            Remote::Tcp {
                host: Host::Name("ovn-central.example.com".into()),
                port: 6641
            }
        );
        assert_eq!(ok("tcp:localhost").to_string(), "tcp:localhost:6640");
        assert_eq!(ok("tcp:db_1.").to_string(), "tcp:db_1.:6640");
    }

    #[test]
    fn ssl_forms() {
        let remote = ok("ssl:192.168.0.1:6642");
        assert!(remote.is_tls());
        assert_eq!(remote.method(), "ssl");
        assert_eq!(
            remote,
            Remote::Ssl {
                host: v4(192, 168, 0, 1),
                port: 6642
            }
        );
        assert_eq!(ok("ssl:nb.example").to_string(), "ssl:nb.example:6640");
        assert_eq!(ok("ssl:[::1]").to_string(), "ssl:[::1]:6640");
        assert!(!ok("tcp:a:1").is_tls());
        assert!(!ok("unix:/a").is_tls());
    }

    #[test]
    fn unix_paths() {
        let remote = ok("unix:/var/run/ovn/ovnnb_db.sock");
        assert_eq!(
            remote,
            Remote::Unix {
                path: "/var/run/ovn/ovnnb_db.sock".into()
            }
        );
        assert_eq!(remote.method(), "unix");
        assert_eq!(remote.to_string(), "unix:/var/run/ovn/ovnnb_db.sock");
        // Everything after the first colon is the path, colons included.
        assert_eq!(ok("unix:rel/a:b.sock").to_string(), "unix:rel/a:b.sock");
    }

    #[test]
    fn display_parses_back() {
        for text in [
            "tcp:1.2.3.4:5",
            "tcp:[::1]:6641",
            "ssl:host.example:99",
            "unix:/tmp/x.sock",
            "tcp:[fe80::1]:6640",
        ] {
            let remote = ok(text);
            assert_eq!(remote.to_string(), text);
            assert_eq!(ok(&remote.to_string()), remote);
            assert_eq!(text.parse::<Remote>(), Ok(remote));
        }
    }

    #[test]
    fn passive_remotes_are_refused() {
        for (text, method, active) in [
            ("ptcp:6641", "ptcp", "tcp"),
            ("ptcp:6641:127.0.0.1", "ptcp", "tcp"),
            ("pssl:6641", "pssl", "ssl"),
            ("punix:/var/run/db.sock", "punix", "unix"),
        ] {
            let e = err(text);
            assert_eq!(
                e,
                RemoteError::Passive {
                    remote: text.into(),
                    method: method.into(),
                    active
                }
            );
            let message = e.to_string();
            assert!(
                message.contains(&format!(
                    "passive remote \"{text}\" cannot be used to connect"
                )),
                "{message}"
            );
            assert!(
                message.contains(&format!("connects with {active}:")),
                "{message}"
            );
        }
    }

    #[test]
    fn unknown_and_missing_methods() {
        assert_eq!(
            err("udp:1.2.3.4:5"),
            RemoteError::UnknownMethod {
                remote: "udp:1.2.3.4:5".into(),
                method: "udp".into()
            }
        );
        assert!(err("TCP:1.2.3.4")
            .to_string()
            .contains("unknown remote method \"TCP\""));
        assert_eq!(err("1.2.3.4"), RemoteError::NoMethod("1.2.3.4".into()));
        assert_eq!(err(":1.2.3.4"), RemoteError::NoMethod(":1.2.3.4".into()));
        assert_eq!(err(""), RemoteError::Empty);
        assert_eq!(err("  "), RemoteError::Empty);
        assert!(err("/var/run/db.sock")
            .to_string()
            .contains("has no method"));
        assert_eq!(
            err("cid:3b2a5bfc-1a89-4e4b-b5a3-8b7c3b1e8f11"),
            RemoteError::ClusterId("cid:3b2a5bfc-1a89-4e4b-b5a3-8b7c3b1e8f11".into())
        );
    }

    #[test]
    fn bad_hosts() {
        assert_eq!(err("tcp:"), RemoteError::MissingHost("tcp:".into()));
        assert_eq!(
            err("ssl::6640"),
            RemoteError::MissingHost("ssl::6640".into())
        );
        assert!(err("ssl::6640")
            .to_string()
            .contains("expected ssl:HOST[:PORT]"));
        assert_eq!(
            err("tcp:bad host:1"),
            RemoteError::InvalidHost {
                remote: "tcp:bad host:1".into(),
                host: "bad host".into()
            }
        );
        assert!(matches!(err("tcp:a..b:1"), RemoteError::InvalidHost { .. }));
        assert!(matches!(err("tcp:a/b:1"), RemoteError::InvalidHost { .. }));
        let long = format!("tcp:{}:1", "a".repeat(64));
        assert!(matches!(err(&long), RemoteError::InvalidHost { .. }));
    }

    #[test]
    fn ipv6_needs_brackets() {
        assert_eq!(
            err("tcp:fe80::1:6640"),
            RemoteError::UnbracketedIpv6("tcp:fe80::1:6640".into())
        );
        assert_eq!(
            err("ssl:::1"),
            RemoteError::UnbracketedIpv6("ssl:::1".into())
        );
        assert!(err("ssl:::1")
            .to_string()
            .contains("must be in brackets: ssl:[ADDRESS]:PORT"));
        assert_eq!(
            err("tcp:[::1"),
            RemoteError::InvalidBracketed {
                remote: "tcp:[::1".into(),
                text: "[::1".into()
            }
        );
        assert_eq!(
            err("tcp:[not-an-ip]:1"),
            RemoteError::InvalidBracketed {
                remote: "tcp:[not-an-ip]:1".into(),
                text: "[not-an-ip]".into()
            }
        );
        assert_eq!(
            err("tcp:[::1]6640"),
            RemoteError::InvalidPort {
                remote: "tcp:[::1]6640".into(),
                port: "6640".into()
            }
        );
    }

    #[test]
    fn bad_ports() {
        for (text, port) in [
            ("tcp:1.2.3.4:0", "0"),
            ("tcp:1.2.3.4:65536", "65536"),
            ("tcp:1.2.3.4:", ""),
            ("tcp:1.2.3.4:x", "x"),
            ("tcp:1.2.3.4:+1", "+1"),
            ("ssl:h:-1", "-1"),
            ("tcp:[::1]:", ""),
            ("tcp:[::1]:99999", "99999"),
        ] {
            let e = err(text);
            assert_eq!(
                e,
                RemoteError::InvalidPort {
                    remote: text.into(),
                    port: port.into()
                },
                "{text}"
            );
            assert!(e.to_string().contains("from 1 to 65535"), "{e}");
        }
    }

    #[test]
    fn missing_unix_path() {
        assert_eq!(err("unix:"), RemoteError::MissingPath("unix:".into()));
        assert!(err("unix:").to_string().contains("expected unix:PATH"));
    }

    #[test]
    fn lists() {
        let remotes = Remote::parse_list("tcp:10.0.0.1:6641,tcp:10.0.0.2:6641").unwrap();
        assert_eq!(
            remotes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["tcp:10.0.0.1:6641", "tcp:10.0.0.2:6641"]
        );
        let remotes =
            Remote::parse_list("  tcp:10.0.0.1 ,\tssl:[::1]:6641 , unix:/run/db.sock ").unwrap();
        assert_eq!(
            remotes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["tcp:10.0.0.1:6640", "ssl:[::1]:6641", "unix:/run/db.sock"]
        );
        assert_eq!(Remote::parse_list("unix:/a").unwrap().len(), 1);
        // As in C, a comma not followed by "METHOD:" belongs to the remote (here a unix path).
        assert_eq!(
            Remote::parse_list("unix:/tmp/a,b.sock,tcp:1.2.3.4")
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["unix:/tmp/a,b.sock", "tcp:1.2.3.4:6640"]
        );
    }

    #[test]
    fn list_errors() {
        assert_eq!(Remote::parse_list(""), Err(RemoteError::EmptyList));
        assert_eq!(Remote::parse_list(" \t "), Err(RemoteError::EmptyList));
        assert_eq!(
            Remote::parse_list("tcp:1.2.3.4:1,ptcp:6641"),
            Err(RemoteError::Passive {
                remote: "ptcp:6641".into(),
                method: "ptcp".into(),
                active: "tcp"
            })
        );
        // A trailing comma stays in the last remote, as in C, and makes its port invalid.
        assert_eq!(
            Remote::parse_list("tcp:1.2.3.4:1,"),
            Err(RemoteError::InvalidPort {
                remote: "tcp:1.2.3.4:1,".into(),
                port: "1,".into()
            })
        );
        assert!(matches!(
            Remote::parse_list("tcp:a:1, bogus:x"),
            Err(RemoteError::UnknownMethod { .. })
        ));
    }

    #[test]
    fn host_display() {
        assert_eq!(v4(1, 2, 3, 4).to_string(), "1.2.3.4");
        assert_eq!(
            Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)).to_string(),
            "[::1]"
        );
        assert_eq!(Host::Name("db".into()).to_string(), "db");
    }
}
