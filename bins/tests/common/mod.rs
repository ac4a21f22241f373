//! The differential harness: runs the real `ovn-nbctl` / `ovs-vsctl` and ours on the same
//! command lines, each against its own real `ovsdb-server`, and compares after every line the
//! exit status, the normalised stdout and stderr, and the whole database.
//!
//! # Case files
//!
//! `tests/cases/<tool>/<area>.txt` holds scripts separated by blank lines. Lines starting with
//! `#` are comments; a line ending in ` \` continues on the next one. Each other line is the
//! argument vector of one invocation (without the program name), split with shell-like quoting
//! (single quotes, double quotes, backslash; no shell is involved). The harness prepends
//! `--db=<remote>` (and, for ovs-vsctl, `--no-wait`). Every script starts on empty databases
//! (ovs-vsctl: after `--no-wait init`, itself compared).
//!
//! A line may start with markers, in this order:
//! - `!` marks a known, deliberate divergence from the installed build (say, upstream
//!   behaviour chosen over a regression of the 3.1 build): still compared (and required to
//!   match in the self-check), but a difference is reported as known instead of failing; its
//!   UUIDs do not take numbers. If the databases differ after it, later lines will too: put
//!   such lines at the end of their script;
//! - `~` compares stdout as a sorted multiset of lines, `~~` of blank-line-separated records,
//!   `~tree` sorts, at each indentation level, runs of sibling blocks whose first lines start
//!   with the same word (`show`): for output whose order the real tool leaves to hash order;
//! - `NAME:=` captures (per side) the first UUID the command prints (else its first line of
//!   stdout) into `${NAME}`; `${NAME:8}` is its first 8 characters;
//! - `VAR=VALUE` words set environment variables for this invocation only.
//!
//! `${DB}` is the side's remote; a line that mentions it (in an argument or a variable) gets
//! no `--db=` prepended.
//!
//! # Normalisation
//!
//! A UUID of a row that has a name (`name`, `target` or `chassis_name`) prints as
//! `<Table:name>`; any other UUID as `<0>`, `<1>`, ... in order of first appearance within one
//! side's output of the whole script. Runs of UUIDs (`[a, b]`, `a b`) are put in a canonical
//! order first, since the real tools print sets of references in UUID order. Timestamps of
//! log lines are masked. Our program names (`rnbctl`, `rvsctl`) read as the real
//! ones. Databases compare per table as multisets of rows without `_uuid` and `_version`,
//! references replaced by the referenced row's name label, or `Table#hash` of its contents.
//!
//! # Environment
//!
//! - `DIFF_FILTER=substr`: only case files whose `<tool>/<file>.txt` contains `substr`.
//! - `DIFF_SELF_CHECK=1`: run the real tool on both sides (checks the harness and the cases
//!   are deterministic: must give 0 mismatches).
//! - `DIFF_VERBOSE=1`: print every command with side A's outputs.
//! - `DIFF_DETAILS=n`: report the details of the first `n` mismatches of a file (200).
//! - `CI=true`: a missing `ovsdb-server` or real tool fails instead of skipping.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ovsdb::testing::Sandbox;
use serde_json::Value;

/// How long one invocation of a tool may run.
const PROCESS_LIMIT: Duration = Duration::from_secs(10);

/// One of the two tools under test.
pub struct Tool {
    /// Short name: the case directory and the report's title (`nbctl`, `vsctl`).
    pub name: &'static str,
    /// The installed program.
    pub real: &'static str,
    /// Our binary's path.
    pub ours: &'static str,
    /// Our binary's file name, normalised to [`real`](Self::real) in outputs.
    pub ours_name: &'static str,
    /// The schema file the sandboxes serve.
    pub schema: &'static str,
    /// Arguments put before every line, after `--db=`.
    pub extra_args: &'static [&'static str],
    /// A command run (and compared) at the start of every script, if any.
    pub init: Option<&'static [&'static str]>,
    /// Environment variables removed for every invocation.
    pub env_clear: &'static [&'static str],
}

impl Tool {
    /// ovn-nbctl against ours.
    pub const fn nbctl(ours: &'static str) -> Tool {
        Tool {
            name: "nbctl",
            real: "ovn-nbctl",
            ours,
            ours_name: "rnbctl",
            schema: "/usr/share/ovn/ovn-nb.ovsschema",
            extra_args: &[],
            init: None,
            env_clear: &["OVN_NB_DB", "OVN_NBCTL_OPTIONS", "OVN_NB_DAEMON"],
        }
    }

    /// ovs-vsctl against ours.
    pub const fn vsctl(ours: &'static str) -> Tool {
        Tool {
            name: "vsctl",
            real: "ovs-vsctl",
            ours,
            ours_name: "rvsctl",
            schema: "/usr/share/openvswitch/vswitch.ovsschema",
            extra_args: &["--no-wait"],
            init: Some(&["init"]),
            env_clear: &["OVS_RUNDIR", "OVS_DBDIR", "OVS_SYSCONFDIR"],
        }
    }

