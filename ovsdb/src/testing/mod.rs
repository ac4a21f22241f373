//! Test harness: real `ovsdb-server` instances in a private temporary directory.
//!
//! Enabled by the `testing` cargo feature. Everything here runs the programs from Debian's
//! `openvswitch-common` / `openvswitch-switch` packages (`ovsdb-tool`, `ovsdb-server`,
//! `ovsdb-client`, `ovs-appctl`, `ovs-pki`); nothing is mocked. A [`Sandbox`] stops its server
//! and deletes its directory when dropped.
//!
//! ```no_run
//! use ovsdb::testing::Sandbox;
//!
//! let sandbox = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"]).unwrap();
//! let out = sandbox.ovsdb_client(&["list-dbs"]).unwrap();
//! assert!(out.contains("OVN_Northbound"));
//! ```
//!
//! Besides its unix socket, a sandbox can listen on TCP and on SSL (TLS), on ports of
//! `127.0.0.1` the kernel picks, with certificates made by the real `ovs-pki` ([`Pki`]):
//!
//! ```no_run
//! use ovsdb::testing::Sandbox;
//!
//! let sandbox = Sandbox::builder()
//!     .schema("/usr/share/ovn/ovn-nb.ovsschema")
//!     .tcp()
//!     .ssl()
//!     .start()
//!     .unwrap();
//! let tcp = sandbox.tcp_remote().unwrap(); // "tcp:127.0.0.1:PORT"
//! let ssl = sandbox.ssl_remote().unwrap(); // "ssl:127.0.0.1:PORT"
//! let pki = sandbox.pki().unwrap();
//! let out = ovsdb::testing::run(
//!     "ovsdb-client",
//!     &[
//!         "list-dbs".as_ref(),
//!         ssl.as_ref(),
//!         "-p".as_ref(),
//!         pki.client_key.as_os_str(),
//!         "-c".as_ref(),
//!         pki.client_cert.as_os_str(),
//!         "-C".as_ref(),
//!         pki.ca_cert.as_os_str(),
//!     ] as &[&std::ffi::OsStr],
//! )
//! .unwrap();
//! assert!(out.contains("OVN_Northbound"));
//! ```

pub mod cluster;
pub mod ovn;

pub use self::cluster::{Cluster, MemberState, MemberStatus, Relay, Role};
pub use self::ovn::OvnSandbox;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long starting (or restarting) a server may take, listeners included.
const START_LIMIT: Duration = Duration::from_secs(20);

/// What went wrong starting or using a sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A program could not be run at all (most often: the packages are not installed).
    #[error(
        "cannot run {program}: {source} (install it with: apt-get install -y openvswitch-switch \
         openvswitch-common ovn-central ovn-common ovn-host)"
    )]
    Spawn {
        /// The program name.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A program ran and failed.
    #[error("{program} {args} failed ({status}): {stderr}")]
    Failed {
        /// The program name.
        program: String,
        /// Its arguments, space-separated.
        args: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The server did not open its socket in time.
    #[error("ovsdb-server did not start listening within {0:?}; its log: {1}")]
    Timeout(Duration, String),
    /// The server exited while starting.
    #[error("ovsdb-server exited while starting ({0}); its log: {1}")]
    Exited(std::process::ExitStatus, String),
    /// The server could not listen on a TCP or SSL remote.
    #[error("ovsdb-server could not listen on {remote}; its log: {log}")]
    Listen {
        /// The passive remote, e.g. `ptcp:0:127.0.0.1`.
        remote: String,
        /// The server's log.
        log: String,
    },
    /// A file system error in the sandbox directory.
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A schema file has no readable `"name"`.
    #[error("cannot read the database name from schema {0}")]
    SchemaName(PathBuf),
}

/// The kinds of network listener a sandbox can add to its unix socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tcp,
    Ssl,
}

impl Kind {
    /// The passive method ovsdb-server takes.
    fn passive(self) -> &'static str {
        match self {
            Kind::Tcp => "ptcp",
            Kind::Ssl => "pssl",
        }
    }

    /// The active method a client uses.
    fn active(self) -> &'static str {
        match self {
            Kind::Tcp => "tcp",
            Kind::Ssl => "ssl",
        }
    }
}

/// A network listener on `127.0.0.1`, with the port the server bound (once known).
#[derive(Debug, Clone, Copy)]
struct Listener {
    kind: Kind,
    port: Option<u16>,
}

