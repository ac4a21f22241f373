//! CLI latency alone, side by side: `rnbctl` against `ovn-nbctl`, on a nearly empty
//! OVN_Northbound and on one of 1,000 switches x 100 ports (101,000 rows), and `rvsctl`
//! against `ovs-vsctl` (1 and 2,000 ports), each command run several times interleaved.
//! (`compare` runs the same suites among its other measurements.)
//!
//! ```sh
//! cargo build --release -p bins && cargo run --release -p benches --bin cli-compare
//! ```
//!
//! Writes Markdown to stdout and to `target/bench-report/cli.md`. Optional arguments:
//! `SWITCHES PORTS RUNS VS_PORTS` (default 1000 100 5 2000).

use std::time::Instant;

use benches::raw::RawConnection;
use benches::tools::{self, Tools, NB_SCHEMA};
use benches::{cli_bench, nb_data};
use ovsdb::testing::Sandbox;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("launch") {
        std::process::exit(benches::child::launch(&args[1..])?);
    }
    let arg = |i: usize, default: u32| {
        args.get(i)
            .map(|a| {
                a.parse::<u32>()
                    .map_err(|e| format!("argument {}: {e}", i + 1))
            })
            .unwrap_or(Ok(default))
    };
    let (switches, ports, runs, vs_ports) =
        (arg(0, 1000)?, arg(1, 100)?, arg(2, 5)?, arg(3, 2000)?);
    let tools = Tools::locate()?;
    benches::child::set_launcher(std::env::current_exe().map_err(|e| e.to_string())?);
    let big = Sandbox::start(&[NB_SCHEMA]).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut conn = RawConnection::connect(big.socket()).map_err(|e| e.to_string())?;
    nb_data::populate(&mut conn, switches, ports).map_err(|e| e.to_string())?;
    eprintln!(
        "filled {switches} x {ports} in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let suites = cli_bench::run(&tools, &big, switches, ports, vs_ports, runs as usize)?;
    let mut report = format!(
        "## CLI latency ({runs} runs each, interleaved)\n\n{}\n",
        tools::environment()
    );
    for s in &suites {
        report.push_str(&s.markdown());
        report.push('\n');
    }
    print!("{report}");
    let dir = tools::workspace().join("target/bench-report");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("cli.md"), &report).map_err(|e| e.to_string())?;
    Ok(())
}
