//! CLI latency, side by side: our drop-in tool against the C one, each command run several
//! times interleaved (ours, theirs, ours, ...), each run measured with [`crate::child`] and
//! started only once the server is idle again.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::child::{self, Measured};
use crate::report::{fmt_ratio, Table};
use crate::server;
use crate::stats::Summary;

/// Two programs that take the same command lines.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Ours (rnbctl, rvsctl).
    pub ours: PathBuf,
    /// The C tool (ovn-nbctl, ovs-vsctl).
    pub theirs: PathBuf,
    /// Options given to both before the command (e.g. `--db=...`, `--no-wait`).
    pub options: Vec<String>,
    /// The ovsdb-server both talk to: each run starts once it has done the clean-up the
    /// previous run left and is idle (see [`crate::server::settle`]), so no run pays for
    /// the one before.
    pub server: Option<server::Served>,
}

impl Pair {
    fn name(p: &Path) -> String {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Our program's file name.
    pub fn ours_name(&self) -> String {
        Self::name(&self.ours)
    }

    /// Their program's file name.
    pub fn theirs_name(&self) -> String {
        Self::name(&self.theirs)
    }
}

/// One command line to measure; `{i}` in an argument becomes a token unique to the run and
/// side, so writes (lsp-add then lsp-del) do not collide.
#[derive(Debug, Clone)]
pub struct Case {
    /// What the table calls it.
    pub name: String,
    /// The arguments after the options.
    pub args: Vec<String>,
}

impl Case {
    /// A case whose arguments are `line` split at spaces.
    pub fn new(name: &str, line: &str) -> Case {
        Case {
            name: name.to_string(),
            args: line.split(' ').map(String::from).collect(),
        }
    }
}

/// The measurements of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Our runs.
    pub ours: Vec<Measured>,
    /// Their runs.
    pub theirs: Vec<Measured>,
}

impl CaseResult {
    /// Median wall time, theirs / ours.
    pub fn speedup(&self) -> f64 {
        median(&self.theirs, |m| m.wall) / median(&self.ours, |m| m.wall)
    }
}

fn median(v: &[Measured], f: impl Fn(&Measured) -> f64) -> f64 {
    Summary::of(&v.iter().map(f).collect::<Vec<_>>()).median
}

/// Runs every case `runs` times on both sides, interleaved.
pub fn run_suite(pair: &Pair, runs: usize, cases: &[Case]) -> Result<Vec<CaseResult>, String> {
    let mut results = Vec::new();
    for case in cases {
        let mut r = CaseResult {
            name: case.name.clone(),
            ours: Vec::new(),
            theirs: Vec::new(),
        };
        for i in 0..runs {
            for (side, program) in [("ours", &pair.ours), ("theirs", &pair.theirs)] {
                let args: Vec<String> = case
                    .args
                    .iter()
                    .map(|a| a.replace("{i}", &format!("{side}-{i}")))
                    .collect();
                if let Some(served) = &pair.server {
                    served.settle()?;
                }
                let m = child::run(Command::new(program).args(&pair.options).args(&args))?;
                if side == "ours" {
                    r.ours.push(m);
                } else {
                    r.theirs.push(m);
                }
            }
        }
        results.push(r);
    }
    Ok(results)
}

/// The OVN_Northbound commands: on switch `switch`, port `port`, and a port whose
/// `external_ids:iface-id-ver` is `version`.
pub fn nb_cases(switch: &str, port: &str, version: &str) -> Vec<Case> {
    vec![
        Case::new("lsp-add", &format!("lsp-add {switch} bench-port-{{i}}")),
        Case::new("lsp-del", "lsp-del bench-port-{i}"),
        Case::new("lsp-list", &format!("lsp-list {switch}")),
        Case::new("lsp-get-addresses", &format!("lsp-get-addresses {port}")),
        Case::new("lsp-get-up", &format!("lsp-get-up {port}")),
        Case::new(
            "find by external_ids key",
            &format!(
                "--data=bare --no-headings --columns=_uuid find Logical_Switch_Port external_ids:iface-id-ver={version}"
            ),
        ),
        Case::new("ls-list", "ls-list"),
        Case::new("show", "show"),
    ]
}

/// The Open_vSwitch commands, on bridge `br-int` and the port / interface `port` whose
/// `external_ids:iface-id` is `iface_id`.
pub fn vs_cases(port: &str, iface_id: &str) -> Vec<Case> {
    vec![
        Case::new("add-port", "add-port br-int bench-port-{i}"),
        Case::new("del-port", "del-port br-int bench-port-{i}"),
        Case::new("list-ports", "list-ports br-int"),
        Case::new(
            "get",
            &format!("get Interface {port} external_ids:iface-id"),
        ),
        Case::new(
            "find",
            &format!("--bare --columns=name find Interface external_ids:iface-id={iface_id}"),
        ),
        Case::new("show", "show"),
    ]
}

/// A Markdown table of `results`: medians with min–max, CPU, peak RSS, speed-up.
pub fn table(pair: &Pair, results: &[CaseResult]) -> String {
    let (o, t) = (pair.ours_name(), pair.theirs_name());
    let mut table = Table::new(&[
        "command",
        &format!("{t} wall s (min / med / max)"),
        &format!("{o} wall s (min / med / max)"),
        "speed-up",
        &format!("{t} CPU s (med)"),
        &format!("{o} CPU s (med)"),
        &format!("{t} peak RSS MiB"),
        &format!("{o} peak RSS MiB"),
    ]);
    for r in results {
        let wall = |v: &[Measured]| Summary::of(&v.iter().map(|m| m.wall).collect::<Vec<_>>());
        let rss = |v: &[Measured]| v.iter().map(Measured::rss_mib).fold(0.0, f64::max);
        table.row(vec![
            r.name.clone(),
            wall(&r.theirs).show(4),
            wall(&r.ours).show(4),
            fmt_ratio(r.speedup()),
            format!("{:.4}", median(&r.theirs, |m| m.cpu)),
            format!("{:.4}", median(&r.ours, |m| m.cpu)),
            format!("{:.1}", rss(&r.theirs)),
            format!("{:.1}", rss(&r.ours)),
        ]);
    }
    table.render()
}
