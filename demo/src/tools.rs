//! Running `rnbctl`, `rvsctl` and `ip` the way an operator's script does, with a transcript
//! of every command line and what it printed.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use ovsdb::testing::ovn::Datapath;
use ovsdb::testing::OvnSandbox;

use crate::Result;

/// Set by the demo's signal handler: the next command fails instead of running.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes every later [`Tools`] command fail with "interrupted", so the caller unwinds and
/// the sandbox is cleaned up.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Finds `name` (`rnbctl` or `rvsctl`): the path in `$RNBCTL` / `$RVSCTL` if set, else next to
/// the running executable or up to two directories above it (`target/<profile>/` seen from
/// `target/<profile>/deps/` or `target/<profile>/examples/`).
pub fn locate(name: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(name.to_uppercase()) {
        return Ok(path.into());
    }
    let exe = std::env::current_exe()?;
    for dir in exe.ancestors().skip(1).take(3) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(format!(
        "{name} not found next to {} (build it with `cargo build --release -p bins`, or set ${})",
        exe.display(),
        name.to_uppercase()
    )
    .into())
}

/// The command-line tools, pointed at one [`OvnSandbox`].
pub struct Tools<'a> {
    ovn: &'a OvnSandbox,
    rnbctl: PathBuf,
    rvsctl: PathBuf,
    echo: bool,
    transcript: Mutex<String>,
}

/// What a command printed, and whether it succeeded.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Its exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

impl<'a> Tools<'a> {
    /// The tools found by [`locate`], talking to `ovn`'s databases; with `echo`, every command
    /// and its output is also printed as it runs.
    pub fn new(ovn: &'a OvnSandbox, echo: bool) -> Result<Tools<'a>> {
        Ok(Tools::with_paths(
            ovn,
            locate("rnbctl")?,
            locate("rvsctl")?,
            echo,
        ))
    }

    /// [`Tools::new`] with the two programs given.
    pub fn with_paths(
        ovn: &'a OvnSandbox,
        rnbctl: PathBuf,
        rvsctl: PathBuf,
        echo: bool,
    ) -> Tools<'a> {
        Tools {
            ovn,
            rnbctl,
            rvsctl,
            echo,
            transcript: Mutex::new(String::new()),
        }
    }

    /// Every command so far with its output, as a shell session would show it.
    pub fn transcript(&self) -> String {
        self.transcript
            .lock()
            .map(|t| t.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Appends to the transcript (and prints, with echo).
    pub fn note(&self, text: &str) {
        if self.echo {
            print!("{text}");
        }
        let mut t = self.transcript.lock().unwrap_or_else(|e| e.into_inner());
        t.push_str(text);
    }

    /// Whether the pod side of a CNI ADD can be a real veth pair (the sandbox's
    /// `ovs-vswitchd` runs in a network namespace of its own).
    pub fn has_netns(&self) -> bool {
        self.ovn.datapath() == Datapath::Netns
    }

    /// `rnbctl ARGS...` (with `OVN_NB_DB` set to the sandbox); fails unless it exits 0.
    pub fn nbctl(&self, args: &[&str]) -> Result<String> {
        let mut cmd = Command::new(&self.rnbctl);
        cmd.env("OVN_NB_DB", self.ovn.nb_remote()).args(args);
        self.must("rnbctl", args, cmd)
    }

    /// `rvsctl ARGS...` (with `--db=` the sandbox's); fails unless it exits 0.
    pub fn vsctl(&self, args: &[&str]) -> Result<String> {
        let cmd = self.vsctl_command(args);
        self.must("rvsctl", args, cmd)
    }

    /// `rvsctl ARGS...`, whatever its exit status.
    pub fn vsctl_status(&self, args: &[&str]) -> Result<Ran> {
        let cmd = self.vsctl_command(args);
        self.run("rvsctl", args, cmd)
    }

    fn vsctl_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.rvsctl);
        cmd.arg(format!("--db={}", self.ovn.ovs_remote()))
            .args(args);
        cmd
    }

    /// `ip ARGS...` in the network namespace of the sandbox's `ovs-vswitchd` (where the
    /// node's devices live); fails unless it exits 0, or if there is no such namespace.
    pub fn ip(&self, args: &[&str]) -> Result<String> {
        let mut cmd = self.ovn.netns_command("ip")?;
        cmd.args(args);
        self.must("ip", args, cmd)
    }

    fn must(&self, name: &str, args: &[&str], cmd: Command) -> Result<String> {
        let ran = self.run(name, args, cmd)?;
        if ran.code != Some(0) {
            return Err(format!(
                "`{}` failed ({:?}): {}",
                shell_line(name, args),
                ran.code,
                ran.stderr.trim()
            )
            .into());
        }
        Ok(ran.stdout)
    }

    /// Runs `cmd`, recording `$ name args...` (as an operator would type it: the sandbox's
    /// database options are left out) and its output.
    fn run(&self, name: &str, args: &[&str], mut cmd: Command) -> Result<Ran> {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err("interrupted".into());
        }
        self.note(&format!("$ {}\n", shell_line(name, args)));
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.stdin(std::process::Stdio::null()).output()?;
        let ran = Ran {
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        };
        self.note(&ran.stdout);
        self.note(&ran.stderr);
        if ran.code != Some(0) {
            self.note(&format!("(exit status {})\n", describe_status(status)));
        }
        Ok(ran)
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => code.to_string(),
        None => format!("{status}"),
    }
}

/// `name args...` with shell quoting where an argument needs it.
pub fn shell_line(name: &str, args: &[&str]) -> String {
    let mut line = name.to_string();
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line
}

/// An argument quoted for a POSIX shell, if it has to be.
fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_a_shell_script() {
        assert_eq!(
            shell_line(
                "rnbctl",
                &["lsp-set-addresses", "p", "0a:58:0a:f4:00:05 10.244.0.5"]
            ),
            "rnbctl lsp-set-addresses p '0a:58:0a:f4:00:05 10.244.0.5'"
        );
        assert_eq!(
            quote("external_ids:iface-id=ns_pod"),
            "external_ids:iface-id=ns_pod"
        );
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
