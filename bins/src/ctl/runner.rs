//! One invocation of a tool, from argv to exit status: options, the command chain, the
//! connection, running the chain (again, if what it read changed before the commit), the
//! commit, the tool's wait, and the output (`--oneline`).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use ovsdb::client::{Client, ClientOptions};
use ovsdb::ops::OperationResult;
use ovsdb::transport::{TlsError, TlsSettings};

use super::command::{parse_chain, Command, CommandSpec, Mode};
use super::context::{Commit, Context, Session};
use super::error::{CtlError, CtlResult};
use super::options::{self, GetoptDialect, GlobalOptions, OptSpec};
use super::record::RowId;

/// What makes a tool of the engine: its name, database, options, commands and hooks.
pub struct Tool {
    /// The C tool's name, used in every message (`ovn-nbctl`), so scripts that match on
    /// stderr keep working.
    pub program: &'static str,
    /// The database (`OVN_Northbound`).
    pub database: &'static str,
    /// The remote used without `--db` and without `env_db` set.
    pub default_remote: &'static str,
    /// The vlog module the C tool's warnings name (`ovn_dbctl`, `vsctl`).
    pub log_module: &'static str,
    /// The environment variable naming the remote (`OVN_NB_DB`).
    pub env_db: Option<&'static str>,
    /// The environment variable holding extra leading options (`OVN_NBCTL_OPTIONS`).
    pub env_options: Option<&'static str>,
    /// The tool's own global options.
    pub options: &'static [OptSpec],
    /// Which C tool's option-parsing quirks to follow.
    pub getopt: GetoptDialect,
    /// Every command (the generic ones included).
    pub commands: fn() -> Vec<CommandSpec>,
    /// How records are named.
    pub row_ids: &'static [RowId],
    /// `--help` text.
    pub help: &'static str,
    /// `--version` text.
    pub version: &'static str,
    /// Checks and normalises the tool's options (e.g. `--wait` values).
    pub check_options: fn(&mut GlobalOptions) -> CtlResult<()>,
    /// The database's one root row (`NB_Global`, `Open_vSwitch`), created before the
    /// commands of a run when it is missing, as both C tools do.
    pub root_table: &'static str,
    /// Called once the commands have run, before the commit, when the run writes (adds the
    /// `nb_cfg` / `next_cfg` increment).
    pub before_commit: fn(&mut Context<'_>) -> CtlResult<()>,
    /// Called after a successful commit and the output, with the results of the operations
    /// `before_commit` added (waits for `sb_cfg`, `hv_cfg`, `cur_cfg`).
    pub after_commit: fn(&Session, &GlobalOptions, &[OperationResult]) -> CtlResult<()>,
    /// Called at the start of each run with the chain's commands, before the root row is
    /// read: reads what the chain will surely need, the root table included, in one round
    /// trip ([`Context::prefetch`]). [`no_prefetch`] reads nothing ahead.
    pub prefetch: fn(&mut Context<'_>, &[&Command]) -> CtlResult<()>,
}

/// A [`Tool::prefetch`] that reads nothing ahead.
pub fn no_prefetch(_: &mut Context<'_>, _: &[&Command]) -> CtlResult<()> {
    Ok(())
}

/// The most times a chain is run again because what it read changed.
const MAX_RETRIES: usize = 100;

/// Runs the tool on `argv` (without the program name) and returns the exit status, having
/// written the output to `out` and messages to `err`.
pub fn run(tool: &Tool, argv: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match run_inner(tool, argv, out) {
        Ok(()) => 0,
        Err(e) => {
            // An empty message is a silent exit (`br-exists`: exit 2).
            if !e.message.is_empty() {
                let _ = writeln!(err, "{}: {}", tool.program, e.message);
            }
            e.code
        }
    }
}

/// Runs the tool with the process's arguments and exits.
pub fn main(tool: &Tool) -> ! {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // Unlocked handles: the `-t` watchdog thread must be able to write to stderr and exit
    // while the run is blocked.
    let code = run(tool, argv, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code)
}

fn run_inner(tool: &Tool, mut argv: Vec<String>, out: &mut dyn Write) -> CtlResult<()> {
    if let Some(var) = tool.env_options {
        if let Ok(extra) = std::env::var(var) {
            let mut words: Vec<String> = extra.split_whitespace().map(String::from).collect();
            words.append(&mut argv);
            argv = words;
        }
    }
    let commands = (tool.commands)();
    let command_options: Vec<OptSpec> = commands.iter().flat_map(|c| c.option_specs()).collect();
    let (mut opts, rest) = options::parse(&argv, tool.options, &command_options, tool.getopt)?;
    if opts.help {
        let _ = out.write_all(tool.help.as_bytes());
        return Ok(());
    }
    if opts.version {
        let _ = out.write_all(tool.version.as_bytes());
        return Ok(());
    }
    (tool.check_options)(&mut opts)?;
    let chain = parse_chain(&rest, &opts.first_command_options, &commands)?;
    if opts.timeout > 0 {
        start_watchdog(tool.program, opts.timeout);
    }
    let session = connect(tool, &opts)?;
    let writes = chain.iter().any(|(spec, _)| spec.mode == Mode::ReadWrite);
    let commands: Vec<&Command> = chain.iter().map(|(_, cmd)| cmd).collect();
    let mut conflicts = 0;
    loop {
        let mut ctx = Context::new(&session, &opts, tool.row_ids);
        ctx.log_module = tool.log_module;
        // Nothing a read-only chain reads is ever written back, so its reads need no guards.
        ctx.set_guard_reads(writes);
        (tool.prefetch)(&mut ctx, &commands)?;
        super::increment::ensure_root_row(&mut ctx, tool.root_table)?;
        let mut outputs = Vec::with_capacity(chain.len());
        for (spec, cmd) in &chain {
            (spec.run)(&mut ctx, cmd)?;
            outputs.push((std::mem::take(&mut ctx.output), ctx.output_is_table));
            ctx.output_is_table = false;
        }
        check_symbols(&mut ctx, tool.log_module)?;
        if ctx.try_again {
            // `wait-until`: the condition does not hold yet; look again shortly.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        if writes && ctx.has_writes() {
            (tool.before_commit)(&mut ctx)?;
        }
        let extra = match ctx.commit(None)? {
            Commit::Retry => {
                conflicts += 1;
                if conflicts >= MAX_RETRIES {
                    return Err(CtlError::new(
                        "transaction error: what the commands read kept changing; gave up after 100 tries",
                    ));
                }
                continue;
            }
            Commit::Unchanged => Vec::new(),
            Commit::Done(extra) => extra,
        };
        print_outputs(out, &outputs, opts.oneline);
        if !extra.is_empty() && !opts.dry_run {
            (tool.after_commit)(&session, &opts, &extra)?;
        }
        return Ok(());
    }
}

/// Every `@name` used must have been created; a created row nothing refers to strongly
/// (in a non-root table) will be garbage-collected, which deserves a warning.
fn check_symbols(ctx: &mut Context<'_>, module: &str) -> CtlResult<()> {
    let symbols: Vec<(String, super::symbols::Symbol)> = ctx
        .symbols
        .iter()
        .map(|(n, s)| (n.to_string(), s.clone()))
        .collect();
    for (name, s) in &symbols {
        if !s.created {
            return Err(CtlError::new(format!(
                "row id \"{name}\" is referenced but never created (e.g. with \"-- --id={name} create ...\")"
            )));
        }
    }
    for (name, s) in &symbols {
        if !s.strong_ref {
            let how = if s.weak_ref {
                "only a weak reference"
            } else {
                "no reference"
            };
            ctx.warn(
                module,
                &format!(
                    "row id \"{name}\" was created but {how} to it was inserted, so it will not actually appear in the database"
                ),
            );
        }
    }
    Ok(())
}

/// Prints each command's output, or under `--oneline` each on one line with `\n` and `\\`
/// escaped, as `do_vsctl` / `do_nbctl` print them.
fn print_outputs(out: &mut dyn Write, outputs: &[(String, bool)], oneline: bool) {
    let mut all = String::new();
    for (o, is_table) in outputs {
        if oneline && !is_table {
            let body = o.strip_suffix('\n').unwrap_or(o);
            for c in body.chars() {
                match c {
                    '\n' => all.push_str("\\n"),
                    '\\' => all.push_str("\\\\"),
                    c => all.push(c),
                }
            }
            all.push('\n');
        } else {
            all.push_str(o);
        }
    }
    let _ = out.write_all(all.as_bytes());
    let _ = out.flush();
}

/// `-t`: the C tools die of SIGALRM; we say so and exit with the status a shell would show
/// for that (128 + 14).
fn start_watchdog(program: &'static str, seconds: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        eprintln!("{program}: timed out after {seconds} seconds");
        std::process::exit(142);
    });
}

