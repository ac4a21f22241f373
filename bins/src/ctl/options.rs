//! Global options, parsed like `getopt_long` with a leading `+` (stop at the first word that
//! is not an option) as the C tools parse them: long options by any unambiguous prefix
//! (`--if-exist`, `--may`, `--colum=`), `--opt=value` or `--opt value`, short options alone
//! or clustered (`-t5`). The commands' own options (`--if-exists`, `--columns=`, ...) are in the
//! same table; given before the first command, they bind to it.
//!
//! Hand-written because no crate reproduces getopt's prefix rules together with the ctl rule
//! that per-command options join the global table (clap's prefix inference refuses them).

use super::error::{CtlError, CtlResult};
use super::format::{DataFormat, Format, Style};

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// `--flag`
    None,
    /// `--opt=value` or `--opt value`
    Required,
    /// `--opt` or `--opt=value`
    Optional,
}

/// One long option (with its short letter, if any).
#[derive(Debug, Clone, Copy)]
pub struct OptSpec {
    /// The name without dashes.
    pub long: &'static str,
    /// The short letter.
    pub short: Option<char>,
    /// Its argument.
    pub arg: Arg,
}

impl OptSpec {
    /// `--long` with no argument.
    pub const fn flag(long: &'static str) -> Self {
        OptSpec {
            long,
            short: None,
            arg: Arg::None,
        }
    }

    /// `--long=VALUE`.
    pub const fn value(long: &'static str) -> Self {
        OptSpec {
            long,
            short: None,
            arg: Arg::Required,
        }
    }

    /// With a short letter.
    pub const fn short(mut self, c: char) -> Self {
        self.short = Some(c);
        self
    }
}

/// Where the two C tools' option parsing differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetoptDialect {
    /// ovs-vsctl: an ambiguous prefix lists the possibilities
    /// (`option '--no' is ambiguous; possibilities: '--a' '--b'`), and a command option
    /// repeated before the first command is let through (the last one counts).
    OvsVsctl,
    /// ovn-nbctl: an ambiguous prefix is `unrecognized option '--no'`, and a repeated command
    /// option is `'--x' option specified multiple times`.
    OvnNbctl,
}

/// The options both tools understand, once parsed, plus the ones a tool adds.
#[derive(Debug, Clone)]
pub struct GlobalOptions {
    /// `--db`
    pub db: Option<String>,
    /// `-t/--timeout` in seconds (0: none).
    pub timeout: u64,
    /// `--dry-run`
    pub dry_run: bool,
    /// `--oneline`
    pub oneline: bool,
    /// `-f`, `-d`, `--no-headings`, `--pretty`, `--bare`.
    pub style: Style,
    /// `--leader-only` (default) / `--no-leader-only`.
    pub leader_only: bool,
    /// `--shuffle-remotes` (default) / `--no-shuffle-remotes`.
    pub shuffle_remotes: bool,
    /// `-p/--private-key`
    pub private_key: Option<String>,
    /// `-c/--certificate`
    pub certificate: Option<String>,
    /// `-C/--ca-cert`
    pub ca_cert: Option<String>,
    /// `--bootstrap-ca-cert`
    pub bootstrap_ca_cert: Option<String>,
    /// `--no-wait`
    pub no_wait: bool,
    /// `--wait=none|sb|hv` (ovn-nbctl).
    pub wait: Option<String>,
    /// `--print-wait-time` (ovn-nbctl).
    pub print_wait_time: bool,
    /// `--retry` (ovs-vsctl).
    pub retry: bool,
    /// `-h/--help`
    pub help: bool,
    /// `-V/--version`
    pub version: bool,
    /// Command options given before the first command, in order: (`--name`, value).
    pub first_command_options: Vec<(String, Option<String>)>,
}

impl Default for GlobalOptions {
    fn default() -> Self {
        GlobalOptions {
            db: None,
            timeout: 0,
            dry_run: false,
            oneline: false,
            style: Style::default(),
            leader_only: true,
            shuffle_remotes: true,
            private_key: None,
            certificate: None,
            ca_cert: None,
            bootstrap_ca_cert: None,
            no_wait: false,
            wait: None,
            print_wait_time: false,
            retry: false,
            help: false,
            version: false,
            first_command_options: Vec::new(),
        }
    }
}

