//! `--wait=sb|hv`: the run's transaction also increments `NB_Global.nb_cfg` (only when it
//! changes something else, as `ovsdb_idl_txn_increment` without force does), and after the
//! commit the tool waits until `sb_cfg` (sb) or `min(sb_cfg, hv_cfg)` (hv) reaches the new
//! value, which ovn-northd and the ovn-controllers set once they have caught up.

use std::time::{Duration, Instant};

use ovsdb::ops::OperationResult;

use crate::ctl::increment;
use crate::ctl::options::GlobalOptions;
use crate::ctl::{Context, CtlError, CtlResult, Session};

/// Adds the increment (a mutate and a select of the new value) when waiting is asked for.
pub fn before_commit(ctx: &mut Context<'_>) -> CtlResult<()> {
    let wait = ctx.opts.wait.as_deref().unwrap_or("none");
    if wait == "none" {
        return Ok(());
    }
    increment::add_increment(ctx, "NB_Global", "nb_cfg")
}

/// Waits for northd (and the chassis) to catch up with the new `nb_cfg`.
pub fn after_commit(
    session: &Session,
    opts: &GlobalOptions,
    results: &[OperationResult],
) -> CtlResult<()> {
    let wait = opts.wait.as_deref().unwrap_or("none");
    if wait == "none" {
        return Ok(());
    }
    let next_cfg = increment::new_value(results, "nb_cfg");
    let Some(next_cfg) = next_cfg else {
        return Ok(());
    };
    let start = Instant::now();
    loop {
        let rows = session.select("NB_Global", Vec::new())?;
        for row in &rows {
            let sb = increment::integer(row.get("sb_cfg")).unwrap_or(0);
            let hv = increment::integer(row.get("hv_cfg")).unwrap_or(0);
            let cur = if wait == "sb" { sb } else { sb.min(hv) };
            if cur >= next_cfg {
                if opts.print_wait_time {
                    println!(
                        "Time spent on processing nb_cfg {next_cfg}:\n\tovn-northd delay before processing:\t{}ms",
                        start.elapsed().as_millis()
                    );
                }
                return Ok(());
            }
        }
        if rows.is_empty() {
            return Err(CtlError::new("NB_Global row disappeared while waiting"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