impl Listener {
    /// The `--remote` for ovsdb-server, e.g. `ptcp:0:127.0.0.1`.
    fn passive_remote(&self) -> String {
        format!(
            "{}:{}:127.0.0.1",
            self.kind.passive(),
            self.port.unwrap_or(0)
        )
    }
}

/// Certificates made by the real `ovs-pki` for a sandbox's SSL listener (PEM files; see
/// [`Pki::generate`]).
///
/// The server's and the client's certificates are signed by one CA ([`ca_cert`](Self::ca_cert),
/// ovs-pki's "switchca"); the `other_*` files belong to a second, unrelated CA (ovs-pki's
/// "controllerca", a separate self-signed root with its own key) that the server does not trust,
/// for negative tests.
#[derive(Debug, Clone)]
pub struct Pki {
    /// The directory holding all the files (the CAs under `ca/`).
    pub dir: PathBuf,
    /// The CA that signed the server's and the client's certificates (what `ovsdb-server
    /// --ca-cert` trusts, and what a client passes as `-C`).
    pub ca_cert: PathBuf,
    /// The server's private key (`ovsdb-server --private-key`).
    pub server_key: PathBuf,
    /// The server's certificate (`ovsdb-server --certificate`).
    pub server_cert: PathBuf,
    /// A client private key the server accepts (a client's `-p`).
    pub client_key: PathBuf,
    /// A client certificate the server accepts (a client's `-c`).
    pub client_cert: PathBuf,
    /// The certificate of a second CA, unrelated to [`ca_cert`](Self::ca_cert).
    pub other_ca_cert: PathBuf,
    /// A client private key whose certificate the other CA signed.
    pub other_client_key: PathBuf,
    /// A client certificate signed by the other CA, which the server refuses.
    pub other_client_cert: PathBuf,
}

impl Pki {
    /// Makes a PKI in `dir` (created if missing) with `ovs-pki`: `init` (two CAs, "switchca"
    /// and "controllerca"), then `req+sign` of `server` and `client` by switchca and of
    /// `other-client` by controllerca. Everything, including ovs-pki's log, stays in `dir`.
    pub fn generate(dir: &Path) -> Result<Pki, SandboxError> {
        std::fs::create_dir_all(dir)?;
        let ca_dir = dir.join("ca");
        let dir_option = format!("--dir={}", ca_dir.display());
        let log_option = format!("--log={}", dir.join("ovs-pki.log").display());
        let ovs_pki = |args: &[&str]| {
            let mut full = vec![dir_option.as_str(), log_option.as_str(), "--batch"];
            full.extend_from_slice(args);
            // ovs-pki writes NAME-privkey.pem, NAME-req.pem and NAME-cert.pem in the current
            // directory (and puts NAME in the certificate), so it runs in `dir`.
            run_in(Some(dir), "ovs-pki", &full)
        };
        ovs_pki(&["init"])?;
        ovs_pki(&["req+sign", "server", "switch"])?;
        ovs_pki(&["req+sign", "client", "switch"])?;
        ovs_pki(&["req+sign", "other-client", "controller"])?;
        let pki = Pki {
            dir: dir.into(),
            ca_cert: ca_dir.join("switchca/cacert.pem"),
            server_key: dir.join("server-privkey.pem"),
            server_cert: dir.join("server-cert.pem"),
            client_key: dir.join("client-privkey.pem"),
            client_cert: dir.join("client-cert.pem"),
            other_ca_cert: ca_dir.join("controllerca/cacert.pem"),
            other_client_key: dir.join("other-client-privkey.pem"),
            other_client_cert: dir.join("other-client-cert.pem"),
        };
        for file in [
            &pki.ca_cert,
            &pki.server_key,
            &pki.server_cert,
            &pki.client_key,
            &pki.client_cert,
            &pki.other_ca_cert,
            &pki.other_client_key,
            &pki.other_client_cert,
        ] {
            if !file.is_file() {
                return Err(SandboxError::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("ovs-pki did not make {}", file.display()),
                )));
            }
        }
        Ok(pki)
    }
}

/// Configures a [`Sandbox`]: its databases and which listeners it opens besides its unix
/// socket. Made by [`Sandbox::builder`].
#[derive(Debug, Clone, Default)]
pub struct SandboxBuilder {
    schemas: Vec<PathBuf>,
    tcp: bool,
    ssl: bool,
    ssl_options: SslOptions,
}

