//! Where the programs under comparison are, and their versions.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The NB schema the sandboxes and the python peers use.
pub const NB_SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
/// The Open_vSwitch schema.
pub const VS_SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";
/// The python with Debian's `ovs` module (not a pyenv shim that lacks it).
pub const PYTHON: &str = "/usr/bin/python3";

/// Every program a comparison runs.
#[derive(Debug, Clone)]
pub struct Tools {
    /// This executable (its `child` subcommand runs our measured clients).
    pub this: PathBuf,
    /// Our `rnbctl`.
    pub rnbctl: PathBuf,
    /// Our `rvsctl`.
    pub rvsctl: PathBuf,
    /// The C `ovn-nbctl`.
    pub ovn_nbctl: PathBuf,
    /// The C `ovs-vsctl`.
    pub ovs_vsctl: PathBuf,
    /// The directory of the python peer scripts.
    pub peers: PathBuf,
}

/// `name` in `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Our binary `name`: next to this executable (the same target directory), else in
/// `$CARGO_TARGET_DIR/release`, else in the workspace's `target/release`.
pub fn our_binary(name: &str) -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(dir.join(name));
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(dir).join("release").join(name));
    }
    candidates.push(workspace().join("target/release").join(name));
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "{name} not found (looked in {candidates:?}): build it first with \
             `cargo build --release -p bins` (same CARGO_TARGET_DIR)"
            )
        })
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

impl Tools {
    /// Finds everything, or says what is missing.
    pub fn locate() -> Result<Tools, String> {
        let c = |name: &str| which(name).ok_or_else(|| format!("{name} is not installed"));
        if !Path::new(PYTHON).is_file() {
            return Err(format!(
                "{PYTHON} is missing (apt-get install python3-openvswitch)"
            ));
        }
        Ok(Tools {
            this: std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?,
            rnbctl: our_binary("rnbctl")?,
            rvsctl: our_binary("rvsctl")?,
            ovn_nbctl: c("ovn-nbctl")?,
            ovs_vsctl: c("ovs-vsctl")?,
            peers: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers"),
        })
    }

    /// A command running our child `name` with `args`.
    pub fn child(&self, name: &str, args: &[&str]) -> Command {
        let mut c = Command::new(&self.this);
        c.arg("child").arg(name).args(args);
        c
    }

    /// A command running the python peer `script` with `args`.
    pub fn python(&self, script: &str, args: &[&str]) -> Command {
        let mut c = Command::new(PYTHON);
        c.arg(self.peers.join(script)).args(args);
        c
    }
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_else(|| format!("{program}: unknown"))
}

/// The machine and the versions of everything compared, as Markdown bullet lines.
pub fn environment() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or("?".into(), |k| format!("{:.0} GiB", k as f64 / 1048576.0));
    let python_ovs = first_line(
        PYTHON,
        &["-c", "import ovs.version, sys; print('python-ovs', ovs.version.VERSION, 'on Python', sys.version.split()[0])"],
    );
    let kernel = first_line("uname", &["-sr"]);
    format!(
        "- Machine: {cpu}, {cores} cores, {mem} RAM, {kernel}\n\
         - {}\n- {}\n- {}\n- {python_ovs}\n- ours: ovsdb crate {} (release build)\n",
        first_line("ovsdb-server", &["--version"]),
        first_line("ovn-nbctl", &["--version"]),
        first_line("ovs-vsctl", &["--version"]),
        env!("CARGO_PKG_VERSION"),
    )
}
