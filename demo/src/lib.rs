//! The README's main job: the two things the people this project is for build, done with
//! `rnbctl` and `rvsctl` (as an operator's script would) against a real OVN deployment
//! ([`ovsdb::testing::ovn::OvnSandbox`]), with the proof that OVN took them.
//!
//! * [`homelab`]: an Incus-style homelab, two OVN networks behind the uplink bridge
//!   `incusbr0`, and the host routes derived from the database afterwards.
//! * [`kubernetes`]: an ovn-kubernetes overlay and a node's CNI ADD / DEL.
//! * [`southbound`]: the Port_Bindings, read with the typed `ovn-sb` crate.
//! * [`plugger`]: a tiny node agent on the typed API that plugs pod ports into `br-int`
//!   (run by `cargo run -p demo --example pod_plugger`).
//!
//! `cargo run --release -p demo` (after `cargo build --release -p bins`) runs both; see
//! `scripts/demo.sh`.

#![warn(missing_docs)]

pub mod homelab;
pub mod kubernetes;
pub mod net;
pub mod plugger;
pub mod southbound;
pub mod tools;

/// Errors of the demo: the message of whatever failed.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The sandbox's chassis: this host is the homelab's gateway chassis and Kubernetes `node1`.
pub const CHASSIS: &str = "node1";
