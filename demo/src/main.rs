//! `demo`: both seed scenarios against a private, real OVN deployment, printed for people.
//!
//! It starts the deployment ([`OvnSandbox`]), builds the homelab and the ovn-kubernetes overlay
//! with `rnbctl` / `rvsctl` (found next to this executable, or in `$RNBCTL` / `$RVSCTL`), plugs
//! pods like a CNI, shows that OVN bound them, and prints `rnbctl show`, `rvsctl show`, the
//! southbound bindings and the homelab's host routes. Everything it started is stopped and
//! deleted when it ends, also on error, Ctrl-C or SIGTERM.

use std::process::ExitCode;

use demo::kubernetes::{self, PortState};
use demo::tools::{self, Tools};
use demo::{homelab, southbound, Result, CHASSIS};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::testing::ovn::Component;
use ovsdb::testing::OvnSandbox;

fn section(title: &str) {
    println!(
        "\n=== {title} {}\n",
        "=".repeat(76usize.saturating_sub(title.len()))
    );
}

fn version(program: &str) -> String {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{program} (version unknown)"))
}

/// Fails unless the pod's port is bound: up in the northbound database, flows installed.
fn require_bound(port: &str, state: &PortState) -> Result<()> {
    if state.up == "up" && state.ovn_installed == "\"true\"" {
        Ok(())
    } else {
        Err(format!("OVN did not take {port}: {state:?}").into())
    }
}

/// The bindings, without the patch ports between switches and routers (noise here).
fn print_bindings(bindings: &[southbound::Binding]) {
    let (patches, shown): (Vec<_>, Vec<_>) =
        bindings.iter().cloned().partition(|b| b.kind == "patch");
    print!("{}", southbound::table(&shown));
    println!(
        "({} patch ports between switches and routers not shown)",
        patches.len()
    );
}

/// What ovn-controller itself logged about claiming and releasing ports.
fn print_controller_says(ovn: &OvnSandbox) {
    println!("ovn-controller's log:");
    for line in ovn.log(Component::Controller).lines() {
        if line.contains("|binding|") {
            println!("  {line}");
        }
    }
}

async fn scenarios(ovn: &OvnSandbox, tools: &Tools<'_>) -> Result<()> {
    section("Scenario 1: an Incus-style homelab (uplink incusbr0, networks infra and kubernetes)");
    homelab::build(tools, CHASSIS)?;

    section("Scenario 2: an ovn-kubernetes overlay");
    kubernetes::build(tools)?;
    let local: Vec<_> = kubernetes::pods_on(CHASSIS).collect();
    for pod in &local {
        kubernetes::cni_add(tools, pod)?;
    }
    tools.note("\n# Wait until ovn-controller has bound the pods\n");
    kubernetes::wait_hv(tools)?;

    section("Did OVN take the pods?");
    for pod in &local {
        let state = kubernetes::observe(tools, pod)?;
        require_bound(&pod.port(), &state)?;
        println!(
            "\n  -> {}: lsp-get-up={}, ovn-installed={}, ofport={}\n",
            pod.port(),
            state.up,
            state.ovn_installed,
            state.ofport
        );
    }

    section("Southbound Port_Bindings (typed ovn-sb)");
    let sb = southbound::connect(&ovn.sb_remote()).await?;
    let bindings = southbound::bindings(&sb).await?;
    print_bindings(&bindings);
    for pod in &local {
        let port = pod.port();
        let claimed = bindings
            .iter()
            .any(|b| b.logical_port == port && b.chassis.as_deref() == Some(CHASSIS));
        if !claimed {
            return Err(format!("{port} is not bound to chassis {CHASSIS} in the SB").into());
        }
    }
    println!("\n(node2 has no ovn-controller in this sandbox, so its pod stays unbound.)\n");
    print_controller_says(ovn);

    section("CNI DEL of default/web-0");
    let gone = local[0];
    let deleted = kubernetes::cni_del(tools, gone)?;
    if deleted.repeated.code == Some(0) || deleted.if_exists.code != Some(0) {
        return Err(format!("unexpected repeated-DEL results: {deleted:?}").into());
    }
    kubernetes::wait_hv(tools)?;
    let state = kubernetes::observe(tools, gone)?;
    println!(
        "\n  -> {}: lsp-get-up={}, on br-int: {}\n",
        gone.port(),
        state.up,
        state.on_bridge
    );

    section("rnbctl show");
    tools.nbctl(&["show"])?;
    section("rvsctl show");
    tools.vsctl(&["show"])?;
    section("Southbound Port_Bindings after the DEL (typed ovn-sb)");
    print_bindings(&southbound::bindings(&sb).await?);
    println!();
    print_controller_says(ovn);

    section("What the homelab's host needs (derived from the NB database)");
    let nb = Client::connect(ClientOptions::new(&ovn.nb_remote())?.database(ovn_nb::NAME)).await?;
    let routes = homelab::host_routes(&nb).await?;
    println!("# Routes to the OVN networks, via each router's uplink address:");
    print!("{}", homelab::ip_route_lines(&routes));
    println!("\n# The same in netplan (e.g. /etc/netplan/60-ovn-routes.yaml):");
    print!("{}", homelab::netplan(&routes));
    Ok(())
}

async fn run() -> Result<()> {
    section("A private OVN deployment (real programs from Debian's packages)");
    let ovn = OvnSandbox::builder().chassis(CHASSIS).start()?;
    let tools = Tools::new(&ovn, true)?;
    println!("{}", version("ovn-controller"));
    println!("{}", version("ovs-vswitchd"));
    println!("directory   {}", ovn.dir().display());
    println!("northbound  {}", ovn.nb_remote());
    println!("southbound  {}", ovn.sb_remote());
    println!("vswitch db  {}", ovn.ovs_remote());
    println!("chassis     {} (geneve, 127.0.0.1)", ovn.chassis());
    println!("datapath    {}", ovn.datapath().describe());
    println!("rnbctl      {}", tools::locate("rnbctl")?.display());
    println!("rvsctl      {}", tools::locate("rvsctl")?.display());
    println!(
        "\nEvery rnbctl below runs with OVN_NB_DB={}",
        ovn.nb_remote()
    );
    println!("and every rvsctl with --db={}.", ovn.ovs_remote());

    let result = scenarios(&ovn, &tools).await;
    if let Err(e) = &result {
        eprintln!("\ndemo failed: {e}\n\nthe logs:\n{}", ovn.logs());
    }
    section("Cleaning up");
    drop(tools);
    drop(ovn);
    println!("every process stopped, the sandbox directories removed");
    result
}

/// Turns SIGINT and SIGTERM into an orderly stop: the next command fails, and the sandbox
/// is dropped on the way out.
async fn watch_signals() {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    eprintln!("\ninterrupted: stopping and cleaning up");
    tools::interrupt();
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The sandbox is started on this (the main) thread, inside block_on: its daemons are tied
    // to the thread that started them (see OvnSandbox).
    let outcome = runtime.block_on(async {
        tokio::spawn(watch_signals());
        run().await
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}
