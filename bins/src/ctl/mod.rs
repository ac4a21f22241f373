//! The ctl engine shared by `rnbctl` and `rvsctl` (the counterpart of OVS's `db-ctl-base`).
//!
//! | module | job |
//! |---|---|
//! | [`options`] | global options (getopt-style prefixes) |
//! | [`command`] | command tables and the `--` chain |
//! | [`context`] | the client-side view commands read and write; guards; the one commit |
//! | [`record`] | which row a record argument names |
//! | [`names`] | loose table and column names |
//! | [`value`] | the value syntax (`a,b`, `{k=v}`, `"quoted"`, `@symbol`) |
//! | [`condition`] | `where` clauses evaluated on the client |
//! | [`symbols`] | `--id=@name` |
//! | [`format`] | list / table / csv / json / html / bare output |
//! | [`db_commands`] | list, find, get, set, add, remove, clear, create, destroy, wait-until, comment |
//! | [`increment`] | the counter increments the tools' waits use |
//! | [`ovs_hash`] | OVS's string hash and hmap/smap iteration order |
//! | [`project`] | whole-table reads of a few columns (`show`, listings) |
//! | [`runner`] | one invocation, argv to exit status |

pub mod command;
pub mod condition;
pub mod context;
pub mod db_commands;
pub mod error;
pub mod format;
pub mod increment;
pub mod names;
pub mod options;
pub mod ovs_hash;
pub mod project;
pub mod record;
pub mod runner;
pub mod symbols;
pub mod value;

pub use self::command::{Command, CommandSpec, Mode};
pub use self::context::{Context, Session};
pub use self::error::{CtlError, CtlResult};
pub use self::record::RowId;
pub use self::runner::Tool;