/// The options both tools take (the tool adds its own).
pub const COMMON: &[OptSpec] = &[
    OptSpec::value("db"),
    OptSpec::value("timeout").short('t'),
    OptSpec::flag("dry-run"),
    OptSpec::flag("oneline"),
    OptSpec::value("format").short('f'),
    OptSpec::value("data").short('d'),
    OptSpec::flag("no-headings"),
    OptSpec::flag("pretty"),
    OptSpec::flag("bare"),
    OptSpec::value("max-column-width"),
    OptSpec::flag("leader-only"),
    OptSpec::flag("no-leader-only"),
    OptSpec::flag("shuffle-remotes"),
    OptSpec::flag("no-shuffle-remotes"),
    OptSpec::value("private-key").short('p'),
    OptSpec::value("certificate").short('c'),
    OptSpec::value("ca-cert").short('C'),
    OptSpec::value("bootstrap-ca-cert"),
    OptSpec::flag("no-wait"),
    OptSpec::flag("help").short('h'),
    OptSpec::flag("version").short('V'),
    OptSpec {
        long: "verbose",
        short: Some('v'),
        arg: Arg::Optional,
    },
    OptSpec {
        long: "log-file",
        short: None,
        arg: Arg::Optional,
    },
    OptSpec::flag("no-syslog"),
    OptSpec::value("syslog-method"),
];

/// Parses the global options of `argv` (without the program name). `tool` are the tool's own
/// options; `command_options` every `--name` / `--name=` a command takes. Returns the options
/// and the remaining words (the command chain).
pub fn parse(
    argv: &[String],
    tool: &[OptSpec],
    command_options: &[OptSpec],
    dialect: GetoptDialect,
) -> CtlResult<(GlobalOptions, Vec<String>)> {
    let mut specs: Vec<OptSpec> = COMMON.iter().chain(tool).copied().collect();
    for c in command_options {
        if !specs.iter().any(|s| s.long == c.long) {
            specs.push(*c);
        }
    }
    let is_command_option = |name: &str| {
        command_options.iter().any(|c| c.long == name)
            && !COMMON.iter().chain(tool).any(|s| s.long == name)
    };
    let mut opts = GlobalOptions::default();
    let mut i = 0;
    while i < argv.len() {
        let word = &argv[i];
        if word == "--" {
            i += 1;
            break;
        }
        if let Some(body) = word.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let spec = find_long(&specs, name, word, dialect)?;
            let value = match (spec.arg, inline) {
                (Arg::None, Some(_)) => {
                    return Err(CtlError::new(format!(
                        "option '{word}' doesn't allow an argument"
                    )))
                }
                (Arg::None, None) => None,
                (Arg::Optional, v) => v,
                (Arg::Required, Some(v)) => Some(v),
                (Arg::Required, None) => {
                    i += 1;
                    match argv.get(i) {
                        Some(v) => Some(v.clone()),
                        None => {
                            return Err(CtlError::new(format!(
                                "option '--{}' requires an argument",
                                spec.long
                            )))
                        }
                    }
                }
            };
            if is_command_option(spec.long) {
                let key = format!("--{}", spec.long);
                if let Some(slot) = opts
                    .first_command_options
                    .iter_mut()
                    .find(|(k, _)| *k == key)
                {
                    if dialect == GetoptDialect::OvsVsctl {
                        slot.1 = value;
                        i += 1;
                        continue;
                    }
                    return Err(CtlError::new(format!(
                        "'{key}' option specified multiple times"
                    )));
                }
                opts.first_command_options.push((key, value));
            } else {
                apply(&mut opts, spec.long, value)?;
            }
            i += 1;
        } else if word.len() > 1 && word.starts_with('-') {
            let letters: Vec<char> = word[1..].chars().collect();
            let mut j = 0;
            while j < letters.len() {
                let c = letters[j];
                let spec = specs
                    .iter()
                    .find(|s| s.short == Some(c))
                    .ok_or_else(|| CtlError::new(format!("unrecognized option '{c}'")))?;
                let value = match spec.arg {
                    Arg::None => None,
                    Arg::Optional => {
                        let rest: String = letters[j + 1..].iter().collect();
                        j = letters.len();
                        (!rest.is_empty()).then_some(rest)
                    }
                    Arg::Required => {
                        let rest: String = letters[j + 1..].iter().collect();
                        j = letters.len();
                        if rest.is_empty() {
                            i += 1;
                            Some(argv.get(i).cloned().ok_or_else(|| {
                                CtlError::new(format!("option requires an argument -- '{c}'"))
                            })?)
                        } else {
                            Some(rest)
                        }
                    }
                };
                apply(&mut opts, spec.long, value)?;
                j += 1;
            }
            i += 1;
        } else {
            break;
        }
    }
    Ok((opts, argv[i..].to_vec()))
}

