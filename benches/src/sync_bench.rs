//! Measurement 1: a full replica of the large NB database, time until ready. Peers run
//! interleaved: the floor (braces only), ours, the python-ovs IDL, `ovn-nbctl show`.

use ovsdb::testing::Sandbox;

use crate::chart::Bar;
use crate::child::{self, Measured};
use crate::report::{fmt_ratio, verdict, Table};
use crate::stats::Summary;
use crate::tools::{Tools, NB_SCHEMA};

/// All runs of all clients.
#[derive(Debug, Clone, Default)]
pub struct SyncResult {
    /// The brace-counting floor.
    pub floor: Vec<Measured>,
    /// Ours (`Client::replicate`).
    pub ours: Vec<Measured>,
    /// python-ovs IDL.
    pub python: Vec<Measured>,
    /// `ovn-nbctl show`.
    pub show: Vec<Measured>,
    /// Rows in the database.
    pub rows: u64,
    /// Size of the monitor_cond_since reply, bytes.
    pub reply_bytes: u64,
}

fn med(v: &[Measured], f: impl Fn(&Measured) -> f64) -> f64 {
    Summary::of(&v.iter().map(f).collect::<Vec<_>>()).median
}

fn num(m: &Measured, key: &str) -> f64 {
    m.report()
        .ok()
        .and_then(|r| r[key].as_f64())
        .unwrap_or(f64::NAN)
}

/// Runs every client `runs` times, interleaved, on `sandbox` holding `rows` rows.
pub fn run(tools: &Tools, sandbox: &Sandbox, rows: u64, runs: usize) -> Result<SyncResult, String> {
    let remote = sandbox.remote();
    let socket = sandbox.socket().display().to_string();
    let expected = rows.to_string();
    let mut r = SyncResult {
        rows,
        ..SyncResult::default()
    };
    for i in 0..runs {
        eprintln!("  sync run {}/{runs}", i + 1);
        let floor = child::run(&mut tools.child("floor", &[&socket, "OVN_Northbound"]))?;
        r.reply_bytes = floor.report()?["bytes"].as_u64().unwrap_or(0);
        r.floor.push(floor);
        r.ours.push(child::run(
            &mut tools.child("replica-sync", &[&remote, &expected]),
        )?);
        r.python.push(child::run(
            &mut tools.python("idl_sync.py", &[&remote, NB_SCHEMA, &expected]),
        )?);
        r.show.push(child::run(
            std::process::Command::new(&tools.ovn_nbctl)
                .arg(format!("--db={remote}"))
                .arg("show"),
        )?);
    }
    Ok(r)
}

impl SyncResult {
    /// Median wall time of ours over the floor's.
    pub fn ours_over_floor(&self) -> f64 {
        med(&self.ours, |m| m.wall) / med(&self.floor, |m| m.wall)
    }

    /// Median CPU of python over ours.
    pub fn python_cpu_over_ours(&self) -> f64 {
        med(&self.python, |m| m.cpu) / med(&self.ours, |m| m.cpu)
    }

    /// Per run, ours over the floor in wall time and python over ours in CPU: the clients of
    /// one run are measured back to back, so these show how much of the spread is the machine.
    fn per_run(&self) -> (Vec<f64>, Vec<f64>) {
        let ratios = |a: &[Measured], b: &[Measured], f: fn(&Measured) -> f64| {
            a.iter().zip(b).map(|(x, y)| f(x) / f(y)).collect()
        };
        (
            ratios(&self.ours, &self.floor, |m| m.wall),
            ratios(&self.python, &self.ours, |m| m.cpu),
        )
    }

    /// Our largest peak RSS, MiB.
    pub fn ours_peak_mib(&self) -> f64 {
        self.ours.iter().map(Measured::rss_mib).fold(0.0, f64::max)
    }

