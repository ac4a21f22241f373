//! CLI latency, side by side: `rnbctl` against the installed `ovn-nbctl`, on an empty
//! OVN_Northbound and on one of 1,000 switches x 100 ports (101,000 rows), each command run
//! several times interleaved, wall time and peak memory (`/usr/bin/time -f "%e %M"`).
//!
//! ```sh
//! cargo build --release -p bins && cargo run --release -p benches --bin cli-compare
//! ```
//!
//! Writes a Markdown table to stdout and to `target/bench-report/cli.md`. Optional arguments:
//! `SWITCHES PORTS RUNS` (default 1000 100 5).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use benches::nb_data;
use benches::raw::RawConnection;
use ovsdb::testing::Sandbox;

/// One measurement: seconds and peak resident memory in KiB.
#[derive(Debug, Clone, Copy)]
struct Sample {
    secs: f64,
    max_rss_kib: u64,
}

/// Runs `program ARGS` under `/usr/bin/time` and reads its report (the last stderr line).
fn measure(program: &Path, remote: &str, args: &[String]) -> Result<Sample, String> {
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %M")
        .arg(program)
        .arg(format!("--db={remote}"))
        .args(args)
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or("");
    let max_rss_kib = last
        .split_whitespace()
        .nth(1)
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("no time report in: {stderr}"))?;
    let status = out.status;
    if !status.success() {
        return Err(format!("{} {:?} failed: {stderr}", program.display(), args));
    }
    Ok(Sample { secs, max_rss_kib })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The command lines measured; `{i}` is replaced by the run number so writes do not collide.
fn commands(switch: &str, port: &str, iface_version: &str) -> Vec<(String, Vec<String>)> {
    let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<String>>();
    vec![
        ("lsp-add".into(), w(&format!("lsp-add {switch} bench-port-{{i}}"))),
        ("lsp-del".into(), w("lsp-del bench-port-{i}")),
        ("lsp-list".into(), w(&format!("lsp-list {switch}"))),
        ("lsp-get-addresses".into(), w(&format!("lsp-get-addresses {port}"))),
        ("lsp-get-up".into(), w(&format!("lsp-get-up {port}"))),
        (
            "find by external_ids key".into(),
            w(&format!(
                "--data=bare --no-headings --columns=_uuid find Logical_Switch_Port external_ids:iface-id-ver={iface_version}"
            )),
        ),
        ("ls-list".into(), w("ls-list")),
        ("show".into(), w("show")),
    ]
}

struct Row {
    name: String,
    ours: Vec<Sample>,
    theirs: Vec<Sample>,
}

fn run_suite(
    ours: &Path,
    theirs: &Path,
    remote: &str,
    runs: usize,
    cmds: &[(String, Vec<String>)],
) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    // lsp-add and lsp-del pair up: each run adds then deletes its own port.
    for (name, args) in cmds {
        let mut row = Row {
            name: name.clone(),
            ours: Vec::new(),
            theirs: Vec::new(),
        };
        let runs_here = if name == "show" { runs.min(3) } else { runs };
        for i in 0..runs_here {
            for (side, program) in [("ours", ours), ("theirs", theirs)] {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| a.replace("{i}", &format!("{side}-{i}")))
                    .collect();
                let sample = measure(program, remote, &args)?;
                if side == "ours" {
                    row.ours.push(sample);
                } else {
                    row.theirs.push(sample);
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

fn table(title: &str, rows: &[Row]) -> String {
    let mut s = format!(
        "### {title}\n\n| command | ovn-nbctl median (s) | rnbctl median (s) | speed-up | ovn-nbctl peak RSS (MiB) | rnbctl peak RSS (MiB) |\n|---|---:|---:|---:|---:|---:|\n"
    );
    for r in rows {
        let t = median(r.theirs.iter().map(|x| x.secs).collect());
        let o = median(r.ours.iter().map(|x| x.secs).collect());
        let tm = r.theirs.iter().map(|x| x.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0;
        let om = r.ours.iter().map(|x| x.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0;
        s.push_str(&format!(
            "| {} | {t:.4} | {o:.4} | {:.1}x | {tm:.1} | {om:.1} |\n",
            r.name,
            t / o
        ));
    }
    s
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let switches: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let ports: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let ours = workspace.join("target/release/rnbctl");
    if !ours.exists() {
        return Err(format!(
            "{} is missing: cargo build --release -p bins first",
            ours.display()
        ));
    }
    let theirs = PathBuf::from("/usr/bin/ovn-nbctl");
    let schema = "/usr/share/ovn/ovn-nb.ovsschema";

    let empty = Sandbox::start(&[schema]).map_err(|e| e.to_string())?;
    Command::new(&theirs)
        .arg(format!("--db={}", empty.remote()))
        .args(["ls-add", "node-0", "--", "lsp-add", "node-0", "ns0_pod-0"])
        .status()
        .map_err(|e| e.to_string())?;
    let small = run_suite(
        &ours,
        &theirs,
        &empty.remote(),
        runs,
        &commands("node-0", "ns0_pod-0", "none"),
    )?;

    let big = Sandbox::start(&[schema]).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut conn = RawConnection::connect(big.socket()).map_err(|e| e.to_string())?;
    nb_data::populate(&mut conn, switches, ports).map_err(|e| e.to_string())?;
    eprintln!(
        "filled {switches} x {ports} in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let s = switches / 2;
    let version = nb_data::port_uuid(s, ports / 2).to_string();
    let port = format!("ns{s}_pod-{}", ports / 2);
    let large = run_suite(
        &ours,
        &theirs,
        &big.remote(),
        runs,
        &commands(&format!("node-{s}"), &port, &version),
    )?;

    let report = format!(
        "## CLI latency: rnbctl vs ovn-nbctl 23.03 (same machine, same run, {runs} runs each, interleaved)\n\n{}\n{}",
        table("nearly empty database (1 switch, 1 port)", &small),
        table(&format!("{switches} switches x {ports} ports ({} rows)", switches * (ports + 1)), &large),
    );
    print!("{report}");
    let dir = workspace.join("target/bench-report");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("cli.md"), &report).map_err(|e| e.to_string())?;
    Ok(())
}
