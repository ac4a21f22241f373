//! `--wait=sb|hv`: the run's transaction also increments `NB_Global.nb_cfg` (only when it
//! changes something else, as `ovsdb_idl_txn_increment` without force does), and after the
//! commit the tool waits until `sb_cfg` (sb) or `min(sb_cfg, hv_cfg)` (hv) reaches the new
//! value, which ovn-northd and the ovn-controllers set once they have caught up.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ovsdb::ops::OperationResult;

use crate::ctl::increment;
use crate::ctl::options::GlobalOptions;
use crate::ctl::{Context, CtlError, CtlResult, Session};

/// Wall-clock milliseconds when the run's transaction was sent (ovn-nbctl's `start_time`,
/// taken right before `ovsdb_idl_txn_commit_block`): `--print-wait-time` reports the
/// daemons' `*_cfg_timestamp`s relative to it.
static COMMIT_STARTED_MS: AtomicI64 = AtomicI64::new(0);

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Adds the increment (a mutate and a select of the new value) when waiting is asked for.
pub fn before_commit(ctx: &mut Context<'_>) -> CtlResult<()> {
    let wait = ctx.opts.wait.as_deref().unwrap_or("none");
    if wait == "none" {
        return Ok(());
    }
    increment::add_increment(ctx, "NB_Global", "nb_cfg")?;
    // The runner commits right after this hook.
    COMMIT_STARTED_MS.store(wall_ms(), Ordering::Relaxed);
    Ok(())
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
    loop {
        let rows = session.select("NB_Global", Vec::new())?;
        for row in &rows {
            let column = |c: &str| increment::integer(row.get(c)).unwrap_or(0);
            let (sb, hv) = (column("sb_cfg"), column("hv_cfg"));
            let cur = if wait == "sb" { sb } else { sb.min(hv) };
            if cur >= next_cfg {
                if opts.print_wait_time {
                    print!(
                        "{}",
                        wait_time_report(
                            next_cfg,
                            COMMIT_STARTED_MS.load(Ordering::Relaxed),
                            [
                                column("nb_cfg_timestamp"),
                                column("sb_cfg_timestamp"),
                                column("hv_cfg_timestamp")
                            ],
                            wait == "hv",
                        )
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

/// ovn-nbctl's `--print-wait-time` report: the nb, sb and hv `*_cfg_timestamp`s of NB_Global
/// (set by ovn-northd and the ovn-controllers, wall-clock ms) relative to the commit.
fn wait_time_report(next_cfg: i64, started_ms: i64, timestamps: [i64; 3], hv: bool) -> String {
    let [nb, sb, hv_ts] = timestamps.map(|t| t - started_ms);
    let mut report = format!(
        "Time spent on processing nb_cfg {next_cfg}:\n\
         \tovn-northd delay before processing:\t{nb}ms\n\
         \tovn-northd completion:\t\t\t{sb}ms\n"
    );
    if hv {
        report.push_str(&format!("\tovn-controller(s) completion:\t\t{hv_ts}ms\n"));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::wait_time_report;

    /// The layout of ovn-nbctl's report (tabs included), for sb and hv.
    #[test]
    fn report_layout() {
        assert_eq!(
            wait_time_report(7, 1000, [1003, 1010, 0], false),
            "Time spent on processing nb_cfg 7:\n\tovn-northd delay before processing:\t3ms\n\tovn-northd completion:\t\t\t10ms\n"
        );
        assert!(
            wait_time_report(7, 1000, [1003, 1010, 1042], true).ends_with(
                "\tovn-northd completion:\t\t\t10ms\n\tovn-controller(s) completion:\t\t42ms\n"
            )
        );
    }
}
