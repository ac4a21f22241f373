//! Measurement 3: single-row inserts (Logical_Switch rows) into a fresh NB database, per
//! client, with the server's CPU time during the run as the ceiling.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use ovsdb::testing::Sandbox;

use crate::chart::Bar;
use crate::child::{self, Measured};
use crate::config::Config;
use crate::report::{fmt_ratio, verdict, Table};
use crate::server;
use crate::stats::Summary;
use crate::tools::{Tools, NB_SCHEMA};

/// One run of one client.
#[derive(Debug, Clone)]
pub struct TxnSample {
    /// Rows inserted.
    pub rows: u64,
    /// Seconds spent inserting (measured by the client, after connecting; for the CLI loops,
    /// the loop's wall time).
    pub secs: f64,
    /// Client CPU seconds (whole process; summed over the calls for the CLI loops).
    pub client_cpu: f64,
    /// Client peak RSS, MiB (largest call for the CLI loops).
    pub client_rss_mib: f64,
    /// ovsdb-server CPU seconds during the run.
    pub server_cpu: f64,
}

impl TxnSample {
    /// Rows per second.
    pub fn rate(&self) -> f64 {
        self.rows as f64 / self.secs
    }
}

/// All runs of all clients: (name, samples).
#[derive(Debug, Clone, Default)]
pub struct TxnResult {
    /// Per client.
    pub clients: Vec<(String, Vec<TxnSample>)>,
    /// Our window.
    pub window: u64,
}

/// Where each client's samples are in [`TxnResult::clients`].
const OURS: usize = 0;
const OURS_ONE_SESSION: usize = 1;
const PYTHON: usize = 2;
const OVN_NBCTL: usize = 3;
const RNBCTL: usize = 4;

fn fresh() -> Result<(Sandbox, u32), String> {
    let sb = Sandbox::start(&[NB_SCHEMA]).map_err(|e| e.to_string())?;
    let pid = server::server_pid(&sb)?;
    Ok((sb, pid))
}

fn from_child(m: &Measured, server_cpu: f64) -> Result<TxnSample, String> {
    let r = m.report()?;
    Ok(TxnSample {
        rows: r["count"].as_u64().unwrap_or(0),
        secs: r["secs"].as_f64().unwrap_or(f64::NAN),
        client_cpu: m.cpu,
        client_rss_mib: m.rss_mib(),
        server_cpu,
    })
}

/// `calls` sequential `PROGRAM --db=R --no-wait ls-add NAME-i`.
fn cli_loop(program: &Path, remote: &str, calls: u64, name: &str) -> Result<TxnSample, String> {
    let started = Instant::now();
    let (mut cpu, mut rss) = (0.0, 0.0f64);
    for i in 0..calls {
        let m = child::run(
            Command::new(program)
                .arg(format!("--db={remote}"))
                .arg("--no-wait")
                .arg("ls-add")
                .arg(format!("{name}-{i}")),
        )?;
        cpu += m.cpu;
        rss = rss.max(m.rss_mib());
    }
    Ok(TxnSample {
        rows: calls,
        secs: started.elapsed().as_secs_f64(),
        client_cpu: cpu,
        client_rss_mib: rss,
        server_cpu: 0.0,
    })
}

