//! Test harness: real `ovsdb-server` instances in a private temporary directory.
//!
//! Enabled by the `testing` cargo feature. Everything here runs the programs from Debian's
//! `openvswitch-common` / `openvswitch-switch` packages (`ovsdb-tool`, `ovsdb-server`,
//! `ovsdb-client`); nothing is mocked. A [`Sandbox`] stops its server and deletes its directory
//! when dropped.
//!
//! ```no_run
//! use ovsdb::testing::Sandbox;
//!
//! let sandbox = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"]).unwrap();
//! let out = sandbox.ovsdb_client(&["list-dbs"]).unwrap();
//! assert!(out.contains("OVN_Northbound"));
//! ```

pub mod cluster;

pub use self::cluster::Cluster;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    /// A file system error in the sandbox directory.
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A schema file has no readable `"name"`.
    #[error("cannot read the database name from schema {0}")]
    SchemaName(PathBuf),
}

/// One standalone `ovsdb-server` serving one or more databases on a unix socket, in a private
/// temporary directory.
pub struct Sandbox {
    dir: tempfile::TempDir,
    server: Option<Child>,
    socket: PathBuf,
    databases: Vec<(String, PathBuf)>,
}

impl Sandbox {
    /// Creates a fresh database file from each schema (`ovsdb-tool create`) and starts one
    /// `ovsdb-server` serving them all on `unix:<dir>/db.sock`.
    pub fn start<P: AsRef<Path>>(schemas: &[P]) -> Result<Sandbox, SandboxError> {
        let dir = tempfile::Builder::new()
            .prefix("ovsdb-sandbox-")
            .tempdir()?;
        let mut databases = Vec::new();
        for schema in schemas {
            let schema = schema.as_ref();
            let name = schema_name(schema)?;
            let db = dir.path().join(format!("{name}.db"));
            run(
                "ovsdb-tool",
                &["create".as_ref(), db.as_os_str(), schema.as_os_str()],
            )?;
            databases.push((name, db));
        }
        let socket = dir.path().join("db.sock");
        let mut sandbox = Sandbox {
            dir,
            server: None,
            socket,
            databases,
        };
        sandbox.spawn_server()?;
        Ok(sandbox)
    }

    fn spawn_server(&mut self) -> Result<(), SandboxError> {
        let _ = std::fs::remove_file(&self.socket);
        let dir = self.dir.path();
        let mut cmd = Command::new("ovsdb-server");
        cmd.arg(format!("--remote=punix:{}", self.socket.display()))
            .arg(format!(
                "--unixctl={}",
                dir.join("ovsdb-server.ctl").display()
            ))
            .arg(format!(
                "--log-file={}",
                dir.join("ovsdb-server.log").display()
            ))
            .arg("-vconsole:off")
            .arg("--no-chdir");
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
        let limit = Duration::from_secs(20);
        let start = Instant::now();
        while !self.socket.exists() {
            if start.elapsed() > limit {
                return Err(SandboxError::Timeout(limit, self.log()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// The remote to connect to, `unix:<path>`.
    pub fn remote(&self) -> String {
        format!("unix:{}", self.socket.display())
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
        std::fs::read_to_string(self.dir.path().join("ovsdb-server.log")).unwrap_or_default()
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

    /// Stops the server (SIGKILL) and starts it again on the same files and socket, as a
    /// crash-and-restart would.
    pub fn restart(&mut self) -> Result<(), SandboxError> {
        self.stop();
        self.spawn_server()
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

/// Runs a program to completion, returning stdout or a [`SandboxError`] with its stderr.
pub fn run<S: AsRef<std::ffi::OsStr>>(program: &str, args: &[S]) -> Result<String, SandboxError> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| SandboxError::Spawn {
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

    #[test]
    fn serves_and_restarts_a_real_server() {
        let mut sb = Sandbox::start(&["/usr/share/openvswitch/vswitch.ovsschema"]).unwrap();
        assert_eq!(sb.database_names().collect::<Vec<_>>(), ["Open_vSwitch"]);
        let dbs = sb.ovsdb_client(&["list-dbs"]).unwrap();
        assert!(dbs.lines().any(|l| l == "Open_vSwitch"), "{dbs}");
        sb.restart().unwrap();
        let dbs = sb.ovsdb_client(&["list-dbs"]).unwrap();
        assert!(dbs.lines().any(|l| l == "_Server"), "{dbs}");
    }
}
