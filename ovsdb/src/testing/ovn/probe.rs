//! Reading and writing the sandbox's databases with the real `ovsdb-client`, for the start-up
//! steps and readiness checks (the sandbox does not depend on the client it helps to test).

use std::io;

use serde_json::Value;

use super::super::{run, SandboxError};

/// `--timeout` for every `ovsdb-client` run, so a stalled server never hangs a start.
const PROBE_TIMEOUT: &str = "--timeout=10";

/// Runs one `transact` of `ops` (a JSON array starting with the database name) on `remote` and
/// returns the results, failing if any operation failed.
pub(super) fn transact(remote: &str, ops: &Value) -> Result<Vec<Value>, SandboxError> {
    let text = ops.to_string();
    let reply = run("ovsdb-client", &[PROBE_TIMEOUT, "transact", remote, &text])?;
    let reply: Value = serde_json::from_str(&reply).map_err(|e| invalid_data(&reply, e))?;
    let Value::Array(results) = reply else {
        return Err(invalid_data(&reply.to_string(), "not an array"));
    };
    if let Some(err) = results.iter().find(|r| r.get("error").is_some()) {
        return Err(SandboxError::Io(io::Error::other(format!(
            "transaction {text} on {remote} failed: {err}"
        ))));
    }
    Ok(results)
}

/// The `column` of every row of `table` in `db` matching `conditions` (a JSON array of
/// `[column, function, value]`).
pub(super) fn select(
    remote: &str,
    db: &str,
    table: &str,
    conditions: Value,
    column: &str,
) -> Result<Vec<Value>, SandboxError> {
    let ops = serde_json::json!([
        db,
        {"op": "select", "table": table, "where": conditions, "columns": [column]}
    ]);
    let results = transact(remote, &ops)?;
    let rows = results
        .first()
        .and_then(|r| r.get("rows"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter_map(|mut row| row.get_mut(column).map(Value::take))
        .collect())
}

/// An integer column's value in the first (only) row of `table`.
pub(super) fn integer(
    remote: &str,
    db: &str,
    table: &str,
    column: &str,
) -> Result<Option<i64>, SandboxError> {
    let values = select(remote, db, table, serde_json::json!([]), column)?;
    Ok(values.first().and_then(Value::as_i64))
}

fn invalid_data(text: &str, why: impl std::fmt::Display) -> SandboxError {
    SandboxError::Io(io::Error::new(
        io::ErrorKind::InvalidData,
        format!("unparsable ovsdb-client reply ({why}): {text}"),
    ))
}
