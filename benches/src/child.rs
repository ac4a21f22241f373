//! Runs a child process and measures it the same way for every peer: wall time, CPU time
//! (user + system, from `wait4`'s resource usage) and peak resident memory.
//!
//! Linux carries a process's peak RSS across `exec`, so a child spawned straight from a big
//! parent reports at least the parent's peak as its own (`ru_maxrss`). With a launcher set
//! ([`set_launcher`]), every child is started through a freshly exec'd small process
//! ([`launch`]) that spawns the real program, reaps it with `wait4` and writes its usage to a
//! file; the inherited floor is then the launcher's own few MiB, as with `/usr/bin/time`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What one child run cost, and what it printed.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Wall time from spawn to exit, seconds.
    pub wall: f64,
    /// User + system CPU time of the child, seconds.
    pub cpu: f64,
    /// Peak resident set size of the child, KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
    /// Everything the child wrote to stdout.
    pub stdout: String,
    /// Everything the child wrote to stderr.
    pub stderr: String,
}

impl Measured {
    /// Peak RSS in MiB.
    pub fn rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }

    /// The last stdout line parsed as JSON (the children of this crate report that way).
    pub fn report(&self) -> Result<serde_json::Value, String> {
        let line = self
            .stdout
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .ok_or_else(|| format!("no JSON report in stdout; stderr: {}", self.stderr))?;
        serde_json::from_str(line).map_err(|e| format!("bad report {line:?}: {e}"))
    }
}

/// A child being measured: its stdout arrives line by line, so a caller can wait for a
/// "ready" line before doing its part.
pub struct Running {
    child: Child,
    started: Instant,
    lines: mpsc::Receiver<String>,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
    label: String,
    /// Where the launcher writes the real child's usage (None: no launcher).
    report: Option<PathBuf>,
}

static LAUNCHER: OnceLock<PathBuf> = OnceLock::new();

/// Starts every later child through `exe launch REPORT PROGRAM ARGS...` (see [`launch`]).
pub fn set_launcher(exe: PathBuf) {
    let _ = LAUNCHER.set(exe);
}

/// The usage a launcher measured.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Usage {
    wall: f64,
    cpu: f64,
    max_rss_kib: u64,
    status: i32,
}

impl Usage {
    fn line(&self) -> String {
        format!(
            "{} {} {} {}",
            self.wall, self.cpu, self.max_rss_kib, self.status
        )
    }

    fn parse(line: &str) -> Option<Usage> {
        let mut f = line.split_whitespace();
        Some(Usage {
            wall: f.next()?.parse().ok()?,
            cpu: f.next()?.parse().ok()?,
            max_rss_kib: f.next()?.parse().ok()?,
            status: f.next()?.parse().ok()?,
        })
    }
}

/// The launcher's side (`exe launch REPORT PROGRAM ARGS...`): runs PROGRAM with the inherited
/// stdio, reaps it with `wait4`, writes its usage to REPORT and returns its exit code.
pub fn launch(args: &[String]) -> Result<i32, String> {
    let (report, program) = match args {
        [report, program, ..] => (report, program),
        _ => return Err("usage: launch REPORT PROGRAM [ARGS...]".into()),
    };
    let started = Instant::now();
    let child = Command::new(program)
        .args(&args[2..])
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let (status, usage) = wait4(child.id())?;
    let u = Usage {
        wall: started.elapsed().as_secs_f64(),
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        status,
    };
    std::fs::write(report, u.line()).map_err(|e| format!("{report}: {e}"))?;
    Ok(if exited_ok(status) { 0 } else { 1 })
}

fn report_path() -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "bench-usage-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// `cmd` rewritten to run through the launcher (same program, arguments, environment and
/// directory).
fn through(launcher: &Path, cmd: &Command, report: &Path) -> Command {
    let mut c = Command::new(launcher);
    c.arg("launch")
        .arg(report)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        c.current_dir(dir);
    }
    c
}

