//! Monitors (RFC 7047 4.1.5-4.1.7 and the ovsdb-server(7) extensions `monitor_cond`,
//! `monitor_cond_since`, `update2`, `update3`): what to ask for and what comes back.

pub mod parts;
pub mod request;
pub mod update;

pub use self::parts::{DecodedPart, PartsDecoder, PartsReply};
pub use self::request::{MonitorRequest, MonitorSelect};
pub use self::update::{
    MonitorCondSinceReply, RowChange, RowUpdate, RowUpdate2, TableUpdate, TableUpdates,
    TableUpdates2, Update3Params,
};