    /// The section as Markdown.
    pub fn markdown(&self) -> String {
        let floor_wall = med(&self.floor, |m| m.wall);
        let mut t = Table::new(&[
            "client",
            "wall s (min / med / max)",
            "CPU s user+sys (min / med / max)",
            "peak RSS MiB (min / med / max)",
            "wall / floor",
        ]);
        for (name, v) in [
            (
                "floor: count braces of the reply (ours, raw socket)",
                &self.floor,
            ),
            ("**ours**: `Client::replicate`, all tables", &self.ours),
            ("python-ovs IDL, `register_all`", &self.python),
            ("`ovn-nbctl show` (C IDL, whole db)", &self.show),
        ] {
            let s =
                |f: &dyn Fn(&Measured) -> f64| Summary::of(&v.iter().map(f).collect::<Vec<_>>());
            t.row(vec![
                name.into(),
                s(&|m| m.wall).show(3),
                s(&|m| m.cpu).show(3),
                s(&|m| m.rss_mib()).show(1),
                fmt_ratio(med(v, |m| m.wall) / floor_wall),
            ]);
        }
        let ratio = self.ours_over_floor();
        let cpu = self.python_cpu_over_ours();
        let peak = self.ours_peak_mib();
        let ready = med(&self.ours, |m| num(m, "ready_secs"));
        let connected = med(&self.ours, |m| num(m, "connected_secs"));
        let (wall_runs, cpu_runs) = self.per_run();
        let list = |v: &[f64]| {
            let parts: Vec<String> = v.iter().map(|x| fmt_ratio(*x)).collect();
            format!(
                "{} (median {})",
                parts.join(", "),
                fmt_ratio(Summary::of(v).median)
            )
        };
        format!(
            "{} rows, monitor_cond_since reply of {:.1} MB. Wall and CPU are the whole child \
             process (start to exit, right after the data is in); CPU and peak RSS from \
             `wait4`. Ours alone: connected (incl. `_Server` and `get_schema`) after {connected:.3} s, \
             replica ready after {ready:.3} s (medians, measured inside the child).\n\n{}\n\
             Goals: ours / floor wall {} (goal <= 1.2x): {}; python CPU / ours CPU {} (goal >= 30x): {}; \
             ours peak RSS {peak:.1} MiB (goal < 100 MB): {}.\n\n\
             The same ratios run by run (each run measures the clients back to back): ours / \
             floor wall {}; python CPU / ours CPU {}.\n",
            self.rows,
            self.reply_bytes as f64 / 1e6,
            t.render(),
            fmt_ratio(ratio),
            verdict(ratio <= 1.2),
            fmt_ratio(cpu),
            verdict(cpu >= 30.0),
            verdict(peak * 1.048576 < 100.0),
            list(&wall_runs),
            list(&cpu_runs),
        )
    }

    /// Chart bars (ratios where more means ours is better).
    pub fn bars(&self) -> Vec<Bar> {
        let r = |a: &[Measured], b: &[Measured], f: fn(&Measured) -> f64| med(a, f) / med(b, f);
        vec![
            Bar {
                label: "floor wall / ours wall".into(),
                value: 1.0 / self.ours_over_floor(),
                goal: Some(1.0 / 1.2),
            },
            Bar {
                label: "python IDL wall / ours".into(),
                value: r(&self.python, &self.ours, |m| m.wall),
                goal: None,
            },
            Bar {
                label: "python IDL CPU / ours".into(),
                value: self.python_cpu_over_ours(),
                goal: Some(30.0),
            },
            Bar {
                label: "python IDL peak RSS / ours".into(),
                value: r(&self.python, &self.ours, Measured::rss_mib),
                goal: None,
            },
            Bar {
                label: "ovn-nbctl show wall / ours".into(),
                value: r(&self.show, &self.ours, |m| m.wall),
                goal: None,
            },
        ]
    }

    /// Memory per row of ours (RSS after sync minus before, over rows) and of python (peak RSS
    /// over rows), as Markdown lines.
    pub fn memory_markdown(&self) -> String {
        let kib = |m: &Measured, k: &str| num(m, k);
        let per_row = |k: &str| {
            med(&self.ours, |m| {
                (kib(m, k) - kib(m, "rss_before_kib")) * 1024.0 / self.rows as f64
            })
        };
        let python = med(&self.python, |m| {
            m.max_rss_kib as f64 * 1024.0 / self.rows as f64
        });
        let mut t = Table::new(&["replica", "bytes per row", "total MiB"]);
        let total = |b: f64| format!("{:.1}", b * self.rows as f64 / 1048576.0);
        let a = per_row("rss_after_kib");
        let b = per_row("rss_trimmed_kib");
        t.row(vec![
            "ours: RSS after sync - RSS before the monitor".into(),
            format!("{a:.0}"),
            total(a),
        ]);
        t.row(vec![
            "ours: the same after `malloc_trim(0)` (what the replica keeps)".into(),
            format!("{b:.0}"),
            total(b),
        ]);
        t.row(vec![
            "python-ovs IDL: peak RSS of the process / rows (upper bound)".into(),
            format!("{python:.0}"),
            total(python),
        ]);
        t.render()
    }
}
