//! The comparison's command line: sizes, run counts and which sections to run.

/// What to measure and how much.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Logical switches in the large NB database.
    pub switches: u32,
    /// Ports per switch.
    pub ports: u32,
    /// Ports on br-int in the large Open_vSwitch database.
    pub vs_ports: u32,
    /// Runs of each measurement (interleaved between the peers).
    pub runs: usize,
    /// Our single-row inserts per run.
    pub txns: u64,
    /// Our transactions in flight.
    pub window: u64,
    /// Sessions (`Client`s) our inserts are spread over.
    pub sessions: u64,
    /// The python IDL's inserts per run (its rate is reported; it is slower).
    pub python_txns: u64,
    /// ovn-nbctl / rnbctl calls per run of the CLI insert loop.
    pub cli_calls: u64,
    /// Updates in the flood phase of the update-rate test.
    pub follow_flood: u64,
    /// Updates in the paced phase of the update-rate test.
    pub follow_paced: u64,
    /// Rate of the paced phase, transactions per second.
    pub follow_rate: u64,
    /// Sections to run (all when empty): sync, codec, txn, cli, follow.
    pub only: Vec<String>,
    /// Whether this is the small smoke-run configuration.
    pub quick: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            switches: 1000,
            ports: 100,
            vs_ports: 2000,
            runs: 3,
            txns: 10_000,
            window: 1024,
            sessions: 16,
            python_txns: 2_000,
            cli_calls: 200,
            follow_flood: 5_000,
            follow_paced: 1_000,
            follow_rate: 200,
            only: Vec::new(),
            quick: false,
        }
    }
}

/// The usage text.
pub const USAGE: &str = "\
usage: compare [--quick] [--runs N] [--switches N] [--ports N] [--vs-ports N] [--txns N]
               [--window N] [--sessions N] [--python-txns N] [--cli-calls N] [--follow-flood N]
               [--follow-paced N] [--follow-rate N] [--only sync,codec,txn,cli,follow]

--quick is a smoke run (20 x 100 ports, 200 vswitch ports, 1 run, small counts); other options
given after it override its values. Writes target/bench-report/report.md and report.svg.";

impl Config {
    /// The smoke-run sizes.
    pub fn quick() -> Config {
        Config {
            switches: 20,
            ports: 100,
            vs_ports: 200,
            runs: 1,
            txns: 1_000,
            window: 64,
            sessions: 2,
            python_txns: 200,
            cli_calls: 20,
            follow_flood: 500,
            follow_paced: 100,
            follow_rate: 200,
            only: Vec::new(),
            quick: true,
        }
    }

    /// Parses the arguments (without the program name).
    pub fn parse(args: &[String]) -> Result<Config, String> {
        let mut c = if args.iter().any(|a| a == "--quick") {
            Config::quick()
        } else {
            Config::default()
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a == "--quick" {
                continue;
            }
            if a == "--help" || a == "-h" {
                return Err(USAGE.into());
            }
            let (key, inline) = match a.split_once('=') {
                Some((k, v)) => (k, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{key} needs a value\n{USAGE}"))?,
            };
            let n = || -> Result<u64, String> {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{key}: {value:?} is not a positive number"))
            };
            let small = |v: u64| u32::try_from(v).map_err(|_| format!("{key}: too large"));
            match key {
                "--runs" => c.runs = n()? as usize,
                "--switches" => c.switches = small(n()?)?,
                "--ports" => c.ports = small(n()?)?,
                "--vs-ports" => c.vs_ports = small(n()?)?,
                "--txns" => c.txns = n()?,
                "--window" => c.window = n()?,
                "--sessions" => c.sessions = n()?.max(1),
                "--python-txns" => c.python_txns = n()?,
                "--cli-calls" => c.cli_calls = n()?,
                "--follow-flood" => c.follow_flood = n()?,
                "--follow-paced" => c.follow_paced = n()?,
                "--follow-rate" => c.follow_rate = n()?,
                "--only" => c.only = value.split(',').map(str::to_owned).collect(),
                _ => return Err(format!("unknown option {key}\n{USAGE}")),
            }
        }
        Ok(c)
    }

    /// Whether section `name` runs.
    pub fn wants(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == name)
    }

    /// Rows of the large NB database.
    pub fn nb_rows(&self) -> u64 {
        u64::from(self.switches) * (u64::from(self.ports) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config, String> {
        Config::parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_quick_and_overrides() {
        assert_eq!(parse("").unwrap(), Config::default());
        let q = parse("--quick --runs 2 --only=sync,cli").unwrap();
        assert!(q.quick);
        assert_eq!((q.switches, q.runs), (20, 2));
        assert!(q.wants("sync") && !q.wants("txn"));
        assert_eq!(parse("--switches 5").unwrap().nb_rows(), 505);
    }

    #[test]
    fn refuses_bad_input() {
        assert!(parse("--runs 0").is_err());
        assert!(parse("--runs").is_err());
        assert!(parse("--bogus 1").is_err());
    }
}
