//! A monitor reply arriving in parts ([`crate::wire::parts`]), as the connection task takes
//! it: each part's rows are decoded on tokio's blocking threads, a few parts at a time, while
//! the task goes on reading the next ones; when the reply resets a replica they are also
//! checked and shaped for it there ([`Replica::stage`]), so that when the last part is in,
//! only the commit is left. Results are taken in the parts' order, so the outcome (and the
//! first error) is what decoding the parts one after the other gives.
//!
//! On a 101k-row initial sync, ovsdb-server could send its 46.5 MB in 0.04 s to a reader that
//! only frames them; decoding and checking the rows takes about 0.3 s of one core, which is
//! how long the transfer then lasts. Where there are cores to spare, parts decode side by
//! side; either way the replica is ready a few milliseconds after the last byte.

use std::collections::VecDeque;
use std::sync::{Arc, RwLock};

use tokio::task::JoinHandle;

use crate::data::Uuid;
use crate::monitor::{DecodedPart, PartsDecoder, PartsReply};
use crate::replica::{Replica, ReplicaError, StagedRows, Staging};
use crate::wire::Part;

/// How many parts may be decoding at once: one per two cores, at most four; with fewer than
/// four cores, one, on the connection task itself.
///
/// The other half is left to the connection task's framing and to the server, which is often
/// on the same machine (a local ovsdb-server, or an ovn-northd beside its databases). Measured
/// on a 2-core VM (101k-row sync): two parts at once used 1.5 cores for the same wall time as
/// one, so small machines decode in line. Every part in flight also holds its bytes and rows.
fn parts_in_flight() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).clamp(1, 4))
}

/// A monitor reply whose parts are arriving.
pub(crate) struct InParts {
    decoder: PartsDecoder,
    /// The replica the reply resets, if it does: its rows are staged for it.
    replica: Option<Arc<RwLock<Replica>>>,
    /// The rows staged so far, gathered for the replica (or the first row that does not fit
    /// it).
    staged: Result<Staging, ReplicaError>,
    /// Parts being decoded, oldest first.
    jobs: VecDeque<JoinHandle<Result<Done, serde_json::Error>>>,
    limit: usize,
}

/// What the whole reply came to.
pub(crate) enum Decoded {
    /// Decoded rows, for a subscriber or for a replica's incremental update.
    Rows(PartsReply),
    /// A replica's new contents, staged and gathered ([`Replica::replace_tables_staged`]
    /// puts them in place), or the row that does not fit it.
    Staged {
        /// The `monitor_cond_since` head (found, last transaction id), if any.
        since: Option<(bool, Uuid)>,
        rows: Result<Staging, ReplicaError>,
    },
}

/// One part, done.
enum Done {
    Decoded(DecodedPart),
    Staged {
        part: DecodedPart,
        rows: Result<Vec<StagedRows>, ReplicaError>,
    },
}

impl InParts {
    /// Starts with the reply's first part. `stage_for` decides, from the reply's
    /// `monitor_cond_since` head (if it has one), which replica the reply resets, if any.
    pub(crate) fn start(
        first: Part,
        stage_for: impl FnOnce(Option<(bool, Uuid)>) -> Option<Arc<RwLock<Replica>>>,
    ) -> serde_json::Result<InParts> {
        InParts::start_with_limit(first, stage_for, parts_in_flight())
    }

    /// [`InParts::start`] with at most `limit` parts decoding at once.
    fn start_with_limit(
        first: Part,
        stage_for: impl FnOnce(Option<(bool, Uuid)>) -> Option<Arc<RwLock<Replica>>>,
        limit: usize,
    ) -> serde_json::Result<InParts> {
        let decoder = PartsDecoder::head(&first)?;
        let replica = stage_for(decoder.since());
        let mut parts = InParts {
            decoder,
            replica,
            staged: Ok(Staging::default()),
            jobs: VecDeque::new(),
            limit,
        };
        parts.add(first)?;
        Ok(parts)
    }

    /// Takes the next part: decoded now (one core) or on a blocking thread, after waiting for
    /// the oldest part in flight if as many as the limit are.
    pub(crate) fn add(&mut self, part: Part) -> serde_json::Result<()> {
        let replica = self.replica.clone();
        if self.limit <= 1 {
            let done = work(part, replica)?;
            return self.merge(done);
        }
        self.jobs
            .push_back(tokio::task::spawn_blocking(move || work(part, replica)));
        Ok(())
    }

    /// Whether a part must finish before another is added.
    pub(crate) fn full(&self) -> bool {
        self.jobs.len() >= self.limit
    }

