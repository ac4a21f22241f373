//! Commands: their table entry ([`CommandSpec`]), one parsed invocation ([`Command`]), and
//! splitting the words after the global options into a `--`-separated chain, with
//! `db-ctl-base`'s checks and messages.

use std::collections::BTreeMap;

use super::context::Context;
use super::error::{CtlError, CtlResult};
use super::options::{Arg, OptSpec};

/// Whether a command only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads only.
    ReadOnly,
    /// May write.
    ReadWrite,
}

/// What runs a command: it reads and writes through the context and appends what it prints
/// to `ctx.output`.
pub type Handler = fn(&mut Context<'_>, &Command) -> CtlResult<()>;

/// One entry of a tool's command table.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// The name (`lsp-add`).
    pub name: &'static str,
    /// The fewest arguments.
    pub min_args: usize,
    /// The most arguments (`usize::MAX`: no limit).
    pub max_args: usize,
    /// The options it takes, as db-ctl-base writes them: `"--if-exists,--columns="`
    /// (`=`: takes a value; `?`: value optional).
    pub options: &'static str,
    /// Reads only, or may write.
    pub mode: Mode,
    /// The code.
    pub run: Handler,
}

impl CommandSpec {
    /// A table entry (the command tables list these one per line).
    pub const fn new(
        name: &'static str,
        min_args: usize,
        max_args: usize,
        options: &'static str,
        mode: Mode,
        run: Handler,
    ) -> Self {
        CommandSpec {
            name,
            min_args,
            max_args,
            options,
            mode,
            run,
        }
    }

    /// The options as [`OptSpec`]s (for the global option table).
    pub fn option_specs(&self) -> Vec<OptSpec> {
        self.options
            .split(',')
            .filter(|o| !o.is_empty())
            .filter_map(|o| {
                let o = o.strip_prefix("--")?;
                Some(if let Some(n) = o.strip_suffix('=') {
                    OptSpec {
                        long: leak(n),
                        short: None,
                        arg: Arg::Required,
                    }
                } else if let Some(n) = o.strip_suffix('?') {
                    OptSpec {
                        long: leak(n),
                        short: None,
                        arg: Arg::Optional,
                    }
                } else {
                    OptSpec {
                        long: leak(o),
                        short: None,
                        arg: Arg::None,
                    }
                })
            })
            .collect()
    }
}

/// The command tables are static; option names borrowed from them live as long.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// One command of a chain, as typed.
#[derive(Debug, Clone)]
pub struct Command {
    /// Its name.
    pub name: String,
    /// Its options (`--if-exists` -> None, `--columns` -> Some("a,b")).
    pub options: BTreeMap<String, Option<String>>,
    /// Its arguments.
    pub args: Vec<String>,
}

impl Command {
    /// Whether option `name` (with its dashes) was given.
    pub fn has(&self, name: &str) -> bool {
        self.options.contains_key(name)
    }

    /// The value of option `name`, if given with one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(|v| v.as_deref())
    }

    /// Argument `i` (callers have checked the count against the spec).
    pub fn arg(&self, i: usize) -> &str {
        self.args.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Splits `words` into commands on `--`, binds `first_options` to the first, looks each up
/// in `table` and checks its options and argument count (`ctl_parse_commands`).
pub fn parse_chain<'t>(
    words: &[String],
    first_options: &[(String, Option<String>)],
    table: &'t [CommandSpec],
) -> CtlResult<Vec<(&'t CommandSpec, Command)>> {
    let mut groups: Vec<&[String]> = Vec::new();
    let mut start = 0;
    for (i, w) in words.iter().enumerate() {
        if w == "--" {
            groups.push(&words[start..i]);
            start = i + 1;
        }
    }
    groups.push(&words[start..]);
    let mut out = Vec::new();
    for (n, group) in groups.into_iter().enumerate() {
        if group.is_empty() && (n != 0 || first_options.is_empty()) {
            continue;
        }
        let inherited = if out.is_empty() { first_options } else { &[] };
        out.push(parse_one(group, inherited, table)?);
    }
    if out.is_empty() {
        return Err(CtlError::new("missing command name (use --help for help)"));
    }
    Ok(out)
}

fn parse_one<'t>(
    words: &[String],
    inherited: &[(String, Option<String>)],
    table: &'t [CommandSpec],
) -> CtlResult<(&'t CommandSpec, Command)> {
    let mut options: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (k, v) in inherited {
        options.insert(k.clone(), v.clone());
    }
    let mut i = 0;
    while i < words.len() && words[i].starts_with('-') {
        let (key, value) = match words[i].split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (words[i].clone(), None),
        };
        if options.contains_key(&key) {
            return Err(CtlError::new(format!(
                "'{key}' option specified multiple times"
            )));
        }
        options.insert(key, value);
        i += 1;
    }
    let Some(name) = words.get(i) else {
        return Err(CtlError::new("missing command name (use --help for help)"));
    };
    let spec = table
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| CtlError::new(format!("unknown command '{name}'; use --help for help")))?;
    for (key, value) in &options {
        // db-ctl-base finds the option with strstr in the spec's option string, so the
        // character after the match decides.
        let end = spec
            .options
            .find(key.as_str())
            .map(|at| spec.options[at + key.len()..].chars().next());
        let end = match end {
            Some(Some(c)) if "=,? ".contains(c) => Some(c),
            Some(None) => None,
            _ => {
                return Err(CtlError::new(format!(
                    "'{name}' command has no '{key}' option"
                )));
            }
        };
        if end != Some('?') && (end == Some('=')) != value.is_some() {
            return Err(CtlError::new(if end == Some('=') {
                format!("missing argument to '{key}' option on '{name}' command")
            } else {
                format!("'{key}' option on '{name}' does not accept an argument")
            }));
        }
    }
    let args: Vec<String> = words[i + 1..].to_vec();
    if args.len() < spec.min_args {
        return Err(CtlError::new(format!(
            "'{name}' command requires at least {} arguments",
            spec.min_args
        )));
    }
    if args.len() > spec.max_args {
        let note = if args.iter().any(|a| a.starts_with('-')) {
            " (note that options must precede command names and follow a \"--\" argument)"
        } else {
            ""
        };
        return Err(CtlError::new(format!(
            "'{name}' command takes at most {} arguments{note}",
            spec.max_args
        )));
    }
    Ok((
        spec,
        Command {
            name: name.clone(),
            options,
            args,
        },
    ))
}