    fn case_dir(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases")
            .join(self.name)
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Writes to the real stderr, past the test harness's capture, so summaries always show.
fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Whether `ovsdb-server` and the real tool can run. When they cannot: with `CI=true` this
/// panics, otherwise it prints a note and the caller skips.
fn environment_ready(tool: &Tool) -> bool {
    ovsdb::testing::programs_runnable(
        &["ovsdb-server", "ovsdb-tool", "ovsdb-client", tool.real],
        "openvswitch-switch, openvswitch-common, ovn-central, ovn-common",
    )
}

/// Checks that every case file of `tool` has a test named after it (`names`), so a new file
/// is not silently ignored.
pub fn check_every_file_has_a_test(tool: &Tool, names: &[&str]) {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(tool.case_dir()).expect("read the case directory") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if !names.contains(&stem.as_str()) {
                missing.push(stem);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "case files without a test in {}_differential.rs: {missing:?}",
        tool.name
    );
}

// ---------------------------------------------------------------------------------------------
// Case files

/// How a line's stdout is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Lines,
    Records,
    Tree,
}

#[derive(Debug, Clone)]
struct Line {
    /// 1-based line number in the case file.
    lineno: usize,
    /// The text as written (continuations joined).
    text: String,
    known_divergence: bool,
    sort: Sort,
    capture: Option<String>,
    env: Vec<(String, String)>,
    args: Vec<String>,
}

#[derive(Debug, Clone)]
struct Script {
    lines: Vec<Line>,
}

/// Splits `text` into words with shell-like quoting: `'...'` literal, `"..."` with `\"`, `\\`
/// and `\$` escapes, a backslash outside quotes escapes the next character.
pub fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("trailing backslash".into()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn is_env_assignment(word: &str) -> Option<(String, String)> {
    let (name, value) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    (first.is_ascii_uppercase()
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
    .then(|| (name.to_owned(), value.to_owned()))
}

fn parse_line(lineno: usize, text: &str) -> Result<Line, String> {
    let mut words = split_words(text)?.into_iter().peekable();
    let mut line = Line {
        lineno,
        text: text.to_owned(),
        known_divergence: false,
        sort: Sort::None,
        capture: None,
        env: Vec::new(),
        args: Vec::new(),
    };
    if words.peek().is_some_and(|w| w == "!") {
        line.known_divergence = true;
        words.next();
    }
    if let Some(w) = words.peek() {
        match w.as_str() {
            "~" => line.sort = Sort::Lines,
            "~~" => line.sort = Sort::Records,
            "~tree" => line.sort = Sort::Tree,
            _ => {}
        }
        if line.sort != Sort::None {
            words.next();
        }
    }
    if let Some(w) = words.peek() {
        if let Some(name) = w.strip_suffix(":=") {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("bad capture name in {w:?}"));
            }
            line.capture = Some(name.to_owned());
            words.next();
        }
    }
    while let Some(assignment) = words.peek().and_then(|w| is_env_assignment(w)) {
        line.env.push(assignment);
        words.next();
    }
    line.args = words.collect();
    if line.args.is_empty() {
        return Err("no arguments".into());
    }
    Ok(line)
}

fn parse_case_file(text: &str) -> Result<Vec<Script>, String> {
    let mut scripts = Vec::new();
    let mut current = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i + 1;
        let trimmed = raw.trim();
        if pending.is_none() && trimmed.starts_with('#') {
            continue;
        }
        if trimmed.is_empty() && pending.is_none() {
            if !current.is_empty() {
                scripts.push(Script {
                    lines: std::mem::take(&mut current),
                });
            }
            continue;
        }
        let (start, mut acc) = pending.take().unwrap_or((lineno, String::new()));
        if let Some(body) = trimmed.strip_suffix(" \\").or(trimmed.strip_suffix('\\')) {
            acc.push_str(body);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(trimmed);
        current.push(parse_line(start, &acc).map_err(|e| format!("line {start}: {e}"))?);
    }
    if let Some((start, _)) = pending {
        return Err(format!("line {start}: continuation at the end of the file"));
    }
    if !current.is_empty() {
        scripts.push(Script { lines: current });
    }
    Ok(scripts)
}

// ---------------------------------------------------------------------------------------------
// Running processes

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Exit(i32),
    Signal(i32),
    Timeout,
    SpawnError(String),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exit(c) => write!(f, "exit {c}"),
            Status::Signal(s) => write!(f, "killed by signal {s}"),
            Status::Timeout => write!(f, "TIMEOUT after {PROCESS_LIMIT:?} (killed)"),
            Status::SpawnError(e) => write!(f, "cannot run: {e}"),
        }
    }
}

struct Output {
    status: Status,
    stdout: String,
    stderr: String,
}

fn run_process(program: &str, args: &[String], env: &[(String, String)], clear: &[&str]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in clear {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Output {
                status: Status::SpawnError(e.to_string()),
                stdout: String::new(),
                stderr: String::new(),
            }
        }
    };
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + PROCESS_LIMIT;
    let mut pause = Duration::from_micros(500);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                use std::os::unix::process::ExitStatusExt;
                break match (st.code(), st.signal()) {
                    (Some(c), _) => Status::Exit(c),
                    (None, Some(s)) => Status::Signal(s),
                    _ => Status::SpawnError(format!("{st}")),
                };
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Status::Timeout;
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(5));
            }
            Err(e) => break Status::SpawnError(e.to_string()),
        }
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------
// Databases

fn schema_tables(schema: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(schema).unwrap_or_else(|e| panic!("read {schema}: {e}"));
    let json: Value = serde_json::from_str(&text).expect("parse the schema");
    let name = json["name"].as_str().expect("schema name").to_owned();
    let tables = json["tables"]
        .as_object()
        .expect("schema tables")
        .keys()
        .cloned()
        .collect();
    (name, tables)
}

