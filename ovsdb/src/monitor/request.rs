//! What to monitor: `<monitor-request>` (RFC 7047 4.1.5) and its `monitor_cond` form with a
//! `where` clause (ovsdb-server(7)).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::ops::Condition;

/// Which kinds of change a monitor reports (`"select"` in RFC 7047 4.1.5). All default to true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorSelect {
    /// Report the rows present when the monitor starts.
    #[serde(default = "yes")]
    pub initial: bool,
    /// Report inserted rows.
    #[serde(default = "yes")]
    pub insert: bool,
    /// Report deleted rows.
    #[serde(default = "yes")]
    pub delete: bool,
    /// Report modified rows.
    #[serde(default = "yes")]
    pub modify: bool,
}

fn yes() -> bool {
    true
}

impl Default for MonitorSelect {
    fn default() -> Self {
        MonitorSelect {
            initial: true,
            insert: true,
            delete: true,
            modify: true,
        }
    }
}

/// One table's `<monitor-request>`: the columns to report (all when empty), which changes,
/// and for `monitor_cond` / `monitor_cond_since` the conditions a row must meet (none = all
/// rows; conditions are OR-ed together as ovsdb-server(7) specifies).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MonitorRequest {
    /// Columns to report; empty means every column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<CompactString>,
    /// Which changes to report; `None` means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<MonitorSelect>,
    /// `monitor_cond` conditions (`"where"`); `None` means every row. Only valid with
    /// `monitor_cond` and `monitor_cond_since`.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
}

impl MonitorRequest {
    /// Every column, every change, every row.
    pub fn all() -> Self {
        MonitorRequest::default()
    }

    /// Only these columns.
    pub fn columns<I: IntoIterator<Item = S>, S: Into<CompactString>>(columns: I) -> Self {
        MonitorRequest {
            columns: columns.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// Adds `monitor_cond` conditions (rows matching any of them are reported).
    pub fn with_conditions(mut self, conditions: Vec<Condition>) -> Self {
        self.conditions = Some(conditions);
        self
    }

    /// Sets which changes are reported.
    pub fn with_select(mut self, select: MonitorSelect) -> Self {
        self.select = Some(select);
        self
    }
}
