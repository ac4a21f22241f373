//! `rnbctl`: the `ovn-nbctl` 23.03 commands on the [`crate::ctl`] engine.
//!
//! One file per command group, each with its table entries (`commands()`) and handlers:
//! parse the arguments, read what is needed through the context, write, print.

pub mod acl;
pub mod addr;
pub mod addr2;
pub mod common;
pub mod lb;
pub mod misc;
pub mod nat;
pub mod policy;
pub mod route;
pub mod router;
pub mod show;
pub mod switch;
pub mod wait;

use crate::ctl::options::{Arg, GetoptDialect, GlobalOptions, OptSpec};
use crate::ctl::{db_commands, CommandSpec, CtlError, CtlResult, RowId, Tool};

/// `ovn-nbctl`'s own global options (the common ones are in [`crate::ctl::options::COMMON`]).
const OPTIONS: &[OptSpec] = &[
    OptSpec {
        long: "wait",
        short: None,
        arg: Arg::Required,
    },
    OptSpec::flag("print-wait-time"),
    OptSpec::flag("detach"),
    OptSpec::flag("monitor"),
    OptSpec::flag("no-chdir"),
    OptSpec {
        long: "pidfile",
        short: None,
        arg: Arg::Optional,
    },
    OptSpec::flag("overwrite-pidfile"),
    OptSpec::value("user").short('u'),
    OptSpec::value("syslog-target"),
    OptSpec::value("ssl-protocols"),
    OptSpec::value("ssl-ciphers"),
    OptSpec::flag("no-self-confinement"),
];

/// How records of each table are named (ovn-nbctl's `ctl_table_class` row ids).
pub const ROW_IDS: &[RowId] = &[
    RowId {
        table: "DHCP_Options",
        search_table: "Logical_Switch_Port",
        name_column: "name",
        key: None,
        uuid_column: Some("dhcpv4_options"),
    },
    RowId {
        table: "DHCP_Options",
        search_table: "Logical_Switch_Port",
        name_column: "external_ids",
        key: Some("neutron:port_name"),
        uuid_column: Some("dhcpv4_options"),
    },
    RowId {
        table: "DHCP_Options",
        search_table: "Logical_Switch_Port",
        name_column: "name",
        key: None,
        uuid_column: Some("dhcpv6_options"),
    },
    RowId {
        table: "DHCP_Options",
        search_table: "Logical_Switch_Port",
        name_column: "external_ids",
        key: Some("neutron:port_name"),
        uuid_column: Some("dhcpv6_options"),
    },
    RowId::by("Logical_Router", "name"),
    RowId::by_key("Logical_Router", "external_ids", "neutron:router_name"),
    RowId::by("Logical_Router_Port", "name"),
    RowId::by("Logical_Switch", "name"),
    RowId::by_key("Logical_Switch", "external_ids", "neutron:network_name"),
    RowId::by("Logical_Switch_Port", "name"),
    RowId::by_key("Logical_Switch_Port", "external_ids", "neutron:port_name"),
    RowId::by("Port_Group", "name"),
    RowId::by("Address_Set", "name"),
    RowId::by("ACL", "name"),
    RowId::by("HA_Chassis_Group", "name"),
    RowId::by("HA_Chassis", "chassis_name"),
    RowId::by("Meter", "name"),
    RowId::by("NAT", "external_ip"),
    RowId::by("Connection", "target"),
    RowId::by("Load_Balancer", "name"),
    RowId::by("Load_Balancer_Group", "name"),
    RowId::by("Forwarding_Group", "name"),
    RowId::by("Mirror", "name"),
    RowId::by("Gateway_Chassis", "name"),
    RowId::by("Logical_Router_Static_Route", "ip_prefix"),
];

/// Every command: the generic ones, then each group's.
pub fn commands() -> Vec<CommandSpec> {
    let mut all = db_commands::commands();
    all.extend(switch::commands());
    all.extend(show::commands());
    all.extend(router::commands());
    all.extend(route::commands());
    all.extend(policy::commands());
    all.extend(nat::commands());
    all.extend(acl::commands());
    all.extend(lb::commands());
    all.extend(misc::commands());
    all
}

/// The tool.
pub static TOOL: Tool = Tool {
    program: "ovn-nbctl",
    database: "OVN_Northbound",
    default_remote: "unix:/var/run/ovn/ovnnb_db.sock",
    log_module: "ovn_dbctl",
    env_db: Some("OVN_NB_DB"),
    env_options: Some("OVN_NBCTL_OPTIONS"),
    options: OPTIONS,
    getopt: GetoptDialect::OvnNbctl,
    commands,
    row_ids: ROW_IDS,
    // help.txt and version.txt are the installed ovn-nbctl 23.03.1's own `--help` and `--version`
    // output (Apache-2.0, like this crate), so scripts that parse them see the same text.
    help: include_str!("help.txt"),
    version: include_str!("version.txt"),
    check_options,
    root_table: "NB_Global",
    before_commit: wait::before_commit,
    after_commit: wait::after_commit,
    prefetch: crate::ctl::runner::no_prefetch,
};

fn check_options(opts: &mut GlobalOptions) -> CtlResult<()> {
    if let Some(w) = &opts.wait {
        match w.as_str() {
            "none" | "sb" | "hv" => {}
            _ => {
                return Err(CtlError::new(
                    "argument to --wait must be \"none\", \"sb\", or \"hv\"",
                ))
            }
        }
    }
    if opts.no_wait {
        opts.wait = Some("none".into());
    }
    Ok(())
}