/// The tool's default socket, under `$OVN_RUNDIR` / `$OVS_RUNDIR` when set, as the C tools
/// do (`unix:$OVN_RUNDIR/ovnnb_db.sock`, `unix:$OVS_RUNDIR/db.sock`).
fn default_remote(tool: &Tool) -> String {
    let remote = tool.default_remote;
    for (var, dir) in [
        ("OVN_RUNDIR", "/var/run/ovn/"),
        ("OVS_RUNDIR", "/var/run/openvswitch/"),
    ] {
        let Some(file) = remote
            .strip_prefix("unix:")
            .and_then(|p| p.strip_prefix(dir))
        else {
            continue;
        };
        if let Some(rundir) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
            return format!("unix:{rundir}/{file}");
        }
    }
    remote.to_string()
}

/// Connects to the tool's database and reads its schema.
fn connect(tool: &Tool, opts: &GlobalOptions) -> CtlResult<Session> {
    let remote = opts
        .db
        .clone()
        .or_else(|| {
            tool.env_db
                .and_then(|v| std::env::var(v).ok())
                .filter(|v| !v.is_empty())
        })
        .unwrap_or_else(|| default_remote(tool));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CtlError::new(format!("cannot start the I/O runtime: {e}")))?;
    let mut copts = ClientOptions::new(&remote)
        .map_err(|e| CtlError::new(e.to_string()))?
        .database(tool.database)
        .leader_only(opts.leader_only)
        .shuffle_remotes(opts.shuffle_remotes)
        .inactivity_probe(None)
        // The schema comes with the handshake: one round trip less per run.
        .schema_in_handshake(true);
    if remote
        .split(',')
        .any(|r| r.trim_start().starts_with("ssl:"))
    {
        copts = copts.tls(tls_settings(tool, opts, &remote)?);
    }
    // Like the C tools (a jsonrpc session with one try, unless ovs-vsctl's --retry), a lone
    // server that cannot be used is an error at once, whatever -t says.
    let one_try = copts.remotes.len() == 1 && !opts.retry;
    if one_try && opts.timeout == 0 {
        copts = copts.connect_timeout(Duration::from_secs(5));
    }
    let client = rt.block_on(async {
        if one_try {
            let started = Client::start(copts);
            if opts.timeout > 0 {
                // The -t watchdog bounds a server that never answers.
                return first_attempt(&started).await.map(|()| started);
            }
            match tokio::time::timeout(Duration::from_secs(5), first_attempt(&started)).await {
                Ok(Ok(())) => Ok(started),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(started.last_error().unwrap_or_else(|| "timed out".into())),
            }
        } else {
            Client::connect(copts).await.map_err(|e| e.to_string())
        }
    });
    let client = client.map_err(|e| connection_failed(&remote, &e))?;
    let schema = match client.handshake_schema(tool.database) {
        Some(schema) => Arc::unwrap_or_clone(schema),
        None => rt
            .block_on(client.get_schema(tool.database))
            .map_err(|e| CtlError::new(format!("{remote}: {e}")))?,
    };
    Ok(Session {
        rt,
        client,
        db: tool.database.to_string(),
        schema,
    })
}