    /// Waits for the oldest part in flight and takes its rows; then takes those of the parts
    /// after it that are already done.
    pub(crate) async fn settle_oldest(&mut self) -> serde_json::Result<()> {
        if let Some(job) = self.jobs.pop_front() {
            self.merge(joined(job.await)?)?;
        }
        while self.jobs.front().is_some_and(JoinHandle::is_finished) {
            if let Some(job) = self.jobs.pop_front() {
                self.merge(joined(job.await)?)?;
            }
        }
        Ok(())
    }

    /// Waits for every part in flight; the reply, once its last part was added.
    pub(crate) async fn finish(mut self) -> serde_json::Result<Decoded> {
        while !self.jobs.is_empty() {
            self.settle_oldest().await?;
        }
        let since = self.decoder.since();
        let reply = self.decoder.finish()?;
        Ok(match self.replica {
            None => Decoded::Rows(reply),
            Some(_) => Decoded::Staged {
                since,
                rows: self.staged,
            },
        })
    }

    fn merge(&mut self, done: Done) -> serde_json::Result<()> {
        match done {
            Done::Decoded(part) => self.decoder.push(part),
            Done::Staged { part, rows } => {
                self.decoder.admit(&part.end)?;
                // Taken in the parts' order, right after each part's rows were staged: while
                // they are still in the cache, where the part was staged on this thread.
                if let (Ok(staging), Some(replica)) = (&mut self.staged, &self.replica) {
                    let replica = replica.read().unwrap_or_else(|e| e.into_inner());
                    let gathered = rows.and_then(|rows| {
                        rows.into_iter()
                            .try_for_each(|rows| replica.gather(staging, rows))
                    });
                    if let Err(e) = gathered {
                        self.staged = Err(e);
                    }
                }
                Ok(())
            }
        }
    }
}

/// A part's rows, decoded, and staged for `replica` if there is one.
fn work(part: Part, replica: Option<Arc<RwLock<Replica>>>) -> Result<Done, serde_json::Error> {
    let mut decoded = PartsDecoder::decode(&part)?;
    drop(part);
    let Some(replica) = replica else {
        return Ok(Done::Decoded(decoded));
    };
    let replica = replica.read().unwrap_or_else(|e| e.into_inner());
    let rows = std::mem::take(&mut decoded.segments)
        .into_iter()
        .map(|table| replica.stage(table))
        .collect();
    Ok(Done::Staged {
        part: decoded,
        rows,
    })
}

