//! `rvsctl`: the `ovs-vsctl` 3.1 commands on the [`crate::ctl`] engine.
//!
//! One file per command group, each with its table entries (`commands()`) and handlers.

pub mod bridge;
pub mod common;
pub mod controller;
pub mod misc;
pub mod port;
pub mod show;
pub mod wait;

use crate::ctl::options::{GetoptDialect, GlobalOptions, OptSpec};
use crate::ctl::{db_commands, Command, CommandSpec, Context, CtlResult, RowId, Tool};

/// `ovs-vsctl`'s own global options (the common ones are in [`crate::ctl::options::COMMON`]).
const OPTIONS: &[OptSpec] = &[
    OptSpec::flag("retry"),
    OptSpec::value("syslog-target"),
    OptSpec::value("ssl-protocols"),
    OptSpec::value("ssl-ciphers"),
    OptSpec::value("peer-ca-cert"),
];

/// How records of each table are named (ovs-vsctl's `ctl_table_class` row ids).
pub const ROW_IDS: &[RowId] = &[
    RowId::by("Bridge", "name"),
    RowId {
        table: "Controller",
        search_table: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("controller"),
    },
    RowId::by("Interface", "name"),
    RowId::by("Mirror", "name"),
    RowId::by("Manager", "target"),
    RowId {
        table: "NetFlow",
        search_table: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("netflow"),
    },
    RowId::by("Port", "name"),
    RowId {
        table: "QoS",
        search_table: "Port",
        name_column: "name",
        key: None,
        uuid_column: Some("qos"),
    },
    RowId {
        table: "sFlow",
        search_table: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("sflow"),
    },
    RowId::by("Flow_Table", "name"),
    RowId {
        table: "IPFIX",
        search_table: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("ipfix"),
    },
    RowId {
        table: "AutoAttach",
        search_table: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("auto_attach"),
    },
    RowId::by("Flow_Sample_Collector_Set", "id"),
];

/// Every command: the generic ones, then each group's.
pub fn commands() -> Vec<CommandSpec> {
    let mut all = db_commands::commands();
    all.extend(bridge::commands());
    all.extend(port::commands());
    all.extend(controller::commands());
    all.extend(show::commands());
    all.extend(misc::commands());
    all
}

/// The tool.
pub static TOOL: Tool = Tool {
    program: "ovs-vsctl",
    database: "Open_vSwitch",
    default_remote: "unix:/var/run/openvswitch/db.sock",
    log_module: "vsctl",
    env_db: None,
    env_options: None,
    options: OPTIONS,
    getopt: GetoptDialect::OvsVsctl,
    commands,
    row_ids: ROW_IDS,
    // help.txt and version.txt are the installed ovs-vsctl 3.1.0's own `--help` and `--version`
    // output (Apache-2.0, like this crate), so scripts that parse them see the same text.
    help: include_str!("help.txt"),
    version: include_str!("version.txt"),
    check_options,
    root_table: "Open_vSwitch",
    before_commit: wait::before_commit,
    after_commit: wait::after_commit,
    prefetch,
};

/// The ovs-vsctl commands (besides the generic database ones) that do not start from the
/// bridge model.
const WITHOUT_MODEL: &[&str] = &[
    "init",
    "get-manager",
    "del-manager",
    "set-manager",
    "get-ssl",
    "del-ssl",
    "set-ssl",
    "add-zone-tp",
    "del-zone-tp",
    "list-zone-tp",
    "list-dp-cap",
];

/// A chain with a command that starts from the bridge model ([`common::load`]) reads it,
/// with the root row, in the run's first round trip; with it, the ports and interfaces an
/// `add-port` or `del-port` will look up by name.
fn prefetch(ctx: &mut Context<'_>, commands: &[&Command]) -> CtlResult<()> {
    let generic: Vec<&str> = db_commands::commands().iter().map(|c| c.name).collect();
    if commands
        .iter()
        .all(|c| generic.contains(&c.name.as_str()) || WITHOUT_MODEL.contains(&c.name.as_str()))
    {
        return Ok(());
    }
    let mut names: Vec<&str> = Vec::new();
    for c in commands {
        let looked_up = match c.name.as_str() {
            "add-port" => c.args.get(1),
            "del-port" => c.args.last(),
            _ => None,
        };
        names.extend(looked_up.map(String::as_str));
    }
    common::prefetch_model_and_names(ctx, &names)
}

fn check_options(_opts: &mut GlobalOptions) -> CtlResult<()> {
    Ok(())
}