/// The vlog lines Open vSwitch's stream-ssl module prints before a connection fails
/// (`2026-12-07T13:54:47Z|00001|stream_ssl|ERR|...`). Nothing is logged before them in such a
/// run, so they are numbered from 1, as the C tools' are.
struct SslLog {
    seq: u32,
}

impl SslLog {
    fn new() -> SslLog {
        SslLog { seq: 1 }
    }

    fn line(&mut self, level: &str, message: &str) {
        super::context::log_numbered(self.seq, "stream_ssl", level, message);
        self.seq += 1;
    }

    fn err(&mut self, message: &str) {
        self.line("ERR", message);
    }
}

/// The TLS settings for an `ssl:` remote from `-p`, `-c` and `-C` (or `--bootstrap-ca-cert`,
/// which takes the place of `-C`), with the C tools' messages and status when one is missing
/// or unusable: stream-ssl's `... must be configured to use SSL` errors, then
/// `database connection failed (Protocol not available)` (ENOPROTOOPT).
fn tls_settings(tool: &Tool, opts: &GlobalOptions, remote: &str) -> CtlResult<TlsSettings> {
    let failed =
        |errno: &str| CtlError::new(format!("{remote}: database connection failed ({errno})"));
    let mut log = SslLog::new();
    // ovn-nbctl hands the key and the certificate to OVS together (stream_ssl_set_key_and_cert),
    // so one without the other configures neither; ovs-vsctl sets each on its own.
    let (key, cert) = match (&opts.private_key, &opts.certificate) {
        (Some(key), Some(cert)) => (Some(key), Some(cert)),
        _ if tool.getopt == GetoptDialect::OvnNbctl => (None, None),
        (key, cert) => (key.as_ref(), cert.as_ref()),
    };
    let ca = match (&opts.bootstrap_ca_cert, &opts.ca_cert) {
        (Some(file), _) => Some((file, true)),
        (None, Some(file)) => Some((file, false)),
        (None, None) => None,
    };
    if key.is_none() {
        log.err("Private key must be configured to use SSL");
    }
    if cert.is_none() {
        log.err("Certificate must be configured to use SSL");
    }
    if ca.is_none() {
        log.err("CA certificate must be configured to use SSL");
    }
    let (Some(key), Some(cert), Some((ca, bootstrap))) = (key, cert, ca) else {
        return Err(failed("Protocol not available"));
    };
    let settings = if bootstrap {
        TlsSettings::bootstrap(key, cert, ca)
    } else {
        TlsSettings::from_files(key, cert, ca)
    };
    settings.map_err(|e| match &e {
        // OVS reports a CA file it cannot load and goes on to a handshake that cannot verify
        // the server (Protocol error); there is no point in trying one here.
        TlsError::Read {
            what: "CA certificate",
            path,
            ..
        }
        | TlsError::Pem {
            what: "CA certificate",
            path,
            ..
        }
        | TlsError::NoCertificate {
            what: "CA certificate",
            path,
        }
        | TlsError::BadCaCertificate { path, .. } => {
            log.err(&format!(
                "failed to load client certificates from {}: {e}",
                path.display()
            ));
            failed("Protocol error")
        }
        TlsError::Read {
            what: "certificate",
            ..
        }
        | TlsError::Pem {
            what: "certificate",
            ..
        }
        | TlsError::NoCertificate {
            what: "certificate",
            ..
        } => {
            log.err(&format!("SSL_use_certificate_file: {e}"));
            log.err("Certificate must be configured to use SSL");
            failed("Protocol not available")
        }
        TlsError::Read { .. }
        | TlsError::Pem { .. }
        | TlsError::NoPrivateKey { .. }
        | TlsError::UnsupportedKey { .. }
        | TlsError::KeyMismatch { .. } => {
            log.err(&format!("SSL_use_PrivateKey_file: {e}"));
            log.err("Private key must be configured to use SSL");
            failed("Protocol not available")
        }
        _ => CtlError::new(e.to_string()),
    })
}

