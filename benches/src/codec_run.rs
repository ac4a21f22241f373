//! Measurement 2, quick in-process version of the criterion bench: decoding the real
//! monitor_cond reply of the large database into replica rows, MB/s, against
//! `serde_json::from_slice::<Value>` on the same bytes.

use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use ovsdb::monitor::TableUpdates2;
use ovsdb::replica::Replica;
use ovsdb::schema::DatabaseSchema;
use ovsdb::testing::Sandbox;
use ovsdb::wire::{JsonFramer, RawMessage};
use serde_json::{json, Map, Value};
use tokio_util::codec::Decoder;

use crate::raw::RawConnection;
use crate::report::{fmt_ratio, Table};
use crate::stats::Summary;

/// The timings, seconds per pass.
#[derive(Debug, Clone)]
pub struct CodecResult {
    /// Reply size, bytes.
    pub bytes: usize,
    /// Rows in the reply.
    pub rows: usize,
    /// (step, samples).
    pub steps: Vec<(String, Vec<f64>)>,
}

/// The result member of a reply frame.
fn result_of(frame: &[u8]) -> Result<&str, String> {
    match RawMessage::from_slice(frame).map_err(|e| e.to_string())? {
        RawMessage::Response {
            result: Some(r), ..
        } => Ok(r.get()),
        _ => Err("not a reply".into()),
    }
}

/// Captures (schema, monitor_cond reply of every table) from `sandbox`.
pub fn capture(sandbox: &Sandbox) -> Result<(DatabaseSchema, Bytes), String> {
    let mut conn = RawConnection::connect(sandbox.socket()).map_err(|e| e.to_string())?;
    let schema_frame = conn
        .call("get_schema", vec![json!("OVN_Northbound")])
        .map_err(|e| e.to_string())?;
    let schema = DatabaseSchema::from_slice(result_of(&schema_frame)?.as_bytes())
        .map_err(|e| e.to_string())?;
    let tables: Map<String, Value> = schema
        .tables
        .keys()
        .map(|t| (t.clone(), json!({})))
        .collect();
    let frame = conn
        .call(
            "monitor_cond",
            vec![
                json!("OVN_Northbound"),
                json!("codec"),
                Value::Object(tables),
            ],
        )
        .map_err(|e| e.to_string())?;
    Ok((schema, frame))
}

fn time<T>(passes: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<Vec<f64>, String> {
    let mut v = Vec::with_capacity(passes);
    for _ in 0..passes {
        let t = Instant::now();
        let out = f()?;
        v.push(t.elapsed().as_secs_f64());
        drop(out);
    }
    Ok(v)
}

/// Times each step `passes` times on `frame`.
pub fn run(schema: DatabaseSchema, frame: &Bytes, passes: usize) -> Result<CodecResult, String> {
    let schema = Arc::new(schema);
    let rows = serde_json::from_str::<TableUpdates2>(result_of(frame)?)
        .map_err(|e| e.to_string())?
        .row_count();
    // The client finds a large reply's result without parsing the envelope (the reply fast
    // path: a fixed head and tail), so the decode steps start from the result.
    let result = result_of(frame)?;
    let tables: Vec<String> = schema.tables.keys().cloned().collect();
    let decode = || -> Result<TableUpdates2, String> {
        ovsdb::wire::from_json_slice::<TableUpdates2>(result.as_bytes()).map_err(|e| e.to_string())
    };
    let steps = vec![
        (
            "framer only (find the frame's end)".to_string(),
            time(passes, || {
                let mut buf = BytesMut::from(&frame[..]);
                JsonFramer::new()
                    .with_max_message_size(1 << 30)
                    .decode(&mut buf)
                    .map_err(|e| e.to_string())
            })?,
        ),
        (
            "`serde_json::from_slice::<Value>` (generic parse)".to_string(),
            time(passes, || {
                serde_json::from_slice::<Value>(frame).map_err(|e| e.to_string())
            })?,
        ),
        (
            "**ours**: decode into `TableUpdates2` rows".to_string(),
            time(passes, decode)?,
        ),
        (
            "**ours**: decode + apply into a `Replica` (indexes, validation)".to_string(),
            time(passes, || {
                let updates = decode()?;
                let mut replica = Replica::new(Arc::clone(&schema));
                // As the client applies an initial view: by value.
                replica
                    .replace_tables_owned(&tables, updates)
                    .map_err(|e| e.to_string())?;
                Ok(replica)
            })?,
        ),
    ];
    Ok(CodecResult {
        bytes: frame.len(),
        rows,
        steps,
    })
}

impl CodecResult {
    /// Median seconds of step `i`.
    pub fn median(&self, i: usize) -> f64 {
        self.steps
            .get(i)
            .map_or(f64::NAN, |(_, v)| Summary::of(v).median)
    }

    /// The section as Markdown.
    pub fn markdown(&self) -> String {
        let generic = self.median(1);
        let mut t = Table::new(&[
            "step",
            "s per pass (min / med / max)",
            "MB/s (median)",
            "speed vs generic parse",
        ]);
        for (i, (name, v)) in self.steps.iter().enumerate() {
            let m = self.median(i);
            t.row(vec![
                name.clone(),
                Summary::of(v).show(4),
                format!("{:.0}", self.bytes as f64 / m / 1e6),
                fmt_ratio(generic / m),
            ]);
        }
        format!(
            "The real `monitor_cond` reply of every table ({:.1} MB, {} rows), {} passes each, \
             in process (the criterion bench `cargo bench -p benches --bench codec` measures \
             the same steps on Logical_Switch_Port alone).\n\n{}",
            self.bytes as f64 / 1e6,
            self.rows,
            self.steps.first().map_or(0, |s| s.1.len()),
            t.render()
        )
    }
}
