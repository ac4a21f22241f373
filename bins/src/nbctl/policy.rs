//! ovn-nbctl commands: policy (being written).

use crate::ctl::CommandSpec;

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