/// How the SSL listener's ovsdb-server is configured beyond its key, certificate and CA.
#[derive(Debug, Clone, Copy, Default)]
struct SslOptions {
    /// `--peer-ca-cert=<the CA of the server's certificate>`.
    peer_ca_cert: bool,
    /// `--ca-cert=<the other CA>`: clients must come with the other CA's certificates.
    trust_other_ca: bool,
}

impl SandboxBuilder {
    /// Serves one more database, created from this schema file.
    pub fn schema(mut self, schema: impl AsRef<Path>) -> SandboxBuilder {
        self.schemas.push(schema.as_ref().into());
        self
    }

    /// Also listens for plain TCP on a free port of 127.0.0.1 ([`Sandbox::tcp_remote`]).
    pub fn tcp(mut self) -> SandboxBuilder {
        self.tcp = true;
        self
    }

    /// Also listens for SSL on a free port of 127.0.0.1 ([`Sandbox::ssl_remote`]), with
    /// certificates made by `ovs-pki` in the sandbox directory ([`Sandbox::pki`]).
    pub fn ssl(mut self) -> SandboxBuilder {
        self.ssl = true;
        self
    }

    /// With [`ssl`](Self::ssl): also passes `--peer-ca-cert=<Pki::ca_cert>` to ovsdb-server, so
    /// that it sends the CA certificate of its own certificate in every handshake (what a
    /// client's `--bootstrap-ca-cert` needs).
    pub fn peer_ca_cert(mut self) -> SandboxBuilder {
        self.ssl_options.peer_ca_cert = true;
        self
    }

    /// With [`ssl`](Self::ssl): the server trusts the *other* CA for client certificates
    /// (`--ca-cert=<Pki::other_ca_cert>`), so clients connect with
    /// [`Pki::other_client_key`] and [`Pki::other_client_cert`] (and still verify the server
    /// with [`Pki::ca_cert`]). OpenSSL builds the chain a server sends from the CAs it trusts,
    /// so such a server sends only its own certificate, without its CA's, unless
    /// [`peer_ca_cert`](Self::peer_ca_cert) is also set: the case a `--bootstrap-ca-cert`
    /// client must refuse.
    pub fn trust_other_ca_for_clients(mut self) -> SandboxBuilder {
        self.ssl_options.trust_other_ca = true;
        self
    }

    /// Creates the databases (and the PKI) and starts the server, waiting (at most 20 s) until
    /// it listens on everything asked for.
    pub fn start(self) -> Result<Sandbox, SandboxError> {
        let dir = tempfile::Builder::new()
            .prefix("ovsdb-sandbox-")
            .tempdir()?;
        let mut databases = Vec::new();
        for schema in &self.schemas {
            let name = schema_name(schema)?;
            let db = dir.path().join(format!("{name}.db"));
            run(
                "ovsdb-tool",
                &["create".as_ref(), db.as_os_str(), schema.as_os_str()],
            )?;
            databases.push((name, db));
        }
        let pki = if self.ssl {
            Some(Pki::generate(&dir.path().join("pki"))?)
        } else {
            None
        };
        let listeners = [(self.tcp, Kind::Tcp), (self.ssl, Kind::Ssl)]
            .into_iter()
            .filter(|(wanted, _)| *wanted)
            .map(|(_, kind)| Listener { kind, port: None })
            .collect();
        let socket = dir.path().join("db.sock");
        let mut sandbox = Sandbox {
            dir,
            server: None,
            socket,
            databases,
            listeners,
            pki,
            ssl_options: self.ssl_options,
        };
        sandbox.spawn_server()?;
        Ok(sandbox)
    }
}

/// One standalone `ovsdb-server` serving one or more databases on a unix socket (and, if
/// asked, on TCP and SSL ports of 127.0.0.1), in a private temporary directory.
pub struct Sandbox {
    dir: tempfile::TempDir,
    server: Option<Child>,
    socket: PathBuf,
    databases: Vec<(String, PathBuf)>,
    listeners: Vec<Listener>,
    pki: Option<Pki>,
    ssl_options: SslOptions,
}

impl Sandbox {
    /// Creates a fresh database file from each schema (`ovsdb-tool create`) and starts one
    /// `ovsdb-server` serving them all on `unix:<dir>/db.sock`.
    pub fn start<P: AsRef<Path>>(schemas: &[P]) -> Result<Sandbox, SandboxError> {
        schemas
            .iter()
            .fold(Sandbox::builder(), |builder, schema| builder.schema(schema))
            .start()
    }

