//! Random argument vectors thrown at the rnbctl and rvsctl parsers (the library entry points
//! the runner calls before it connects: `options::parse`, the tool's option check and
//! `command::parse_chain`), mixing the tools' real command names, real option names (whole,
//! abbreviated, with and without values), `--` separators and random words.
//!
//! Whatever the words: no panic, every rejection carries a message and exit status 1, and an
//! accepted vector is consistent (the chain is the tail of argv, each command is in the table
//! with an argument count within its bounds). The fuzz target `fuzz/fuzz_targets/ctl_argv.rs`
//! checks the same with coverage guidance; this is the stable-Rust version CI always runs.

use bins::ctl::options::{self, OptSpec, COMMON};
use bins::ctl::{command, CommandSpec, CtlError, Tool};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// How many vectors each tool gets.
const CASES: u32 = 3000;

/// A tool with its command table and every option its parser knows, built once per test.
struct Parser {
    tool: &'static Tool,
    commands: Vec<CommandSpec>,
    command_options: Vec<OptSpec>,
}

impl Parser {
    fn new(tool: &'static Tool) -> Self {
        let commands = (tool.commands)();
        let command_options = commands.iter().flat_map(|c| c.option_specs()).collect();
        Parser {
            tool,
            commands,
            command_options,
        }
    }

    fn command_names(&self) -> Vec<String> {
        self.commands.iter().map(|c| c.name.to_string()).collect()
    }

    /// Every long option name, global or per command.
    fn option_names(&self) -> Vec<String> {
        COMMON
            .iter()
            .chain(self.tool.options)
            .chain(&self.command_options)
            .map(|o| o.long.to_string())
            .collect()
    }

    fn short_letters(&self) -> Vec<char> {
        COMMON
            .iter()
            .chain(self.tool.options)
            .filter_map(|o| o.short)
            .collect()
    }

    /// The runner's steps up to the connection; `Ok(true)` for `--help` / `--version`.
    fn parse(&self, argv: &[String]) -> Result<bool, CtlError> {
        let tool = self.tool;
        let (mut opts, rest) =
            options::parse(argv, tool.options, &self.command_options, tool.getopt)?;
        assert!(argv.ends_with(&rest), "{argv:?}: the chain is not the tail");
        if opts.help || opts.version {
            return Ok(true);
        }
        (tool.check_options)(&mut opts)?;
        let chain = command::parse_chain(&rest, &opts.first_command_options, &self.commands)?;
        assert!(!chain.is_empty(), "{argv:?}: an accepted empty chain");
        for (spec, cmd) in &chain {
            assert_eq!(spec.name, cmd.name);
            assert!(
                (spec.min_args..=spec.max_args).contains(&cmd.args.len()),
                "{argv:?}: {} accepted with {} arguments",
                cmd.name,
                cmd.args.len()
            );
        }
        Ok(false)
    }
}

/// One word: a command name, an option (whole or a prefix, maybe `=value`), a short option
/// cluster, `--`, something that looks like a value, or anything at all.
fn word(commands: Vec<String>, options: Vec<String>, shorts: Vec<char>) -> BoxedStrategy<String> {
    let option = (
        proptest::sample::select(options),
        any::<bool>(),
        proptest::option::of("[a-z0-9=,:]{0,6}"),
    )
        .prop_map(|(name, whole, value)| {
            let name = if whole {
                name
            } else {
                name.chars().take(name.len().div_ceil(2)).collect()
            };
            match value {
                Some(v) => format!("--{name}={v}"),
                None => format!("--{name}"),
            }
        });
    let short = (proptest::sample::select(shorts), "[0-9a-z]{0,3}")
        .prop_map(|(c, rest)| format!("-{c}{rest}"));
    prop_oneof![
        4 => proptest::sample::select(commands),
        3 => option,
        1 => short,
        2 => Just("--".to_string()),
        2 => "[a-z0-9_.:=@-]{1,12}",
        1 => any::<String>(),
        1 => Just(String::new()),
        1 => Just("-".to_string()),
    ]
    .boxed()
}

/// Runs `CASES` random vectors through `parser`; returns how many were accepted and rejected.
fn exercise(parser: &Parser) -> (u32, u32) {
    let strategy = proptest::collection::vec(
        word(
            parser.command_names(),
            parser.option_names(),
            parser.short_letters(),
        ),
        0..12,
    );
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let accepted = std::cell::Cell::new(0u32);
    let rejected = std::cell::Cell::new(0u32);
    runner
        .run(&strategy, |argv| {
            match parser.parse(&argv) {
                Ok(_) => accepted.set(accepted.get() + 1),
                Err(e) => {
                    prop_assert!(!e.message.is_empty(), "{:?}: a silent rejection", argv);
                    prop_assert_eq!(e.code, 1, "{:?}: {}", argv, e.message);
                    rejected.set(rejected.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{}: {e}", parser.tool.program));
    (accepted.get(), rejected.get())
}

fn check_tool(tool: &'static Tool) {
    let parser = Parser::new(tool);
    let (accepted, rejected) = exercise(&parser);
    eprintln!("{}: {accepted} accepted, {rejected} rejected", tool.program);
    // The vectors must reach past the first check both ways, or the test proves little.
    assert!(
        accepted >= CASES / 50,
        "{}: only {accepted} vectors accepted",
        tool.program
    );
    assert!(
        rejected >= CASES / 50,
        "{}: only {rejected} vectors rejected",
        tool.program
    );
}

#[test]
fn rnbctl_argv_never_panics_and_always_explains() {
    check_tool(&bins::nbctl::TOOL);
}

#[test]
fn rvsctl_argv_never_panics_and_always_explains() {
    check_tool(&bins::vsctl::TOOL);
}

/// A few vectors whose outcome is known, so a parser that accepted or refused everything
/// would fail here too.
#[test]
fn known_vectors() {
    let nb = Parser::new(&bins::nbctl::TOOL);
    let words = |s: &str| -> Vec<String> { s.split_whitespace().map(String::from).collect() };
    assert!(nb.parse(&words("ls-add sw0 -- lsp-add sw0 p1")).is_ok());
    assert!(nb.parse(&words("--may-exist ls-add sw0")).is_ok());
    assert_eq!(
        nb.parse(&words("ls-add a b")).unwrap_err().message,
        "'ls-add' command takes at most 1 arguments"
    );
    assert_eq!(
        nb.parse(&[]).unwrap_err().message,
        "missing command name (use --help for help)"
    );
    let vs = Parser::new(&bins::vsctl::TOOL);
    assert!(vs
        .parse(&words("add-br br0 -- set Bridge br0 stp_enable=true"))
        .is_ok());
    assert_eq!(
        vs.parse(&words("nosuch")).unwrap_err().message,
        "unknown command 'nosuch'; use --help for help"
    );
}