/// One row in comparable form: column -> canonical value (no `_uuid`, no `_version`).
type Row = BTreeMap<String, String>;

/// A database in comparable form: per table, the sorted canonical rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Dump {
    tables: BTreeMap<String, Vec<Row>>,
    /// UUID -> `Table:name` for rows with a name.
    names: HashMap<String, String>,
    /// UUID -> `Table:name` or `Table#hash` for every row.
    labels: HashMap<String, String>,
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// 64-bit FNV-1a, stable across runs (unlike the std hasher's contract).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn atom_text(atom: &Value, label: &dyn Fn(&str) -> String) -> String {
    match atom {
        Value::Array(a) if a.len() == 2 && a[0] == "uuid" => label(a[1].as_str().unwrap_or("")),
        other => other.to_string(),
    }
}

fn datum_text(datum: &Value, label: &dyn Fn(&str) -> String) -> String {
    match datum {
        Value::Array(a) if a.len() == 2 && a[0] == "set" => {
            let mut items: Vec<String> = a[1]
                .as_array()
                .map(|v| v.iter().map(|x| atom_text(x, label)).collect())
                .unwrap_or_default();
            items.sort();
            format!("[{}]", items.join(", "))
        }
        Value::Array(a) if a.len() == 2 && a[0] == "map" => {
            let mut items: Vec<String> = a[1]
                .as_array()
                .map(|v| {
                    v.iter()
                        .map(|p| format!("{}={}", atom_text(&p[0], label), atom_text(&p[1], label)))
                        .collect()
                })
                .unwrap_or_default();
            items.sort();
            format!("{{{}}}", items.join(", "))
        }
        atom => atom_text(atom, label),
    }
}

fn row_cols(row: &serde_json::Map<String, Value>, label: &dyn Fn(&str) -> String) -> Row {
    row.iter()
        .filter(|(c, _)| *c != "_uuid" && *c != "_version")
        .map(|(c, v)| (c.clone(), datum_text(v, label)))
        .collect()
}

fn row_text(row: &Row) -> String {
    let parts: Vec<String> = row.iter().map(|(c, v)| format!("{c}={v}")).collect();
    parts.join(" ")
}

/// The name a row is known by, if it has one.
fn row_name(row: &serde_json::Map<String, Value>) -> Option<String> {
    for col in ["name", "target", "chassis_name"] {
        match row.get(col) {
            Some(Value::String(s)) if !s.is_empty() => return Some(s.clone()),
            Some(Value::Array(a)) if a.len() == 2 && a[0] == "set" => {
                if let Some([Value::String(s)]) = a[1].as_array().map(Vec::as_slice) {
                    return Some(s.clone());
                }
            }
            _ => {}
        }
    }
    None
}

fn dump_db(sandbox: &Sandbox, db: &str, tables: &[String]) -> Result<Dump, String> {
    let mut ops = vec![Value::String(db.into())];
    for t in tables {
        ops.push(serde_json::json!({"op": "select", "table": t, "where": []}));
    }
    let text = ovsdb::testing::run(
        "ovsdb-client",
        &[
            "--timeout=10".to_owned(),
            "transact".to_owned(),
            sandbox.remote(),
            Value::Array(ops).to_string(),
        ],
    )
    .map_err(|e| format!("dump failed: {e}"))?;
    let reply: Value = serde_json::from_str(&text).map_err(|e| format!("dump reply: {e}"))?;
    let results = reply.as_array().ok_or("dump reply is not an array")?;
    let mut rows: Vec<(&str, &serde_json::Map<String, Value>)> = Vec::new();
    for (table, result) in tables.iter().zip(results) {
        let list = result["rows"]
            .as_array()
            .ok_or_else(|| format!("no rows for {table}: {result}"))?;
        for row in list {
            rows.push((table, row.as_object().ok_or("row is not an object")?));
        }
    }
    // Labels: `Table:name`, else `Table#hash` of the contents with references masked.
    let mask = |_: &str| "<uuid>".to_owned();
    let mut labels: HashMap<String, String> = HashMap::new();
    let mut names = HashMap::new();
    for (table, row) in &rows {
        let uuid = atom_text(&row["_uuid"], &|u: &str| u.to_owned());
        let label = match row_name(row) {
            Some(name) => {
                let label = format!("{table}:{name}");
                names.insert(uuid.clone(), label.clone());
                label
            }
            None => format!(
                "{table}#{:08x}",
                fnv(&row_text(&row_cols(row, &mask))) as u32
            ),
        };
        labels.insert(uuid, label);
    }
    let label = |u: &str| {
        labels
            .get(u)
            .map_or_else(|| "<dangling>".to_owned(), |l| format!("<{l}>"))
    };
    let mut dump = Dump {
        names,
        labels: labels.clone(),
        ..Dump::default()
    };
    for (table, row) in &rows {
        dump.tables
            .entry(table.to_string())
            .or_default()
            .push(row_cols(row, &label));
    }
    for rows in dump.tables.values_mut() {
        rows.sort();
    }
    Ok(dump)
}

fn wipe_db(sandbox: &Sandbox, db: &str, tables: &[String]) -> Result<(), String> {
    let mut ops = vec![Value::String(db.into())];
    for t in tables {
        ops.push(serde_json::json!({"op": "delete", "table": t, "where": []}));
    }
    let text = ovsdb::testing::run(
        "ovsdb-client",
        &[
            "--timeout=10".to_owned(),
            "transact".to_owned(),
            sandbox.remote(),
            Value::Array(ops).to_string(),
        ],
    )
    .map_err(|e| format!("wipe failed: {e}"))?;
    if text.contains("\"error\"") {
        return Err(format!("wipe failed: {text}"));
    }
    Ok(())
}

