//! One OVN or OVS daemon run in the foreground as a child process: its log and stderr files,
//! and stopping it (SIGTERM, then SIGKILL).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use super::super::SandboxError;

/// How long a daemon may take to exit after SIGTERM before it gets SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(5);

/// How many lines of a log an error message carries.
const LOG_TAIL_LINES: usize = 40;

/// A running daemon.
#[derive(Debug)]
pub(super) struct Daemon {
    /// The program's name, e.g. `ovn-controller`.
    pub name: &'static str,
    child: Option<Child>,
    /// Its `--log-file`.
    pub log: PathBuf,
    stderr: PathBuf,
}

/// Whether util-linux's `setpriv` knows `--pdeathsig` (checked once).
fn setpriv_pdeathsig() -> bool {
    static KNOWN: OnceLock<bool> = OnceLock::new();
    *KNOWN.get_or_init(|| {
        Command::new("setpriv")
            .arg("--help")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("--pdeathsig"))
    })
}

impl Daemon {
    /// Starts `program args...` in `dir` with `env`, its stderr in `dir/<name>.stderr`.
    ///
    /// When `setpriv --pdeathsig` is available the program runs under it, so the kernel kills
    /// it if the thread that started it ends without stopping it (a test binary killed by a
    /// timeout leaves nothing behind).
    pub fn spawn(
        name: &'static str,
        dir: &Path,
        env: &[(&str, PathBuf)],
        program: &str,
        args: &[String],
    ) -> Result<Daemon, SandboxError> {
        let stderr_path = dir.join(format!("{name}.stderr"));
        let stderr = File::create(&stderr_path)?;
        let mut cmd = if setpriv_pdeathsig() {
            let mut cmd = Command::new("setpriv");
            cmd.args(["--pdeathsig", "KILL", "--", program]);
            cmd
        } else {
            Command::new(program)
        };
        cmd.args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = cmd.spawn().map_err(|source| SandboxError::Spawn {
            program: program.into(),
            source,
        })?;
        Ok(Daemon {
            name,
            child: Some(child),
            log: dir.join(format!("{name}.log")),
            stderr: stderr_path,
        })
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The exit status if the daemon has exited (it is then reaped and forgotten).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        Some(status)
    }

    /// SIGTERM (OVS daemons then remove their pidfile and control socket), and SIGKILL if it
    /// has not exited within 5 s; always reaped.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // Linux pids fit in an i32 (pid_max is at most 2^22).
        let pid = Pid::from_raw(child.id() as i32);
        if signal::kill(pid, Signal::SIGTERM).is_ok() {
            let deadline = Instant::now() + TERM_GRACE;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The log so far (empty if unreadable).
    pub fn log(&self) -> String {
        read_or_empty(&self.log)
    }

    /// The log's and stderr's last lines, for error messages.
    pub fn tails(&self) -> String {
        let state = if self.child.is_some() {
            "running"
        } else {
            "not running"
        };
        let mut out = format!("--- {} ({state}) log ---\n{}", self.name, tail(&self.log()));
        let stderr = read_or_empty(&self.stderr);
        if !stderr.trim().is_empty() {
            out.push_str(&format!("--- {} stderr ---\n{}", self.name, tail(&stderr)));
        }
        out
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A file's text (empty if unreadable).
pub(super) fn read_or_empty(path: &Path) -> String {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// The last lines of `text`.
pub(super) fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(LOG_TAIL_LINES);
    let mut out = lines[start..].join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        let text: String = (0..100).map(|i| format!("{i}\n")).collect();
        let t = tail(&text);
        assert!(t.starts_with("60\n"), "{t}");
        assert!(t.ends_with("99\n"), "{t}");
        assert_eq!(tail("a\nb"), "a\nb\n");
    }

    /// A real process is started and stopped by SIGTERM, and its stderr is kept.
    #[test]
    fn spawns_and_stops_a_process() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = Daemon::spawn(
            "sleeper",
            dir.path(),
            &[],
            "sh",
            &["-c".into(), "echo started >&2; exec sleep 60".into()],
        )
        .unwrap();
        assert!(d.pid().is_some());
        assert_eq!(d.exited(), None);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !d.tails().contains("started") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            d.tails().contains("--- sleeper stderr ---\nstarted"),
            "{}",
            d.tails()
        );
        d.stop();
        assert_eq!(d.pid(), None);
        assert!(d.tails().contains("(not running)"));
    }
}