/// Runs every client `config.runs` times, interleaved, each on a fresh database.
pub fn run(tools: &Tools, config: &Config) -> Result<TxnResult, String> {
    let mut names = vec![String::new(); 5];
    names[OURS] = format!(
        "**ours**: {} pipelined `transact`, {} in flight, over {} sessions (`Client`s) of one process",
        config.txns, config.window, config.sessions
    );
    names[OURS_ONE_SESSION] = format!(
        "ours on one session: {} pipelined `transact`, {} in flight",
        config.txns, config.window
    );
    names[PYTHON] = format!(
        "python-ovs IDL: {} x `commit_block` (one txn at a time)",
        config.python_txns
    );
    names[OVN_NBCTL] = format!(
        "`ovn-nbctl --no-wait ls-add` loop, {} calls",
        config.cli_calls
    );
    names[RNBCTL] = format!("`rnbctl --no-wait ls-add` loop, {} calls", config.cli_calls);
    let mut samples: Vec<Vec<TxnSample>> = vec![Vec::new(); names.len()];
    for run in 0..config.runs {
        eprintln!("  txn run {}/{}", run + 1, config.runs);
        for (i, sample) in samples.iter_mut().enumerate() {
            let (sb, pid) = fresh()?;
            let remote = sb.remote();
            let ours = |sessions: u64| {
                from_child(
                    &child::run(&mut tools.child(
                        "txn-burst",
                        &[
                            &remote,
                            &config.txns.to_string(),
                            &config.window.to_string(),
                            &sessions.to_string(),
                            "ours",
                        ],
                    ))?,
                    0.0,
                )
            };
            let (mut s, cpu) = server::with_server_cpu(pid, || match i {
                OURS => ours(config.sessions),
                OURS_ONE_SESSION => ours(1),
                PYTHON => from_child(
                    &child::run(&mut tools.python(
                        "idl_txn.py",
                        &[&remote, NB_SCHEMA, &config.python_txns.to_string(), "py"],
                    ))?,
                    0.0,
                ),
                OVN_NBCTL => cli_loop(&tools.ovn_nbctl, &remote, config.cli_calls, "nbctl"),
                _ => cli_loop(&tools.rnbctl, &remote, config.cli_calls, "rnbctl"),
            })?;
            s.server_cpu = cpu;
            sample.push(s);
        }
    }
    Ok(TxnResult {
        clients: names.into_iter().zip(samples).collect(),
        window: config.window,
    })
}

impl TxnResult {
    fn median_rate(&self, i: usize) -> f64 {
        self.clients.get(i).map_or(f64::NAN, |(_, v)| {
            Summary::of(&v.iter().map(TxnSample::rate).collect::<Vec<_>>()).median
        })
    }

    /// The section as Markdown.
    pub fn markdown(&self) -> String {
        let mut t = Table::new(&[
            "client",
            "rows/s (min / med / max)",
            "client CPU s (med)",
            "client CPU ms per row",
            "client peak RSS MiB",
            "server CPU s (med)",
            "server ceiling rows/s (rows / server CPU)",
            "time for 10,000 rows at median rate, s",
        ]);
        for (name, v) in &self.clients {
            let s =
                |f: &dyn Fn(&TxnSample) -> f64| Summary::of(&v.iter().map(f).collect::<Vec<_>>());
            let rate = s(&TxnSample::rate).median;
            t.row(vec![
                name.clone(),
                s(&TxnSample::rate).show(0),
                format!("{:.3}", s(&|x| x.client_cpu).median),
                format!("{:.3}", s(&|x| x.client_cpu * 1e3 / x.rows as f64).median),
                format!(
                    "{:.1}",
                    v.iter().map(|x| x.client_rss_mib).fold(0.0, f64::max)
                ),
                format!("{:.3}", s(&|x| x.server_cpu).median),
                format!("{:.0}", s(&|x| x.rows as f64 / x.server_cpu).median),
                format!("{:.1}", 10_000.0 / rate),
            ]);
        }
        let vs_python = self.median_rate(OURS) / self.median_rate(PYTHON);
        format!(
            "Each run on a fresh database; runs interleaved. rows/s is measured by the client \
             from its first request to its last reply (after connecting and the initial sync); \
             for the CLI loops it is calls / wall time of the whole loop (each call a process). \
             The python IDL does fewer rows per run; its rate is what it sustains (the last \
             column scales every client to 10,000 rows). The server ceiling is what the server \
             could do if it did nothing but this client's work; it depends on how the client \
             feeds it: ovsdb-server reads one request per session per turn of its main loop, so \
             over one session every transaction pays a whole turn, and over several sessions the \
             turns are shared.\n\n{}\n\
             Goal: ours >= 10x the python IDL: {} ({}).\n",
            t.render(),
            fmt_ratio(vs_python),
            verdict(vs_python >= 10.0),
        )
    }

    /// Chart bars.
    pub fn bars(&self) -> Vec<Bar> {
        let ours = self.median_rate(OURS);
        vec![
            Bar {
                label: "ours rows/s / python IDL".into(),
                value: ours / self.median_rate(PYTHON),
                goal: Some(10.0),
            },
            Bar {
                label: "ours rows/s / ovn-nbctl loop".into(),
                value: ours / self.median_rate(OVN_NBCTL),
                goal: None,
            },
            Bar {
                label: "rnbctl loop / ovn-nbctl loop".into(),
                value: self.median_rate(RNBCTL) / self.median_rate(OVN_NBCTL),
                goal: Some(1.0),
            },
        ]
    }
}
