//! Argument vectors for `rnbctl` and `rvsctl`, parsed as `bins::ctl::runner` parses them before
//! it connects: the global options (`GetoptDialect`, with every command's options joined in),
//! the tool's option check, and the `--`-separated command chain against the tool's real
//! command table.
//!
//! Input: one byte picks the tool (even: rnbctl, odd: rvsctl), the rest is the argument vector
//! with its words separated by NUL bytes, as the kernel hands argv to a process (each word
//! lossy UTF-8, as the runner reads them). Never a panic, every rejection carries a message
//! and exit status 1, and what is accepted is consistent: the chain is the tail of argv, every
//! command is in the table with an argument count inside its bounds.
#![no_main]

use std::sync::OnceLock;

use bins::ctl::options::{self, OptSpec};
use bins::ctl::{command, CommandSpec, CtlError, Tool};
use libfuzzer_sys::fuzz_target;

/// A tool's command table and the options its commands take, built once (building the option
/// specs leaks their names, as it does once per process in the real binaries).
struct Tables {
    tool: &'static Tool,
    commands: Vec<CommandSpec>,
    command_options: Vec<OptSpec>,
}

fn tables(tool: &'static Tool) -> Tables {
    let commands = (tool.commands)();
    let command_options = commands.iter().flat_map(|c| c.option_specs()).collect();
    Tables {
        tool,
        commands,
        command_options,
    }
}

fn nbctl() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| tables(&bins::nbctl::TOOL))
}

fn vsctl() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| tables(&bins::vsctl::TOOL))
}

/// The runner's steps up to the connection. `Ok(true)`: `--help`/`--version`, nothing more.
fn parse(t: &Tables, argv: &[String]) -> Result<bool, CtlError> {
    let tool = t.tool;
    let (mut opts, rest) = options::parse(argv, tool.options, &t.command_options, tool.getopt)?;
    assert!(argv.ends_with(&rest), "the chain is not the tail of argv");
    if opts.help || opts.version {
        return Ok(true);
    }
    (tool.check_options)(&mut opts)?;
    let chain = command::parse_chain(&rest, &opts.first_command_options, &t.commands)?;
    assert!(!chain.is_empty());
    for (spec, cmd) in &chain {
        assert_eq!(spec.name, cmd.name);
        assert!(t.commands.iter().any(|c| c.name == cmd.name));
        assert!(
            (spec.min_args..=spec.max_args).contains(&cmd.args.len()),
            "{} got {} arguments",
            cmd.name,
            cmd.args.len()
        );
    }
    Ok(false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let t = if pick % 2 == 0 { nbctl() } else { vsctl() };
    let argv: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split(|&b| b == 0)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect()
    };
    if let Err(e) = parse(t, &argv) {
        assert!(!e.message.is_empty(), "a silent rejection of {argv:?}");
        assert_eq!(e.code, 1, "{argv:?}: {}", e.message);
    }
});