/// Starts `cmd` with piped stdout and stderr, for [`Running::finish`] to measure.
pub fn spawn(cmd: &mut Command) -> Result<Running, String> {
    let label = format!("{cmd:?}");
    let report = LAUNCHER.get().map(|_| report_path());
    let mut launched;
    let cmd = match (LAUNCHER.get(), &report) {
        (Some(l), Some(r)) => {
            launched = through(l, cmd, r);
            &mut launched
        }
        _ => cmd,
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {label}: {e}"))?;
    let (tx, lines) = mpsc::channel();
    let out = child.stdout.take().ok_or("no stdout pipe")?;
    let err = child.stderr.take().ok_or("no stderr pipe")?;
    let stdout = std::thread::spawn(move || {
        let mut all = String::new();
        let mut reader = BufReader::with_capacity(1 << 16, out);
        let mut line = String::new();
        while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            line.clear();
        }
        all
    });
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = BufReader::new(err).read_to_string(&mut all);
        all
    });
    Ok(Running {
        child,
        started,
        lines,
        stdout: Some(stdout),
        stderr: Some(stderr),
        label,
        report,
    })
}

impl Running {
    /// Waits (at most `limit`) for a stdout line that starts with `prefix`.
    pub fn wait_line(&self, prefix: &str, limit: Duration) -> Result<String, String> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return Ok(line),
                Ok(_) => {}
                Err(_) => {
                    return Err(format!(
                        "{} did not print {prefix:?} within {limit:?}",
                        self.label
                    ))
                }
            }
        }
    }

    /// Waits for the child to exit and measures it; a non-zero exit is an error.
    pub fn finish(mut self) -> Result<Measured, String> {
        let (status, usage) = wait4(self.child.id())?;
        let wall = self.started.elapsed().as_secs_f64();
        let mut measured = Usage {
            wall,
            cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
            status,
        };
        if let Some(report) = &self.report {
            let line = std::fs::read_to_string(report).unwrap_or_default();
            let _ = std::fs::remove_file(report);
            measured = Usage::parse(&line).ok_or_else(|| {
                format!(
                    "{}: the launcher wrote no usage (status {status})",
                    self.label
                )
            })?;
        }
        let stdout = self
            .stdout
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        if !exited_ok(measured.status) {
            return Err(format!(
                "{} failed (wait status {}): {}",
                self.label,
                measured.status,
                tail(&stderr, 2000)
            ));
        }
        Ok(Measured {
            wall: measured.wall,
            cpu: measured.cpu,
            max_rss_kib: measured.max_rss_kib,
            stdout,
            stderr,
        })
    }
}

/// Runs `cmd` to completion and measures it.
pub fn run(cmd: &mut Command) -> Result<Measured, String> {
    spawn(cmd)?.finish()
}

/// The end of `s`, at most `max` bytes (on a character boundary).
fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

fn seconds(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

fn exited_ok(status: i32) -> bool {
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
}

/// Reaps `pid` with `wait4`, returning its wait status and resource usage.
fn wait4(pid: u32) -> Result<(i32, libc::rusage), String> {
    let pid = libc::pid_t::try_from(pid).map_err(|e| e.to_string())?;
    let mut status = 0;
    // SAFETY: rusage is plain old data; an all-zero value is valid and wait4 overwrites it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live, writable locals of the right types.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4({pid}): {err}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_real_child() {
        let m = run(Command::new("sh").args(["-c", "echo '{\"x\": 1}'"])).expect("sh runs");
        assert!(m.wall > 0.0);
        assert!(m.max_rss_kib > 0);
        assert_eq!(m.report().expect("json")["x"], 1);
    }

    #[test]
    fn a_failing_child_is_an_error() {
        let e = run(Command::new("sh").args(["-c", "echo oops >&2; exit 3"])).unwrap_err();
        assert!(e.contains("oops"), "{e}");
    }

    #[test]
    fn usage_lines_round_trip() {
        let u = Usage {
            wall: 0.25,
            cpu: 0.125,
            max_rss_kib: 4096,
            status: 256,
        };
        assert_eq!(Usage::parse(&u.line()), Some(u));
        assert_eq!(Usage::parse("1 2"), None);
    }

    #[test]
    fn tail_respects_char_boundaries() {
        assert_eq!(tail("héllo", 4), "llo");
        assert_eq!(tail("abc", 10), "abc");
    }
}
