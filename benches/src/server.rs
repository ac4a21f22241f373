//! The ovsdb-server side of a measurement: which process serves a sandbox, and how much CPU
//! it has used (`/proc/<pid>/stat`), so a run can show the server's cost as the ceiling.

use std::path::Path;

use ovsdb::testing::Sandbox;

/// The pid of the `ovsdb-server` serving `sandbox` (the process whose command line names the
/// sandbox's socket).
pub fn server_pid(sandbox: &Sandbox) -> Result<u32, String> {
    pid_serving(sandbox.socket())
}

fn pid_serving(socket: &Path) -> Result<u32, String> {
    let needle = format!("--remote=punix:{}", socket.display());
    let dir = std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))?;
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let mut args = cmdline.split(|b| *b == 0).map(String::from_utf8_lossy);
        let is_server = args.next().is_some_and(|a| a.ends_with("ovsdb-server"));
        if is_server && args.any(|a| a == needle) {
            return Ok(pid);
        }
    }
    Err(format!("no ovsdb-server with {needle}"))
}

/// User + system CPU seconds `pid` has used so far.
pub fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    let ticks = parse_cpu_ticks(&stat).ok_or_else(|| format!("bad /proc/{pid}/stat: {stat}"))?;
    Ok(ticks as f64 / clock_ticks())
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line. The command name (field 2)
/// may contain spaces and parentheses, so fields are counted after its last `)`.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11); // field 3 is the first after ')'
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// Measures the CPU `pid` uses while `f` runs: (f's result, server CPU seconds).
pub fn with_server_cpu<T>(
    pid: u32,
    f: impl FnOnce() -> Result<T, String>,
) -> Result<(T, f64), String> {
    let before = cpu_seconds(pid)?;
    let value = f()?;
    let after = cpu_seconds(pid)?;
    Ok((value, after - before))
}

/// The ovsdb-server of a sandbox: its process and its socket.
#[derive(Debug, Clone)]
pub struct Served {
    /// The server's pid.
    pub pid: u32,
    /// Its unix socket.
    pub socket: std::path::PathBuf,
}

impl Served {
    /// The server serving `sandbox`.
    pub fn of(sandbox: &Sandbox) -> Result<Served, String> {
        Ok(Served {
            pid: server_pid(sandbox)?,
            socket: sandbox.socket().to_path_buf(),
        })
    }

    /// Makes the server finish what earlier clients left it, then waits until it is idle.
    ///
    /// ovsdb-server frees much of a departed client's state (the C tools' whole-database
    /// monitor) only when it next has something to do: measured here, the first request
    /// after an `ovs-vsctl` run on 2,000 ports costs the server 9-14 ms of CPU, whoever
    /// sends it. An `echo` on a connection of our own takes that cost before the measured
    /// run starts, then [`settle`] waits for the server to go quiet.
    pub fn settle(&self) -> Result<(), String> {
        use std::io::{Read, Write};
        let what = |e: std::io::Error| format!("{}: {e}", self.socket.display());
        let mut conn = std::os::unix::net::UnixStream::connect(&self.socket).map_err(what)?;
        conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .map_err(what)?;
        conn.write_all(br#"{"id":0,"method":"echo","params":[]}"#)
            .map_err(what)?;
        let mut reply = Vec::new();
        let mut chunk = [0u8; 256];
        while !reply.ends_with(b"}") {
            let n = conn.read(&mut chunk).map_err(what)?;
            if n == 0 {
                return Err(format!(
                    "{}: closed before the echo reply",
                    self.socket.display()
                ));
            }
            reply.extend_from_slice(&chunk[..n]);
        }
        drop(conn);
        settle(self.pid)
    }
}

/// Waits until `pid` is idle: its scheduler run time (`/proc/<pid>/schedstat`, in
/// nanoseconds) has not moved, and it was not waiting for a CPU, for three polls 2 ms
/// apart; or 2 s have passed.
///
/// The C tools keep a whole-database monitor; after one exits, ovsdb-server spends several
/// milliseconds tearing it down. A run started in that window waits for it, so without this
/// step each side's measurement would include the other side's clean-up.
pub fn settle(pid: u32) -> Result<(), String> {
    let path = format!("/proc/{pid}/schedstat");
    let run_time = || -> Result<u64, String> {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        text.split_whitespace()
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("bad {path}: {text}"))
    };
    // A runnable process waiting for a CPU uses none meanwhile, but it is not idle.
    let runnable = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                let rest = &stat[stat.rfind(')')? + 1..];
                rest.split_whitespace().next().map(|state| state == "R")
            })
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let mut last = run_time()?;
    let mut quiet = 0;
    while quiet < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
        let now = run_time()?;
        quiet = if now == last && !runnable() {
            quiet + 1
        } else {
            0
        };
        last = now;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stat_line_with_a_tricky_name() {
        let line = "1234 (ovsdb) server) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 17 0 0 20 0 1 0";
        assert_eq!(parse_cpu_ticks(line), Some(267));
    }

    #[test]
    fn settles_on_an_idle_process_and_not_on_a_busy_one() {
        let waited_for = |program: &str, args: &[&str]| {
            let mut child = std::process::Command::new(program)
                .args(args)
                .spawn()
                .expect(program);
            let started = std::time::Instant::now();
            settle(child.id()).expect("settle");
            let waited = started.elapsed();
            let _ = child.kill();
            let _ = child.wait();
            waited
        };
        let idle = waited_for("sleep", &["5"]);
        assert!(idle < std::time::Duration::from_secs(1), "{idle:?}");
        let busy = waited_for("sh", &["-c", "while :; do :; done"]);
        assert!(busy >= std::time::Duration::from_millis(1900), "{busy:?}");
    }

    #[test]
    fn settling_a_real_server_answers_its_echo() {
        let sb = Sandbox::start(&[crate::tools::NB_SCHEMA]).expect("start ovsdb-server");
        let served = Served::of(&sb).expect("the sandbox's server");
        served.settle().expect("settle");
        let gone = Served {
            pid: served.pid,
            socket: sb.dir().join("no-such.sock"),
        };
        assert!(gone.settle().is_err());
    }

    #[test]
    fn own_cpu_is_readable() {
        let me = std::process::id();
        assert!(cpu_seconds(me).expect("own stat") >= 0.0);
    }
}