/// The rows of `x` not matched by a row of `y` (multiset difference).
fn rows_only_in(x: &[Row], y: &[Row]) -> Vec<Row> {
    let mut y = y.to_vec();
    let mut res = Vec::new();
    for r in x {
        if let Some(i) = y.iter().position(|s| s == r) {
            y.swap_remove(i);
        } else {
            res.push(r.clone());
        }
    }
    res
}

/// What differs between two dumps, table by table: a row only in A next to the most similar
/// row only in B shows just the differing columns; other rows are shown whole (truncated).
fn db_diff(a: &Dump, b: &Dump) -> String {
    const SHOW: usize = 8;
    let mut out = String::new();
    let empty = Vec::new();
    let mut tables: Vec<&String> = a.tables.keys().chain(b.tables.keys()).collect();
    tables.sort();
    tables.dedup();
    for table in tables {
        let ra = a.tables.get(table).unwrap_or(&empty);
        let rb = b.tables.get(table).unwrap_or(&empty);
        if ra == rb {
            continue;
        }
        let _ = writeln!(
            out,
            "      table {table}: {} rows in A, {} in B",
            ra.len(),
            rb.len()
        );
        let only_a = rows_only_in(ra, rb);
        let mut only_b = rows_only_in(rb, ra);
        let mut unpaired_a = Vec::new();
        let mut shown = 0;
        for row in only_a {
            let same = |o: &Row| row.iter().filter(|(c, v)| o.get(*c) == Some(*v)).count();
            let best = (0..only_b.len()).max_by_key(|&i| same(&only_b[i]));
            match best {
                Some(i) if same(&only_b[i]) * 2 >= row.len() => {
                    let other = only_b.swap_remove(i);
                    shown += 1;
                    if shown > SHOW {
                        continue;
                    }
                    let id = row
                        .get("name")
                        .map_or_else(|| "a row".to_owned(), |n| format!("row name={n}"));
                    let _ = writeln!(out, "        {id} differs:");
                    for (c, v) in &row {
                        let w = other.get(c).map_or("(absent)", String::as_str);
                        if v != w {
                            let _ = writeln!(out, "          {c}: A {v}");
                            let _ = writeln!(out, "          {c:width$}  B {w}", width = c.len());
                        }
                    }
                }
                _ => unpaired_a.push(row),
            }
        }
        for (side, rows) in [("A", unpaired_a), ("B", only_b)] {
            for r in rows {
                shown += 1;
                if shown <= SHOW {
                    let _ = writeln!(out, "        only in {side}: {}", row_text(&r));
                }
            }
        }
        if shown > SHOW {
            let _ = writeln!(out, "        ... and {} more differences", shown - SHOW);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Output normalisation

/// Per side and per script: the order in which unnamed UUIDs first appeared.
#[derive(Default)]
struct Numbering {
    seen: HashMap<String, usize>,
}

/// Whether a UUID starts at byte `i` of `text`, as a word of its own (`--oneline` output puts
/// a literal `\n` right before it).
fn uuid_at(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
    i + 36 <= b.len()
        && text.is_char_boundary(i)
        && text.is_char_boundary(i + 36)
        && is_uuid(&text[i..i + 36])
        && (i == 0 || !word(b[i - 1]) || (i >= 2 && b[i - 1] == b'n' && b[i - 2] == b'\\'))
        && (i + 36 == b.len() || !word(b[i + 36]))
}

/// Replaces every UUID of `text` through `f`.
fn map_uuids(text: &str, mut f: impl FnMut(&str) -> String) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while i + 36 <= b.len() {
        if uuid_at(text, i) {
            out.push_str(&text[last..i]);
            out.push_str(&f(&text[i..i + 36].to_ascii_lowercase()));
            i += 36;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Replaces each UUID prefix a line used (`${s:8}`) by its placeholder, where it stands as a
/// word of its own (not inside a longer run of letters and digits).
fn replace_prefixes(text: &str, prefixes: &[(String, String)]) -> String {
    let mut text = text.to_owned();
    for (short, placeholder) in prefixes {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(short.as_str()) {
            let before = rest[..at].chars().next_back();
            let after = rest[at + short.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
            out.push_str(&rest[..at]);
            if word(before) || word(after) {
                out.push_str(short);
            } else {
                out.push_str(placeholder);
            }
            rest = &rest[at + short.len()..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

fn first_uuid(text: &str) -> Option<String> {
    let mut found = None;
    map_uuids(text, |u| {
        if found.is_none() {
            found = Some(u.to_owned());
        }
        String::new()
    });
    found
}

/// What a side knows about UUIDs when normalising its output.
struct Known<'a> {
    /// `Table:name` of named rows.
    names: &'a HashMap<String, String>,
    /// `Table:name` or `Table#hash` of every row seen in the database: breaks ties between
    /// unnamed UUIDs when sorting.
    hints: &'a HashMap<String, String>,
}

/// A sort key for `text`: UUIDs by label or number when known, else by the contents of the
/// row they name (if any).
fn masked_key(text: &str, known: &Known<'_>, numbering: &Numbering) -> String {
    map_uuids(text, |x| {
        match (known.names.get(x), numbering.seen.get(x)) {
            (Some(l), _) => format!("<{l}>"),
            (None, Some(n)) => format!("<{n:09}>"),
            (None, None) => format!("<~{}>", known.hints.get(x).map_or("", String::as_str)),
        }
    })
}

/// Sorts the UUIDs within each run of UUIDs separated by `, ` or ` ` (a set of references as
/// `get`, `list` or `--bare` print it: the real tools order them by UUID value, which differs
/// between the two databases).
fn sort_uuid_runs(text: &str, known: &Known<'_>, numbering: &Numbering) -> String {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // Find every UUID position first.
    let b = text.as_bytes();
    let mut positions = Vec::new();
    let mut i = 0;
    while i + 36 <= b.len() {
        if uuid_at(text, i) {
            positions.push(i);
            i += 36;
        } else {
            i += 1;
        }
    }
    // Group into runs.
    let mut run_start = 0;
    for k in 1..=positions.len() {
        let joined = k < positions.len() && {
            let gap = &text[positions[k - 1] + 36..positions[k]];
            gap == ", " || gap == " " || gap == ","
        };
        if !joined {
            if k - run_start > 1 {
                spans.push((run_start, k));
            }
            run_start = k;
        }
    }
    if spans.is_empty() {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    for &(from, to) in spans.iter().rev() {
        let mut uuids: Vec<&str> = positions[from..to]
            .iter()
            .map(|&p| &text[p..p + 36])
            .collect();
        uuids.sort_by_key(|u| masked_key(u, known, numbering));
        for (k, &p) in positions[from..to].iter().enumerate().rev() {
            out.replace_range(p..p + 36, uuids[k]);
        }
    }
    out
}

/// One line of indented output with the lines indented deeper below it.
struct Block<'a> {
    head: &'a str,
    children: Vec<Block<'a>>,
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn parse_blocks<'a>(lines: &[&'a str], at: &mut usize, min_indent: usize) -> Vec<Block<'a>> {
    let mut blocks = Vec::new();
    while *at < lines.len() {
        let line = lines[*at];
        let ind = indentation(line);
        if ind < min_indent {
            break;
        }
        *at += 1;
        let children = parse_blocks(lines, at, ind + 1);
        blocks.push(Block {
            head: line,
            children,
        });
    }
    blocks
}

fn flatten(block: &Block<'_>, out: &mut Vec<String>) {
    out.push(block.head.to_owned());
    for c in &block.children {
        flatten(c, out);
    }
}

/// Sorts, at every level, runs of consecutive sibling blocks whose heads start with the same
/// word (`port ...` blocks of a switch, `Bridge ...` blocks of ovs-vsctl show), leaving the
/// order of everything else.
fn sort_tree(blocks: &mut [Block<'_>], known: &Known<'_>, numbering: &Numbering) -> Vec<String> {
    let word = |b: &Block<'_>| b.head.split_whitespace().next().unwrap_or("").to_owned();
    let mut out = Vec::new();
    let mut i = 0;
    while i < blocks.len() {
        let w = word(&blocks[i]);
        let mut j = i + 1;
        while j < blocks.len() && word(&blocks[j]) == w {
            j += 1;
        }
        let mut group: Vec<(String, Vec<String>)> = blocks[i..j]
            .iter_mut()
            .map(|b| {
                let mut lines = vec![b.head.to_owned()];
                lines.extend(sort_tree(&mut b.children, known, numbering));
                (masked_key(&lines.join("\n"), known, numbering), lines)
            })
            .collect();
        group.sort();
        for (_, lines) in group {
            out.extend(lines);
        }
        i = j;
    }
    out
}

fn normalise(text: &str, sort: Sort, known: &Known<'_>, numbering: &mut Numbering) -> String {
    let text = sort_uuid_runs(text, known, numbering);
    let trailing = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(&text);
    // Sort on keys where unseen unnamed UUIDs are masked, so the numbering that follows does
    // not depend on the original order.
    let sorted = match sort {
        Sort::None => text.clone(),
        Sort::Lines => {
            let mut units: Vec<(String, &str)> = body
                .split('\n')
                .map(|u| (masked_key(u, known, numbering), u))
                .collect();
            units.sort();
            let mut joined = units.iter().map(|(_, u)| *u).collect::<Vec<_>>().join("\n");
            if trailing {
                joined.push('\n');
            }
            joined
        }
        Sort::Records => {
            // Records are runs of non-empty lines; they come back separated by one blank
            // line, followed by as many newlines as the text ended with.
            let mut records: Vec<Vec<&str>> = Vec::new();
            let mut current = Vec::new();
            for l in text.lines() {
                if l.is_empty() {
                    if !current.is_empty() {
                        records.push(std::mem::take(&mut current));
                    }
                } else {
                    current.push(l);
                }
            }
            if !current.is_empty() {
                records.push(current);
            }
            let mut units: Vec<(String, String)> = records
                .into_iter()
                .map(|r| {
                    let r = r.join("\n");
                    (masked_key(&r, known, numbering), r)
                })
                .collect();
            units.sort();
            let mut joined = units
                .into_iter()
                .map(|(_, u)| u)
                .collect::<Vec<_>>()
                .join("\n\n");
            let newlines = text.len() - text.trim_end_matches('\n').len();
            joined.push_str(&"\n".repeat(newlines));
            joined
        }
        Sort::Tree => {
            let lines: Vec<&str> = body.split('\n').collect();
            let mut at = 0;
            let mut blocks = Vec::new();
            while at < lines.len() {
                blocks.extend(parse_blocks(&lines, &mut at, 0));
            }
            let mut joined = sort_tree(&mut blocks, known, numbering).join("\n");
            if trailing {
                joined.push('\n');
            }
            joined
        }
    };
    map_uuids(&sorted, |u| match known.names.get(u) {
        Some(l) => format!("<{l}>"),
        None => {
            let next = numbering.seen.len();
            format!("<{}>", numbering.seen.entry(u.to_owned()).or_insert(next))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Sides and the comparison

struct Side {
    program: String,
    sandbox: Sandbox,
    vars: HashMap<String, String>,
    numbering: Numbering,
    names: HashMap<String, String>,
    hints: HashMap<String, String>,
    dump: Dump,
}

struct Outcome {
    status: Status,
    stdout: String,
    stderr: String,
    db: Result<Dump, String>,
    capture_error: Option<String>,
}

/// Substitutes `${DB}` and `${NAME}` / `${NAME:N}` in `arg`, recording each shortened value
/// (a UUID prefix) with its placeholder in `prefixes` so outputs can show the placeholder.
fn substitute(
    arg: &str,
    vars: &HashMap<String, String>,
    remote: &str,
    prefixes: &mut Vec<(String, String)>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = arg;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find('}')
            .ok_or_else(|| format!("unterminated ${{ in {arg:?}"))?;
        let spec = &rest[at + 2..at + end];
        let (name, len) = match spec.split_once(':') {
            Some((n, l)) => (
                n,
                Some(l.parse::<usize>().map_err(|e| format!("{spec}: {e}"))?),
            ),
            None => (spec, None),
        };
        let value = if name == "DB" {
            remote.to_owned()
        } else {
            vars.get(name)
                .cloned()
                .ok_or_else(|| format!("${{{name}}} was not captured"))?
        };
        match len {
            Some(l) if l < value.len() => {
                let short = &value[..l];
                if !short.is_empty() {
                    prefixes.push((short.to_owned(), format!("${{{spec}}}")));
                }
                out.push_str(short);
            }
            _ => out.push_str(&value),
        }
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Side {
    fn new(program: String, schema: &str) -> Side {
        Side {
            program,
            sandbox: Sandbox::start(&[schema]).expect("start ovsdb-server"),
            vars: HashMap::new(),
            numbering: Numbering::default(),
            names: HashMap::new(),
            hints: HashMap::new(),
            dump: Dump::default(),
        }
    }

    /// Starts a new script: empty database, no captures, fresh numbering.
    fn reset(&mut self, db: &str, tables: &[String], schema: &str) {
        if wipe_db(&self.sandbox, db, tables).is_err() {
            self.sandbox = Sandbox::start(&[schema]).expect("restart ovsdb-server");
        }
        self.vars.clear();
        self.numbering = Numbering::default();
        self.names.clear();
        self.hints.clear();
        self.dump = Dump::default();
    }

    fn run(&mut self, tool: &Tool, line: &Line, db: &str, tables: &[String]) -> Outcome {
        let remote = self.sandbox.remote();
        let mut args = Vec::new();
        let mut bad = None;
        let mut mentions_db = false;
        let mut prefixes = Vec::new();
        for a in &line.args {
            mentions_db |= a.contains("${DB}");
            match substitute(a, &self.vars, &remote, &mut prefixes) {
                Ok(s) => args.push(s),
                Err(e) => bad = Some(e),
            }
        }
        let mut env = Vec::new();
        for (k, v) in &line.env {
            mentions_db |= v.contains("${DB}");
            match substitute(v, &self.vars, &remote, &mut prefixes) {
                Ok(s) => env.push((k.clone(), s)),
                Err(e) => bad = Some(e),
            }
        }
        if let Some(e) = bad {
            return Outcome {
                status: Status::SpawnError(format!("harness: {e}")),
                stdout: String::new(),
                stderr: String::new(),
                db: Ok(self.dump.clone()),
                capture_error: None,
            };
        }
        let mut argv: Vec<String> = Vec::new();
        if !mentions_db {
            argv.push(format!("--db={remote}"));
        }
        argv.extend(tool.extra_args.iter().map(|s| s.to_string()));
        argv.extend(args);
        let out = run_process(&self.program, &argv, &env, tool.env_clear);
        let dump = dump_db(&self.sandbox, db, tables);
        if let Ok(d) = &dump {
            for (u, l) in &d.names {
                self.names.insert(u.clone(), l.clone());
            }
            for (u, l) in &d.labels {
                self.hints.insert(u.clone(), l.clone());
            }
            self.dump = d.clone();
        }
        let mut capture_error = None;
        if let Some(name) = &line.capture {
            let value = first_uuid(&out.stdout)
                .or_else(|| out.stdout.lines().next().map(|l| l.trim().to_owned()));
            match value {
                Some(v) if !v.is_empty() => {
                    self.vars.insert(name.clone(), v);
                }
                _ => capture_error = Some(format!("nothing to capture into ${{{name}}}")),
            }
        }
        let fix_name =
            |s: &str| ovsdb::testing::mask_vlog_timestamps(&s.replace(tool.ours_name, tool.real));
        let known = Known {
            names: &self.names,
            hints: &self.hints,
        };
        // A known divergence may print UUIDs on one side only: it must not shift the
        // numbering of the lines after it.
        let saved = line.known_divergence.then(|| self.numbering.seen.clone());
        let stdout = normalise(
            &fix_name(&out.stdout),
            line.sort,
            &known,
            &mut self.numbering,
        );
        let stderr = normalise(
            &fix_name(&out.stderr),
            Sort::None,
            &known,
            &mut self.numbering,
        );
        if let Some(seen) = saved {
            self.numbering.seen = seen;
        }
        let stdout = replace_prefixes(&stdout, &prefixes);
        let stderr = replace_prefixes(&stderr, &prefixes);
        Outcome {
            status: out.status,
            stdout,
            stderr,
            db: dump,
            capture_error,
        }
    }
}

struct Mismatch {
    script: usize,
    lineno: usize,
    command: String,
    what: Vec<&'static str>,
    a: Outcome,
    b: Outcome,
    earlier: bool,
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "      (empty)\n".into();
    }
    let mut out = String::new();
    for l in text.split_inclusive('\n') {
        out.push_str("      | ");
        out.push_str(l);
    }
    if !out.ends_with('\n') {
        out.push_str("\n      (no newline at end)\n");
    }
    out
}

fn report(tool: &Tool, file: &str, programs: (&str, &str), m: &Mismatch) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "--- {}/{file}.txt:{} (script {}){}: {} differ",
        tool.name,
        m.lineno,
        m.script,
        if m.earlier {
            ", after an earlier mismatch in this script"
        } else {
            ""
        },
        m.what.join(", ")
    );
    let _ = writeln!(out, "    command: {}", m.command);
    for (name, o) in [(programs.0, &m.a), (programs.1, &m.b)] {
        let _ = writeln!(out, "    {name}: {}", o.status);
        if let Some(e) = &o.capture_error {
            let _ = writeln!(out, "    {name}: {e}");
        }
        let _ = write!(out, "    {name} stdout:\n{}", indent(&o.stdout));
        let _ = write!(out, "    {name} stderr:\n{}", indent(&o.stderr));
    }
    match (&m.a.db, &m.b.db) {
        (Ok(a), Ok(b)) if a.tables != b.tables => {
            let _ = write!(
                out,
                "    database (A = {}, B = {}):\n{}",
                programs.0,
                programs.1,
                db_diff(a, b)
            );
        }
        (Err(e), _) | (_, Err(e)) => {
            let _ = writeln!(out, "    database: {e}");
        }
        _ => {}
    }
    out
}

/// Runs every script of `tests/cases/<tool>/<file>.txt` on both sides and panics with a
/// report of every mismatch.
pub fn run_case_file(tool: &Tool, file: &str) {
    let rel = format!("{}/{file}.txt", tool.name);
    if let Ok(filter) = std::env::var("DIFF_FILTER") {
        if !rel.contains(&filter) {
            return;
        }
    }
    if !environment_ready(tool) {
        return;
    }
    let path = tool.case_dir().join(format!("{file}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {rel}: {e}"));
    let scripts = parse_case_file(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let self_check = env_flag("DIFF_SELF_CHECK");
    let verbose = env_flag("DIFF_VERBOSE");
    let ours = if self_check { tool.real } else { tool.ours };
    let programs = (
        tool.real,
        if self_check {
            tool.real
        } else {
            tool.ours_name
        },
    );
    let (db, tables) = schema_tables(tool.schema);

    let started = Instant::now();
    let mut a = Side::new(tool.real.to_owned(), tool.schema);
    let mut b = Side::new(ours.to_owned(), tool.schema);
    let mut mismatches = Vec::new();
    let mut known = Vec::new();
    let mut count = 0;
    let init_line = tool.init.map(|args| Line {
        lineno: 0,
        text: format!("(start of script) {}", args.join(" ")),
        known_divergence: false,
        sort: Sort::None,
        capture: None,
        env: Vec::new(),
        args: args.iter().map(|s| s.to_string()).collect(),
    });
    for (index, script) in scripts.iter().enumerate() {
        if index > 0 {
            a.reset(&db, &tables, tool.schema);
            b.reset(&db, &tables, tool.schema);
        }
        let first = script.lines[0].lineno;
        let mut earlier = false;
        for line in init_line.iter().chain(&script.lines) {
            let lineno = if line.lineno == 0 { first } else { line.lineno };
            // Both sides at once: they share nothing.
            let (oa, ob) = std::thread::scope(|s| {
                let side_a = s.spawn(|| a.run(tool, line, &db, &tables));
                let ob = b.run(tool, line, &db, &tables);
                (side_a.join().expect("side A panicked"), ob)
            });
            if line.lineno != 0 {
                count += 1;
            }
            if verbose {
                let mut t = format!("{rel}:{lineno}$ {}\n", line.text);
                let _ = write!(t, "{}{}  [{}]", oa.stdout, oa.stderr, oa.status);
                note(&t);
            }
            let mut what = Vec::new();
            if oa.status != ob.status
                || matches!(oa.status, Status::Timeout | Status::SpawnError(_))
            {
                what.push("status");
            }
            if oa.capture_error.is_some() || ob.capture_error.is_some() {
                what.push("capture");
            }
            if oa.stdout != ob.stdout {
                what.push("stdout");
            }
            if oa.stderr != ob.stderr {
                what.push("stderr");
            }
            match (&oa.db, &ob.db) {
                (Ok(x), Ok(y)) if x.tables == y.tables => {}
                _ => what.push("database"),
            }
            if !what.is_empty() && line.known_divergence && !self_check {
                known.push(format!(
                    "  {}/{file}.txt:{lineno} [{}] {}",
                    tool.name,
                    what.join(","),
                    line.text
                ));
            } else if !what.is_empty() {
                mismatches.push(Mismatch {
                    script: index + 1,
                    lineno,
                    command: line.text.clone(),
                    what,
                    a: oa,
                    b: ob,
                    earlier,
                });
                earlier = true;
            }
        }
    }
    let summary = format!(
        "{} differential [{file}.txt]{}: {count} lines in {} scripts, {} mismatches{} ({:.1}s)",
        tool.name,
        if self_check { " (self-check)" } else { "" },
        scripts.len(),
        mismatches.len(),
        if known.is_empty() {
            String::new()
        } else {
            format!(", {} known divergences", known.len())
        },
        started.elapsed().as_secs_f64()
    );
    note(&summary);
    if !known.is_empty() {
        note(&format!(
            "known divergences (lines marked `!`):\n{}",
            known.join("\n")
        ));
    }
    if !mismatches.is_empty() {
        // An index of every mismatch first, then the details (of the first DIFF_DETAILS,
        // 200 by default).
        let limit = std::env::var("DIFF_DETAILS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200);
        let mut text = String::from("mismatches (* = after an earlier one in its script):\n");
        for m in &mismatches {
            let _ = writeln!(
                text,
                "  {}{}/{file}.txt:{} [{}] {}",
                if m.earlier { "*" } else { " " },
                tool.name,
                m.lineno,
                m.what.join(","),
                m.command
            );
        }
        for m in mismatches.iter().take(limit) {
            text.push_str(&report(tool, file, programs, m));
        }
        if mismatches.len() > limit {
            let _ = writeln!(
                text,
                "... details of {} more mismatches left out (set DIFF_DETAILS)",
                mismatches.len() - limit
            );
        }
        panic!("{summary}\n{text}{summary}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_words(r#"set x 'a b' "c \"d\"" e\ f g"h"i"#).unwrap(),
            ["set", "x", "a b", "c \"d\"", "e f", "ghi"]
        );
        assert_eq!(split_words("a ''").unwrap(), ["a", ""]);
        assert!(split_words("'x").is_err());
    }

    const U1: &str = "6a1c2f0e-1111-4222-8333-000000000001";
    const U2: &str = "0b2d3e4f-1111-4222-8333-000000000002";

    fn known_names() -> HashMap<String, String> {
        HashMap::from([(U2.to_owned(), "Logical_Switch:sw0".to_owned())])
    }

    #[test]
    fn parses_markers_captures_and_variables() {
        let scripts = parse_case_file(
            "# comment\nls-add sw0\n~ x:= OVN_NBCTL_OPTIONS=--oneline ls-list \\\n  -- ls-list\n\n\
             ~tree show\n",
        )
        .unwrap();
        assert_eq!(scripts.len(), 2);
        let l = &scripts[0].lines[1];
        assert_eq!((l.lineno, l.sort), (3, Sort::Lines));
        assert_eq!(l.capture.as_deref(), Some("x"));
        assert_eq!(l.env, [("OVN_NBCTL_OPTIONS".into(), "--oneline".into())]);
        assert_eq!(l.args, ["ls-list", "--", "ls-list"]);
        assert_eq!(scripts[1].lines[0].sort, Sort::Tree);
        let vars = HashMap::from([("x".to_owned(), U1.to_owned())]);
        let mut prefixes = Vec::new();
        assert_eq!(
            substitute("${x:8}/${DB}", &vars, "unix:s", &mut prefixes).unwrap(),
            "6a1c2f0e/unix:s"
        );
        assert_eq!(prefixes, [("6a1c2f0e".to_owned(), "${x:8}".to_owned())]);
        assert!(substitute("${y}", &vars, "", &mut prefixes).is_err());
    }

    #[test]
    fn numbers_and_labels_uuids() {
        let names = known_names();
        let hints = HashMap::new();
        let known = Known {
            names: &names,
            hints: &hints,
        };
        let mut n = Numbering::default();
        let text = format!("{U1} ({U2})\\n{U1}\n[{U2}, {U1}]\n");
        assert_eq!(
            normalise(&text, Sort::None, &known, &mut n),
            "<0> (<Logical_Switch:sw0>)\\n<0>\n[<Logical_Switch:sw0>, <0>]\n"
        );
        assert_eq!(
            ovsdb::testing::mask_vlog_timestamps("2026-12-02T17:55:34Z|00002|x|WARN|y\n"),
            "<timestamp>|00002|x|WARN|y\n"
        );
        assert_eq!(
            replace_prefixes("no row \"6a1c\" x6a1c", &[("6a1c".into(), "${u:4}".into())]),
            "no row \"${u:4}\" x6a1c"
        );
    }

    #[test]
    fn sorts_lines_records_and_trees() {
        let names = HashMap::new();
        let hints = HashMap::new();
        let known = Known {
            names: &names,
            hints: &hints,
        };
        let mut n = Numbering::default();
        assert_eq!(normalise("b\na\n", Sort::Lines, &known, &mut n), "a\nb\n");
        assert_eq!(
            normalise("x: 2\ny: 2\n\nx: 1\n\n", Sort::Records, &known, &mut n),
            "x: 1\n\nx: 2\ny: 2\n\n"
        );
        let show = "s\n    port b\n        type: t\n    port a\nr\n    nat 1\n";
        assert_eq!(
            normalise(show, Sort::Tree, &known, &mut n),
            "s\n    port a\n    port b\n        type: t\nr\n    nat 1\n"
        );
    }
}
