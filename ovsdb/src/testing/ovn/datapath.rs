//! Where the sandbox's `ovs-vswitchd` keeps its network devices: a private network namespace
//! (real kernel veths and taps, invisible to the host), or OVS's dummy netdevs (no kernel
//! devices at all) when this process may not make namespaces or devices.

use std::process::{Command, Stdio};

/// The environment variable that forces a [`Datapath`]: `netns` or `dummy`.
pub const DATAPATH_ENV: &str = "OVN_SANDBOX_DATAPATH";

/// How the sandbox's `ovs-vswitchd` (always with `datapath_type=netdev`, the userspace
/// datapath, which needs no kernel module) gets its network devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datapath {
    /// `ovs-vswitchd` runs in a network namespace of its own (`unshare --net`), which lives
    /// exactly as long as the process: its taps (`br-int`, `ovs-netdev`) and every device made
    /// there with [`OvnSandbox::netns_command`](super::OvnSandbox::netns_command) (a CNI's veth
    /// pair) are real kernel devices that never collide with the host's or another sandbox's,
    /// and vanish with it. Needs root (`CAP_SYS_ADMIN`, `CAP_NET_ADMIN`, `/dev/net/tun`).
    Netns,
    /// `ovs-vswitchd --enable-dummy=override`, the mode OVN's own test suite runs in: every
    /// netdev is a dummy, so a port added with any name "exists" and gets an OpenFlow port
    /// number, without any kernel device or privilege.
    Dummy,
}

impl Datapath {
    /// What `$OVN_SANDBOX_DATAPATH` asks for, else [`Datapath::Netns`] when a probe can make a
    /// network namespace with a veth pair and a tap in it, else [`Datapath::Dummy`].
    pub fn detect() -> Result<Datapath, String> {
        match std::env::var(DATAPATH_ENV).ok().as_deref() {
            Some("netns") => Ok(Datapath::Netns),
            Some("dummy") => Ok(Datapath::Dummy),
            Some("") | None if netns_works() => Ok(Datapath::Netns),
            Some("") | None => Ok(Datapath::Dummy),
            Some(other) => Err(format!(
                "{DATAPATH_ENV}={other}: expected \"netns\" or \"dummy\""
            )),
        }
    }

    /// A short description for people reading a demo's output.
    pub fn describe(self) -> &'static str {
        match self {
            Datapath::Netns => {
                "userspace datapath (netdev), ovs-vswitchd in a private network namespace: \
                 real veth pairs and taps"
            }
            Datapath::Dummy => {
                "userspace datapath (netdev) with OVS dummy netdevs: ports need no kernel \
                 device (no privileges for a network namespace here, or \
                 OVN_SANDBOX_DATAPATH=dummy)"
            }
        }
    }

    /// The command that starts `ovs-vswitchd` with `args` in this mode.
    pub(super) fn vswitchd(self, args: Vec<String>) -> (String, Vec<String>) {
        match self {
            Datapath::Netns => {
                let mut full: Vec<String> =
                    ["--net", "--", "ovs-vswitchd"].map(String::from).into();
                full.extend(args);
                ("unshare".into(), full)
            }
            Datapath::Dummy => {
                let mut full = vec!["--enable-dummy=override".to_string()];
                full.extend(args);
                ("ovs-vswitchd".into(), full)
            }
        }
    }
}

/// Whether a throwaway network namespace can hold a veth pair and a tap (everything
/// [`Datapath::Netns`] needs). The namespace, and the devices in it, go away with the probe.
fn netns_works() -> bool {
    let probe = "ip link add name sbprobe0 type veth peer name sbprobe1 \
                 && ip tuntap add dev sbprobe2 mode tap";
    let nsenter = Command::new("nsenter")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    nsenter
        && Command::new("unshare")
            .args(["--net", "--", "sh", "-c", probe])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vswitchd_command_per_mode() {
        let (program, args) = Datapath::Netns.vswitchd(vec!["unix:/x".into()]);
        assert_eq!(program, "unshare");
        assert_eq!(args, ["--net", "--", "ovs-vswitchd", "unix:/x"]);
        let (program, args) = Datapath::Dummy.vswitchd(vec!["unix:/x".into()]);
        assert_eq!(program, "ovs-vswitchd");
        assert_eq!(args, ["--enable-dummy=override", "unix:/x"]);
    }
}