    /// A builder for a sandbox with TCP or SSL listeners.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    fn ctl(&self) -> PathBuf {
        self.dir.path().join("ovsdb-server.ctl")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("ovsdb-server.log")
    }

    /// The log written since byte `offset` (empty if unreadable).
    fn log_since(&self, offset: usize) -> String {
        let log = std::fs::read(self.log_path()).unwrap_or_default();
        String::from_utf8_lossy(log.get(offset..).unwrap_or_default()).into_owned()
    }

    fn log_len(&self) -> usize {
        std::fs::metadata(self.log_path()).map_or(0, |m| m.len() as usize)
    }

    /// Starts ovsdb-server and waits until it serves its unix socket and every listener.
    ///
    /// Listeners whose port is known (after a restart) are given on the command line with that
    /// port; ovsdb-server opens its remotes before it creates its control socket, so once that
    /// socket exists the log tells whether the port could be bound again. Listeners without a
    /// port are added one at a time with `ovsdb-server/add-remote` on port 0: ovsdb-server then
    /// logs `0:127.0.0.1: listening on port N`, a line that does not say which remote it is
    /// for, hence one at a time.
    fn spawn_server(&mut self) -> Result<(), SandboxError> {
        let deadline = Instant::now() + START_LIMIT;
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_file(self.ctl());
        let log_start = self.log_len();
        let mut cmd = Command::new("ovsdb-server");
        cmd.arg(format!("--remote=punix:{}", self.socket.display()))
            .arg(format!("--unixctl={}", self.ctl().display()))
            .arg(format!("--log-file={}", self.log_path().display()))
            .arg("-vconsole:off")
            .arg("--no-chdir");
        for listener in &self.listeners {
            if listener.port.is_some() {
                cmd.arg(format!("--remote={}", listener.passive_remote()));
            }
        }
        if let Some(pki) = &self.pki {
            let client_ca = if self.ssl_options.trust_other_ca {
                &pki.other_ca_cert
            } else {
                &pki.ca_cert
            };
            cmd.arg(format!("--private-key={}", pki.server_key.display()))
                .arg(format!("--certificate={}", pki.server_cert.display()))
                .arg(format!("--ca-cert={}", client_ca.display()));
            if self.ssl_options.peer_ca_cert {
                cmd.arg(format!("--peer-ca-cert={}", pki.ca_cert.display()));
            }
        }
        for (_, db) in &self.databases {
            cmd.arg(db);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| SandboxError::Spawn {
                program: "ovsdb-server".into(),
                source,
            })?;
        self.server = Some(child);

        self.wait_until(deadline, |sb| {
            Ok((sb.socket.exists() && sb.ctl().exists()).then_some(()))
        })?;

        for i in 0..self.listeners.len() {
            let mut listener = self.listeners[i];
            if listener.port.is_some() {
                let remote = listener.passive_remote();
                if self
                    .log_since(log_start)
                    .contains(&format!("{remote}: listen failed"))
                {
                    // Someone took the port while the server was down: pick a new one.
                    self.appctl_until(deadline, &["ovsdb-server/remove-remote", &remote])?;
                    listener.port = None;
                }
            }
            if listener.port.is_none() {
                let remote = listener.passive_remote();
                let mark = self.log_len();
                self.appctl_until(deadline, &["ovsdb-server/add-remote", &remote])?;
                let failed = format!("{remote}: listen failed");
                let port = self.wait_until(deadline, |sb| {
                    let log = sb.log_since(mark);
                    if log.contains(&failed) {
                        return Err(SandboxError::Listen {
                            remote: remote.clone(),
                            log: sb.log(),
                        });
                    }
                    Ok(bound_port(&log))
                })?;
                listener.port = Some(port);
            }
            self.listeners[i] = listener;
        }
        Ok(())
    }

    /// Polls `check` every 10 ms until it gives a value, fails, the server exits, or the
    /// deadline passes.
    fn wait_until<T>(
        &mut self,
        deadline: Instant,
        mut check: impl FnMut(&Sandbox) -> Result<Option<T>, SandboxError>,
    ) -> Result<T, SandboxError> {
        loop {
            if let Some(value) = check(self)? {
                return Ok(value);
            }
            if let Some(status) = self
                .server
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.server = None;
                return Err(SandboxError::Exited(status, self.log()));
            }
            if Instant::now() > deadline {
                return Err(SandboxError::Timeout(START_LIMIT, self.log()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Runs `ovs-appctl` until the control socket accepts (it may exist a moment before the
    /// server listens on it) or the deadline passes.
    fn appctl_until(&self, deadline: Instant, args: &[&str]) -> Result<String, SandboxError> {
        loop {
            match self.appctl(args) {
                Err(SandboxError::Failed { ref stderr, .. })
                    if stderr.contains("cannot connect") && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                result => return result,
            }
        }
    }

    /// Runs `ovs-appctl -t <this server's control socket> ARGS...` (e.g.
    /// `appctl(&["ovsdb-server/list-remotes"])`), returning its stdout. It gives up after 10 s.
    pub fn appctl(&self, args: &[&str]) -> Result<String, SandboxError> {
        let ctl = self.ctl();
        let target = ctl.to_string_lossy();
        let mut full: Vec<&str> = vec!["--timeout=10", "-t", &target];
        full.extend_from_slice(args);
        run("ovs-appctl", &full)
    }

    /// The remote to connect to, `unix:<path>`.
    pub fn remote(&self) -> String {
        format!("unix:{}", self.socket.display())
    }

    fn network_remote(&self, kind: Kind) -> Option<String> {
        self.listeners
            .iter()
            .find(|l| l.kind == kind)
            .and_then(|l| l.port)
            .map(|port| format!("{}:127.0.0.1:{port}", kind.active()))
    }

    /// `tcp:127.0.0.1:PORT` if the sandbox was built with [`SandboxBuilder::tcp`]. The port
    /// stays the same across [`restart`](Self::restart) unless another process took it
    /// meanwhile.
    pub fn tcp_remote(&self) -> Option<String> {
        self.network_remote(Kind::Tcp)
    }

    /// `ssl:127.0.0.1:PORT` if the sandbox was built with [`SandboxBuilder::ssl`]; connect with
    /// the certificates from [`pki`](Self::pki). The port stays the same across
    /// [`restart`](Self::restart) unless another process took it meanwhile.
    pub fn ssl_remote(&self) -> Option<String> {
        self.network_remote(Kind::Ssl)
    }

    /// The certificates of the SSL listener, if the sandbox has one.
    pub fn pki(&self) -> Option<&Pki> {
        self.pki.as_ref()
    }

    /// The unix socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The sandbox directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The names of the databases served.
    pub fn database_names(&self) -> impl Iterator<Item = &str> {
        self.databases.iter().map(|(n, _)| n.as_str())
    }

    /// The server's log so far (empty if unreadable).
    pub fn log(&self) -> String {
        self.log_since(0)
    }

    /// Runs `ovsdb-client ARGS...` with this sandbox's remote inserted after the command name
    /// (`ovsdb_client(&["transact", "[...]"])` runs `ovsdb-client transact unix:... [...]`),
    /// returning its stdout.
    pub fn ovsdb_client(&self, args: &[&str]) -> Result<String, SandboxError> {
        let remote = self.remote();
        let mut full: Vec<&str> = Vec::with_capacity(args.len() + 1);
        if let Some((first, rest)) = args.split_first() {
            full.push(first);
            full.push(&remote);
            full.extend_from_slice(rest);
        }
        run("ovsdb-client", &full)
    }

    /// Stops the server (SIGKILL) and starts it again on the same files, socket and ports, as
    /// a crash-and-restart would.
    pub fn restart(&mut self) -> Result<(), SandboxError> {
        self.stop();
        self.spawn_server()
    }

    /// Starts the server again after [`Sandbox::stop`], on the same files, socket and ports
    /// (e.g. after converting a database file with `ovsdb-tool convert`, as an upgrade does).
    pub fn start_again(&mut self) -> Result<(), SandboxError> {
        if self.server.is_some() {
            return Ok(());
        }
        self.spawn_server()
    }

    /// The file that holds the database `name`, if this sandbox serves it.
    pub fn database_file(&self, name: &str) -> Option<&Path> {
        self.databases
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.as_path())
    }

    /// Stops the server; the files stay until the sandbox is dropped.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The port in the first `0:127.0.0.1: listening on port N` line of `log`.
fn bound_port(log: &str) -> Option<u16> {
    const MARK: &str = "0:127.0.0.1: listening on port ";
    let at = log.find(MARK)? + MARK.len();
    let digits: String = log[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether every one of `programs` runs here (`PROGRAM --version` succeeds), for tests that
/// need the real Open vSwitch / OVN programs. When one does not: in CI (`CI` set to anything
/// but empty, `0` or `false`) this panics, because CI installs them and a skipped test there
/// would hide a missing dependency; elsewhere it prints why the test is skipped and returns
/// false. `install` says what to install.
pub fn programs_runnable(programs: &[&str], install: &str) -> bool {
    for program in programs {
        let ok = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let msg = format!("{program} is not runnable (install {install})");
            let in_ci =
                std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            assert!(!in_ci, "{msg}");
            eprintln!("SKIPPED: {msg}");
            return false;
        }
    }
    true
}

/// `text` with the timestamp of every Open vSwitch vlog line
/// (`2026-12-02T17:55:34Z|00002|module|WARN|...`) replaced by `<timestamp>`, so the
/// messages of two runs (or of a C tool and ours) compare.
pub fn mask_vlog_timestamps(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let b = line.as_bytes();
        let is_stamp = b.len() > 21
            && b[..20].iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            })
            && b[20] == b'|';
        if is_stamp {
            out.push_str("<timestamp>");
            out.push_str(&line[20..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Runs a program to completion, returning stdout or a [`SandboxError`] with its stderr.
pub fn run<S: AsRef<std::ffi::OsStr>>(program: &str, args: &[S]) -> Result<String, SandboxError> {
    run_in(None, program, args)
}

/// [`run`] in directory `dir` (the current one if `None`).
fn run_in<S: AsRef<std::ffi::OsStr>>(
    dir: Option<&Path>,
    program: &str,
    args: &[S],
) -> Result<String, SandboxError> {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let out = cmd.output().map_err(|source| SandboxError::Spawn {
        program: program.into(),
        source,
    })?;
    if !out.status.success() {
        return Err(SandboxError::Failed {
            program: program.into(),
            args: args
                .iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Reads the `"name"` member of a schema file.
pub(crate) fn schema_name(schema: &Path) -> Result<String, SandboxError> {
    let text = std::fs::read_to_string(schema)?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| SandboxError::SchemaName(schema.into()))?;
    json.get("name")
        .and_then(|n| n.as_str())
        .map(str::to_owned)
        .ok_or_else(|| SandboxError::SchemaName(schema.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NB: &str = "/usr/share/ovn/ovn-nb.ovsschema";

    #[test]
    fn serves_and_restarts_a_real_server() {
        let mut sb = Sandbox::start(&["/usr/share/openvswitch/vswitch.ovsschema"]).unwrap();
        assert_eq!(sb.database_names().collect::<Vec<_>>(), ["Open_vSwitch"]);
        assert_eq!(sb.tcp_remote(), None);
        assert_eq!(sb.ssl_remote(), None);
        assert!(sb.pki().is_none());
        let dbs = sb.ovsdb_client(&["list-dbs"]).unwrap();
        assert!(dbs.lines().any(|l| l == "Open_vSwitch"), "{dbs}");
        sb.restart().unwrap();
        let dbs = sb.ovsdb_client(&["list-dbs"]).unwrap();
        assert!(dbs.lines().any(|l| l == "_Server"), "{dbs}");
    }

    fn client_ssl(
        remote: &str,
        key: &Path,
        cert: &Path,
        ca: &Path,
    ) -> Result<String, SandboxError> {
        run(
            "ovsdb-client",
            &[
                "--timeout=10".as_ref(),
                "list-dbs".as_ref(),
                remote.as_ref(),
                "-p".as_ref(),
                key.as_os_str(),
                "-c".as_ref(),
                cert.as_os_str(),
                "-C".as_ref(),
                ca.as_os_str(),
            ] as &[&std::ffi::OsStr],
        )
    }

    /// The real ovsdb-client reaches the sandbox over TCP and SSL, on the same ports after a
    /// restart.
    #[test]
    fn tcp_and_ssl_listeners_survive_restart() {
        let mut sb = Sandbox::builder().schema(NB).tcp().ssl().start().unwrap();
        let tcp = sb.tcp_remote().unwrap();
        let ssl = sb.ssl_remote().unwrap();
        assert!(tcp.starts_with("tcp:127.0.0.1:"), "{tcp}");
        assert!(ssl.starts_with("ssl:127.0.0.1:"), "{ssl}");
        assert_ne!(tcp[4..], ssl[4..], "one port for both listeners");
        let remotes = sb.appctl(&["ovsdb-server/list-remotes"]).unwrap();
        assert!(remotes.contains("ptcp:0:127.0.0.1"), "{remotes}");
        assert!(remotes.contains("pssl:0:127.0.0.1"), "{remotes}");

        let pki = sb.pki().unwrap().clone();
        for _ in 0..2 {
            let dbs = run("ovsdb-client", &["--timeout=10", "list-dbs", &tcp]).unwrap();
            assert!(dbs.lines().any(|l| l == "OVN_Northbound"), "{dbs}");
            let dbs = client_ssl(&ssl, &pki.client_key, &pki.client_cert, &pki.ca_cert).unwrap();
            assert!(dbs.lines().any(|l| l == "OVN_Northbound"), "{dbs}");
            sb.restart().unwrap();
            assert_eq!(sb.tcp_remote().as_deref(), Some(tcp.as_str()));
            assert_eq!(sb.ssl_remote().as_deref(), Some(ssl.as_str()));
        }
        // The ports are now given explicitly.
        let port = |remote: &str| remote.rsplit(':').next().unwrap().to_owned();
        let remotes = sb.appctl(&["ovsdb-server/list-remotes"]).unwrap();
        assert!(
            remotes.contains(&format!("ptcp:{}:127.0.0.1", port(&tcp))),
            "{remotes}"
        );
        assert!(
            remotes.contains(&format!("pssl:{}:127.0.0.1", port(&ssl))),
            "{remotes}"
        );
    }

    /// The real ovsdb-client, presenting a certificate from the other CA, is refused.
    #[test]
    fn ssl_listener_refuses_a_client_of_the_other_ca() {
        let sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
        assert_eq!(sb.tcp_remote(), None);
        let pki = sb.pki().unwrap();
        let ssl = sb.ssl_remote().unwrap();
        let refused = client_ssl(
            &ssl,
            &pki.other_client_key,
            &pki.other_client_cert,
            &pki.ca_cert,
        );
        // ovsdb-client fails: depending on timing, OpenSSL reports the server's alert ("tlsv1
        // alert unknown ca") or only the closed connection ("Broken pipe").
        assert!(
            matches!(&refused, Err(SandboxError::Failed { .. })),
            "{refused:?}"
        );
        // The server says why (it logs just after sending its alert, so allow it a moment).
        let deadline = Instant::now() + Duration::from_secs(5);
        while !sb.log().contains("SSL_accept: ") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let log = sb.log();
        assert!(log.contains("certificate verify failed"), "{log}");
    }

    /// When another process holds the old port, a restart falls back to a new one.
    #[test]
    fn restart_moves_to_a_new_port_when_the_old_one_is_taken() {
        let mut sb = Sandbox::builder().schema(NB).tcp().start().unwrap();
        let old = sb.tcp_remote().unwrap();
        sb.stop();
        let taken = std::net::TcpListener::bind(&old[4..]).unwrap();
        sb.restart().unwrap();
        let new = sb.tcp_remote().unwrap();
        assert_ne!(new, old);
        let dbs = run("ovsdb-client", &["--timeout=10", "list-dbs", &new]).unwrap();
        assert!(dbs.lines().any(|l| l == "OVN_Northbound"), "{dbs}");
        drop(taken);
    }

    #[test]
    fn reads_the_bound_port_from_the_log() {
        let log = "2026-11-25T06:15:02.783Z|00002|socket_util|INFO|0:127.0.0.1: listening on \
                   port 33911\n";
        assert_eq!(bound_port(log), Some(33911));
        assert_eq!(bound_port("nothing here"), None);
    }

    #[test]
    fn pki_makes_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::generate(&dir.path().join("pki")).unwrap();
        let text = |p: &Path| std::fs::read_to_string(p).unwrap();
        assert!(text(&pki.ca_cert).contains("BEGIN CERTIFICATE"));
        assert!(text(&pki.client_key).contains("PRIVATE KEY"));
        assert_ne!(text(&pki.ca_cert), text(&pki.other_ca_cert));
        // Nothing leaks into the current directory.
        assert!(!Path::new("client-cert.pem").exists());
    }
}