/// The long option `name` names, by exact match or unique prefix.
fn find_long<'a>(
    specs: &'a [OptSpec],
    name: &str,
    word: &str,
    dialect: GetoptDialect,
) -> CtlResult<&'a OptSpec> {
    if let Some(s) = specs.iter().find(|s| s.long == name) {
        return Ok(s);
    }
    let candidates: Vec<&OptSpec> = specs.iter().filter(|s| s.long.starts_with(name)).collect();
    match candidates.len() {
        1 => Ok(candidates[0]),
        0 => Err(CtlError::new(format!("unrecognized option '{word}'"))),
        _ => match dialect {
            GetoptDialect::OvnNbctl => Err(CtlError::new(format!("unrecognized option '{word}'"))),
            GetoptDialect::OvsVsctl => {
                let list: Vec<String> = candidates
                    .iter()
                    .map(|s| format!("'--{}'", s.long))
                    .collect();
                Err(CtlError::new(format!(
                    "option '--{name}' is ambiguous; possibilities: {}",
                    list.join(" ")
                )))
            }
        },
    }
}

/// Records one global option.
fn apply(opts: &mut GlobalOptions, long: &str, value: Option<String>) -> CtlResult<()> {
    let v = value.clone().unwrap_or_default();
    match long {
        "db" => opts.db = Some(v),
        "timeout" => {
            opts.timeout = match v.parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(CtlError::new(format!(
                        "value {v} on -t or --timeout is invalid"
                    )))
                }
            }
        }
        "dry-run" => opts.dry_run = true,
        "oneline" => opts.oneline = true,
        "format" => opts.style.format = Style::parse_format(&v).map_err(CtlError::new)?,
        "data" => opts.style.data = Style::parse_data(&v).map_err(CtlError::new)?,
        "no-headings" => opts.style.headings = false,
        "pretty" => opts.style.pretty = true,
        "bare" => {
            opts.style.format = Format::List;
            opts.style.data = DataFormat::Bare;
            opts.style.headings = false;
        }
        "max-column-width" => {
            opts.style.max_column_width = v
                .parse()
                .map_err(|_| CtlError::new(format!("value {v} on --max-column-width is invalid")))?
        }
        "leader-only" => opts.leader_only = true,
        "no-leader-only" => opts.leader_only = false,
        "shuffle-remotes" => opts.shuffle_remotes = true,
        "no-shuffle-remotes" => opts.shuffle_remotes = false,
        "private-key" => opts.private_key = Some(v),
        "certificate" => opts.certificate = Some(v),
        "ca-cert" => opts.ca_cert = Some(v),
        "bootstrap-ca-cert" => opts.bootstrap_ca_cert = Some(v),
        "no-wait" => opts.no_wait = true,
        "wait" => opts.wait = Some(v),
        "print-wait-time" => opts.print_wait_time = true,
        "retry" => opts.retry = true,
        "help" => opts.help = true,
        "version" => opts.version = true,
        // Logging options are accepted and have nothing to log here.
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    const CMD: &[OptSpec] = &[
        OptSpec::flag("if-exists"),
        OptSpec::flag("may-exist"),
        OptSpec::value("columns"),
    ];

    #[test]
    fn prefixes_values_and_first_command_options() {
        let (o, rest) = parse(
            &words("--db=unix:x -t 5 --if-exist --colum=name ls-list a"),
            &[],
            CMD,
            GetoptDialect::OvnNbctl,
        )
        .unwrap();
        assert_eq!(o.db.as_deref(), Some("unix:x"));
        assert_eq!(o.timeout, 5);
        assert_eq!(
            o.first_command_options,
            vec![
                ("--if-exists".to_string(), None),
                ("--columns".to_string(), Some("name".to_string()))
            ]
        );
        assert_eq!(rest, words("ls-list a"));
    }

    #[test]
    fn errors_in_the_tools_words() {
        let e = |s: &str, a| parse(&words(s), &[], CMD, a).unwrap_err().message;
        assert_eq!(
            e("--foo x", GetoptDialect::OvnNbctl),
            "unrecognized option '--foo'"
        );
        assert_eq!(
            e("--db", GetoptDialect::OvnNbctl),
            "option '--db' requires an argument"
        );
        assert_eq!(e("-Z", GetoptDialect::OvnNbctl), "unrecognized option 'Z'");
        assert_eq!(
            e("--no-wait=3 x", GetoptDialect::OvnNbctl),
            "option '--no-wait=3' doesn't allow an argument"
        );
        assert_eq!(
            e("-t 0 x", GetoptDialect::OvnNbctl),
            "value 0 on -t or --timeout is invalid"
        );
        assert_eq!(
            e("--if-exists --if-exists x", GetoptDialect::OvnNbctl),
            "'--if-exists' option specified multiple times"
        );
        assert!(e("--no x", GetoptDialect::OvsVsctl)
            .starts_with("option '--no' is ambiguous; possibilities: '--no-headings'"));
    }
}