/// A part's outcome from its blocking thread.
fn joined(
    result: Result<Result<Done, serde_json::Error>, tokio::task::JoinError>,
) -> serde_json::Result<Done> {
    use serde::de::Error as _;
    match result {
        Ok(done) => done,
        Err(e) => Err(serde_json::Error::custom(format_args!(
            "decoding a part of the reply failed: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use tokio_util::codec::Decoder;

    use super::*;
    use crate::data::{Atom, Row};
    use crate::monitor::{RowChange, RowUpdate2, TableUpdate, TableUpdates2};
    use crate::schema::DatabaseSchema;
    use crate::wire::{Chunk, JsonFramer, ReplyFramer};

    const SCHEMA: &str = r#"{"name": "Test", "version": "1.0.0", "tables": {
      "A": {"columns": {"n": {"type": "integer"}, "s": {"type": "string"}}, "isRoot": true},
      "B": {"columns": {"name": {"type": "string"},
                        "m": {"type": {"key": "string", "value": "string",
                                       "min": 0, "max": "unlimited"}}},
            "indexes": [["name"]], "isRoot": true}}}"#;

    fn replica() -> Arc<RwLock<Replica>> {
        let schema = DatabaseSchema::from_json_str(SCHEMA).unwrap();
        Arc::new(RwLock::new(Replica::new(Arc::new(schema))))
    }

    /// Two tables of `rows` rows each; with `bad`, one row of B has a value of the wrong type.
    fn updates(rows: u32, bad: bool) -> TableUpdates2 {
        let row = |i: u32, table: &str| {
            let change = RowChange::Initial(match table {
                "A" => Row::new()
                    .with("n", Atom::from(i as i64))
                    .with("s", Atom::from(format!("row {i}"))),
                _ if bad && i == rows / 2 => Row::new().with("name", Atom::from(7)),
                _ => Row::new().with("name", Atom::from(format!("b{i}"))),
            });
            let mut uuid = [0u8; 16];
            uuid[..4].copy_from_slice(&i.to_be_bytes());
            uuid[4] = table.as_bytes()[0];
            RowUpdate2 {
                uuid: Uuid::from_bytes(uuid),
                change,
            }
        };
        TableUpdates2 {
            tables: ["A", "B"]
                .into_iter()
                .map(|t| TableUpdate {
                    table: t.into(),
                    rows: (0..rows).map(|i| row(i, t)).collect(),
                })
                .collect(),
        }
    }

    /// The reply's parts, as the framer cuts them (small parts: many per table).
    fn parts(updates: &TableUpdates2) -> Vec<Part> {
        let frame = format!(
            "{{\"id\":4,\"result\":{},\"error\":null}}",
            serde_json::to_string(updates).unwrap()
        );
        let mut framer = ReplyFramer::new(JsonFramer::new(), 500);
        let mut buf = BytesMut::new();
        let mut parts = Vec::new();
        // As reads bring it.
        for read in frame.as_bytes().chunks(700) {
            buf.extend_from_slice(read);
            while let Some(chunk) = framer.decode(&mut buf).unwrap() {
                match chunk {
                    Chunk::Part(p) => parts.push(p),
                    Chunk::Frame(_) => panic!("the reply came whole"),
                }
            }
        }
        assert!(parts.len() > 10, "only {} parts", parts.len());
        parts
    }

    async fn take_all(
        parts: Vec<Part>,
        replica: Option<Arc<RwLock<Replica>>>,
        limit: usize,
    ) -> serde_json::Result<Decoded> {
        let mut parts = parts.into_iter();
        let mut taken = InParts::start_with_limit(parts.next().unwrap(), |_| replica, limit)?;
        for part in parts {
            if taken.full() {
                taken.settle_oldest().await?;
            }
            taken.add(part)?;
        }
        taken.finish().await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parts_decoded_at_once_come_out_in_order() {
        let updates = updates(300, false);
        for limit in [1, 2, 3, 8] {
            match take_all(parts(&updates), None, limit).await.unwrap() {
                Decoded::Rows(PartsReply::Cond(decoded)) => assert_eq!(decoded, updates),
                _ => panic!("not rows"),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn staged_parts_replace_as_the_whole_reply_does() {
        let updates = updates(300, false);
        let expected = replica();
        let expected_events = expected
            .write()
            .unwrap()
            .replace_tables_owned(&["A", "B"], updates.clone())
            .unwrap();
        for limit in [1, 3] {
            let staged = replica();
            let Decoded::Staged { since: None, rows } =
                take_all(parts(&updates), Some(Arc::clone(&staged)), limit)
                    .await
                    .unwrap()
            else {
                panic!("not staged");
            };
            let mut data = staged.write().unwrap();
            let events = data
                .replace_tables_staged(&["A", "B"], rows.unwrap(), true)
                .unwrap();
            assert_eq!(events, expected_events);
            let want = expected.read().unwrap();
            for table in ["A", "B"] {
                let rows = |r: &Replica| {
                    let mut rows: Vec<_> = r
                        .table(table)
                        .unwrap()
                        .iter()
                        .map(|(u, row)| (u, Row::clone(row)))
                        .collect();
                    rows.sort_by_key(|(u, _)| *u);
                    rows
                };
                assert_eq!(rows(&data), rows(&want));
            }
            let by_name = crate::replica::IndexSpec::column("B", "name");
            let id = data.index_id(&by_name).unwrap();
            assert_eq!(data.lookup(id, &Atom::from("b17")).count(), 1);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_row_that_does_not_fit_is_reported_and_nothing_changes() {
        let updates = updates(300, true);
        for limit in [1, 3] {
            let staged = replica();
            let Decoded::Staged { rows, .. } =
                take_all(parts(&updates), Some(Arc::clone(&staged)), limit)
                    .await
                    .unwrap()
            else {
                panic!("not staged");
            };
            let err = rows.unwrap_err();
            assert!(
                matches!(&err, ReplicaError::BadValue { table, .. } if table == "B"),
                "{err}"
            );
            assert_eq!(staged.read().unwrap().row_count(), 0);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_broken_part_fails_the_reply() {
        let updates = updates(100, false);
        let mut parts = parts(&updates);
        let n = parts.len() / 2;
        let mut raw = parts[n].raw.to_vec();
        let at = raw.iter().position(|&b| b == b'{').unwrap();
        raw[at] = b'[';
        parts[n].raw = raw.into();
        for limit in [1, 3] {
            assert!(take_all(parts.clone(), None, limit).await.is_err());
        }
    }
}
