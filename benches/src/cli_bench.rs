//! Measurement 4: the CLI suites (rnbctl vs ovn-nbctl, rvsctl vs ovs-vsctl) on nearly empty
//! and on large databases.

use std::process::Command;

use ovsdb::testing::Sandbox;

use crate::chart::{Bar, Section};
use crate::cli::{self, CaseResult, Pair};
use crate::nb_data;
use crate::raw::RawConnection;
use crate::report::{fmt_ratio, verdict};
use crate::server;
use crate::tools::{Tools, VS_SCHEMA};
use crate::vs_data;

/// One suite's results.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Its heading.
    pub title: String,
    /// The programs.
    pub pair: Pair,
    /// Per command.
    pub results: Vec<CaseResult>,
    /// The goal for the speed-up of each command, by its name.
    pub goal: Goal,
}

/// A suite's speed-up goal for a command, by the command's name.
pub type Goal = fn(&str) -> f64;

/// Nearly empty databases: nothing may be slower than the C tool.
fn never_slower(_: &str) -> f64 {
    1.0
}

/// rnbctl on the large NB database (issue 5): 20x for the commands orchestrators run per
/// port, 2x for `show`, and never slower for the rest (`ls-list` reads one column of 1,000
/// rows, as ovn-nbctl's IDL does).
fn nb_large_goal(command: &str) -> f64 {
    match command {
        "show" => 2.0,
        "ls-list" => 1.0,
        _ => 20.0,
    }
}

/// rvsctl on 2,000 ports (issue 6): 5x for add-port, del-port, get and find; never slower
/// for the whole-bridge listings.
fn vs_large_goal(command: &str) -> f64 {
    match command {
        "add-port" | "del-port" | "get" | "find" => 5.0,
        _ => 1.0,
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// An Open_vSwitch sandbox with br-int and `ports` ports.
pub fn vs_sandbox(ports: u32) -> Result<Sandbox, String> {
    let sb = Sandbox::start(&[VS_SCHEMA]).map_err(err)?;
    let mut conn = RawConnection::connect(sb.socket()).map_err(err)?;
    vs_data::populate(&mut conn, ports).map_err(err)?;
    Ok(sb)
}

/// Runs the NB suites (on a fresh nearly empty database and on `big`, which holds
/// `switches` x `ports`) and the Open_vSwitch suites (1 port and `vs_ports`).
pub fn run(
    tools: &Tools,
    big: &Sandbox,
    switches: u32,
    ports: u32,
    vs_ports: u32,
    runs: usize,
) -> Result<Vec<Suite>, String> {
    let nb = |sb: &Sandbox| -> Result<Pair, String> {
        Ok(Pair {
            ours: tools.rnbctl.clone(),
            theirs: tools.ovn_nbctl.clone(),
            options: vec![format!("--db={}", sb.remote())],
            server: Some(server::Served::of(sb)?),
        })
    };
    let vs = |sb: &Sandbox| -> Result<Pair, String> {
        Ok(Pair {
            ours: tools.rvsctl.clone(),
            theirs: tools.ovs_vsctl.clone(),
            options: vec![format!("--db={}", sb.remote()), "--no-wait".into()],
            server: Some(server::Served::of(sb)?),
        })
    };
    let mut suites = Vec::new();

    eprintln!("  CLI: nearly empty OVN_Northbound");
    let empty = Sandbox::start(&[crate::tools::NB_SCHEMA]).map_err(err)?;
    let out = Command::new(&tools.ovn_nbctl)
        .arg(format!("--db={}", empty.remote()))
        .args(["ls-add", "node-0", "--", "lsp-add", "node-0", "ns0_pod-0"])
        .output()
        .map_err(err)?;
    if !out.status.success() {
        return Err(format!(
            "ovn-nbctl ls-add: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let pair = nb(&empty)?;
    suites.push(Suite {
        title: "OVN_Northbound, nearly empty (1 switch, 1 port)".into(),
        results: cli::run_suite(&pair, runs, &cli::nb_cases("node-0", "ns0_pod-0", "none"))?,
        pair,
        goal: never_slower,
    });
    drop(empty);

    eprintln!("  CLI: large OVN_Northbound");
    let s = switches / 2;
    let version = nb_data::port_uuid(s, ports / 2).to_string();
    let port = format!("ns{s}_pod-{}", ports / 2);
    let pair = nb(big)?;
    suites.push(Suite {
        title: format!(
            "OVN_Northbound, {switches} switches x {ports} ports ({} rows)",
            u64::from(switches) * (u64::from(ports) + 1)
        ),
        results: cli::run_suite(
            &pair,
            runs,
            &cli::nb_cases(&format!("node-{s}"), &port, &version),
        )?,
        pair,
        goal: nb_large_goal,
    });

    let vs_suites: [(u32, Goal); 2] = [(1, never_slower), (vs_ports, vs_large_goal)];
    for (n, goal) in vs_suites {
        eprintln!("  CLI: Open_vSwitch with {n} ports");
        let sb = vs_sandbox(n)?;
        let pair = vs(&sb)?;
        let mid = n / 2;
        suites.push(Suite {
            title: format!("Open_vSwitch, br-int with {n} port(s)"),
            results: cli::run_suite(
                &pair,
                runs,
                &cli::vs_cases(&vs_data::port_name(mid), &vs_data::iface_id(mid)),
            )?,
            pair,
            goal,
        });
    }
    Ok(suites)
}

impl Suite {
    /// The suite as Markdown, with its goal line.
    pub fn markdown(&self) -> String {
        let goals: Vec<String> = self
            .results
            .iter()
            .map(|r| format!("{} {}", r.name, fmt_ratio((self.goal)(&r.name))))
            .collect();
        let below: Vec<String> = self
            .results
            .iter()
            .filter(|r| r.speedup() < (self.goal)(&r.name))
            .map(|r| format!("{} {}", r.name, fmt_ratio(r.speedup())))
            .collect();
        format!(
            "#### {}\n\n{}\nGoals (speed-up): {}: {}{}.\n",
            self.title,
            cli::table(&self.pair, &self.results),
            goals.join(", "),
            verdict(below.is_empty()),
            if below.is_empty() {
                String::new()
            } else {
                format!("; below: {}", below.join(", "))
            }
        )
    }

    /// The suite as a chart section.
    pub fn section(&self) -> Section {
        Section {
            title: format!(
                "CLI {} / {}: {}",
                self.pair.theirs_name(),
                self.pair.ours_name(),
                self.title
            ),
            bars: self
                .results
                .iter()
                .map(|r| Bar {
                    label: r.name.clone(),
                    value: r.speedup(),
                    goal: Some((self.goal)(&r.name)),
                })
                .collect(),
        }
    }
}