/// `REMOTE: database connection failed (ERRNO)`, as the C tools say it, after the stream-ssl
/// lines they print for a failed TLS handshake.
fn connection_failed(remote: &str, error: &str) -> CtlError {
    let errno = match error.split_once("TLS handshake with ") {
        Some((_, rest)) => {
            let reason = rest.split_once(" failed: ").map_or(rest, |(_, r)| r);
            tls_failure(reason)
        }
        None => errno_text(error),
    };
    CtlError::new(format!("{remote}: database connection failed ({errno})"))
}

/// Prints what stream-ssl prints for a failed handshake (`reason` is the transport's
/// explanation) and returns the strerror text the C tools end with.
fn tls_failure(reason: &str) -> String {
    let mut log = SslLog::new();
    if reason.starts_with("could not bootstrap the CA certificate") {
        // do_ca_cert_bootstrap's messages.
        const NOT_SELF_SIGNED: &str = "is not self-signed (";
        if let Some((_, rest)) = reason.split_once(NOT_SELF_SIGNED) {
            let why = rest.split_once(')').map_or(rest, |(w, _)| w);
            log.err(&format!(
                "could not bootstrap CA cert: obtained certificate is not self-signed ({why})"
            ));
            if reason.contains("only one certificate was received") {
                log.err(
                    "only one certificate was received, so probably the peer is not configured \
                     to send its CA certificate",
                );
            }
            return "Protocol error".into();
        }
        if let Some((_, rest)) = reason.split_once("creating ") {
            if let Some((path, os_error)) = rest.split_once(" failed: ") {
                let strerror = os_error
                    .split_once(" (os error")
                    .map_or(os_error, |(s, _)| s);
                log.err(&format!(
                    "could not bootstrap CA cert: creating {path} failed: {strerror}"
                ));
                return strerror.to_string();
            }
        }
        log.err(reason);
        return "Protocol error".into();
    }
    if reason.contains("certificate verification failed")
        || reason.contains("failed verification against the CA")
        || reason.contains("has expired")
    {
        // OpenSSL's words for any certificate that does not verify, which is what scripts and
        // operators search for; our explanation (which CA file, what to check) is in the
        // transport's error for library users.
        log.line(
            "WARN",
            "SSL_connect: error:0A000086:SSL routines::certificate verify failed",
        );
    } else {
        log.line("WARN", &format!("SSL_connect: {reason}"));
    }
    "Protocol error".into()
}

/// Waits for the client's first connection, or its first failure.
async fn first_attempt(client: &Client) -> Result<(), String> {
    use ovsdb::client::ConnectionState;
    let mut state = client.state();
    loop {
        if matches!(&*state.borrow(), ConnectionState::Connected { .. }) {
            return Ok(());
        }
        if let Some(e) = client.last_error() {
            return Err(e);
        }
        if state.changed().await.is_err() {
            return Err(client
                .last_error()
                .unwrap_or_else(|| "connection closed".into()));
        }
    }
}

/// The strerror text the C tools print, found in our error text when it is there.
fn errno_text(e: &str) -> String {
    for known in [
        "No such file or directory",
        "Connection refused",
        "Permission denied",
    ] {
        if e.contains(known) {
            return known.to_string();
        }
    }
    e.to_string()
}
