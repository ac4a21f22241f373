//! Role-based access control on a real OVN_Southbound: ovsdb-server serves an SSL remote
//! configured in the database (`SB_Global:connections`) with `role=ovn-controller`, and the
//! role's `RBAC_Role` / `RBAC_Permission` rows are the ones ovn-northd writes for `Chassis`
//! (authorization by `name`). A client authenticated with its certificate may insert its own
//! chassis (named after its certificate's CN), and is refused, in plain words, a write the
//! role does not allow; the refused transaction changes nothing.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use ovsdb::client::{Client, ClientOptions, Error};
use ovsdb::data::{Datum, Row};
use ovsdb::ops::{Condition, Operation, TransactError, UuidName};
use ovsdb::testing::{run, Pki};
use ovsdb::transport::TlsSettings;

const SB: &str = "OVN_Southbound";
const SCHEMA: &str = "/usr/share/ovn/ovn-sb.ovsschema";

/// An ovsdb-server for the SB database, its remotes read from the database.
struct Server {
    dir: tempfile::TempDir,
    child: Child,
    pki: Pki,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::Builder::new()
            .prefix("ovsdb-rbac-")
            .tempdir()
            .unwrap();
        let db = dir.path().join("sb.db");
        run(
            "ovsdb-tool",
            &["create".as_ref(), db.as_os_str(), SCHEMA.as_ref()],
        )
        .unwrap();
        let pki = Pki::generate(&dir.path().join("pki")).unwrap();
        let arg = |flag: &str, p: &Path| format!("--{flag}={}", p.display());
        let child = Command::new("ovsdb-server")
            .arg(&db)
            .arg(format!(
                "--remote=punix:{}",
                dir.path().join("sb.sock").display()
            ))
            .arg("--remote=db:OVN_Southbound,SB_Global,connections")
            .arg(arg("private-key", &pki.server_key))
            .arg(arg("certificate", &pki.server_cert))
            .arg(arg("ca-cert", &pki.ca_cert))
            .arg(arg("unixctl", &dir.path().join("ctl")))
            .arg(arg("log-file", &dir.path().join("log")))
            .spawn()
            .expect("ovsdb-server starts (apt-get install openvswitch-common)");
        Server { dir, child, pki }
    }

    fn unix(&self) -> String {
        format!("unix:{}", self.dir.path().join("sb.sock").display())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// The port of the SSL listener the database configured, once it listens.
    fn ssl_port(&self) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(20);
        const MARK: &str = "0:127.0.0.1: listening on port ";
        loop {
            let log = self.log();
            if let Some(at) = log.find(MARK) {
                let digits: String = log[at + MARK.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                return digits.parse().unwrap();
            }
            assert!(Instant::now() < deadline, "no SSL listener: {log}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The CN of a certificate (what ovsdb-server calls the client's id).
fn common_name(cert: &Path) -> String {
    let out = run(
        "openssl",
        &[
            "x509".as_ref(),
            "-noout".as_ref(),
            "-subject".as_ref(),
            "-nameopt".as_ref(),
            "multiline".as_ref(),
            "-in".as_ref(),
            cert.as_os_str(),
        ],
    )
    .unwrap();
    out.lines()
        .find_map(|l| l.trim().strip_prefix("commonName").map(|v| v.trim()))
        .and_then(|v| v.strip_prefix('='))
        .map(|v| v.trim().to_owned())
        .expect("a commonName in the client certificate")
}

/// The SSL connection with `role=ovn-controller` and northd's permission rows for Chassis,
/// written over the unix socket (which has no role: everything is allowed there).
async fn configure(admin: &Client) {
    let perm = UuidName::new("perm").unwrap();
    let conn = UuidName::new("conn").unwrap();
    let ops = vec![
        Operation::insert(
            "RBAC_Permission",
            Row::new()
                .with("table", "Chassis")
                .with("authorization", Datum::set(["name"]))
                .with("insert_delete", true)
                .with(
                    "update",
                    Datum::set([
                        "nb_cfg",
                        "external_ids",
                        "encaps",
                        "other_config",
                        "hostname",
                    ]),
                ),
        )
        .with_uuid_name(perm.clone())
        .into(),
        Operation::insert(
            "RBAC_Permission",
            Row::new()
                .with("table", "Encap")
                .with("authorization", Datum::set(["chassis_name"]))
                .with("insert_delete", true)
                .with("update", Datum::set(["type", "options", "ip"])),
        )
        .with_uuid_name(UuidName::new("encap_perm").unwrap())
        .into(),
        Operation::insert(
            "RBAC_Role",
            Row::new().with("name", "ovn-controller").with(
                "permissions",
                Datum::map([
                    ("Chassis", ovsdb::data::Atom::named_uuid("perm")),
                    ("Encap", ovsdb::data::Atom::named_uuid("encap_perm")),
                ]),
            ),
        )
        .into(),
        Operation::insert(
            "Connection",
            Row::new()
                .with("target", "pssl:0:127.0.0.1")
                .with("role", "ovn-controller"),
        )
        .with_uuid_name(conn.clone())
        .into(),
        Operation::insert(
            "SB_Global",
            Row::new().with(
                "connections",
                Datum::set([ovsdb::data::Atom::named_uuid("conn")]),
            ),
        )
        .into(),
    ];
    admin.transact(SB, &ops).await.unwrap();
}

async fn rows(admin: &Client, table: &str) -> usize {
    let r = admin
        .transact(SB, &[Operation::select(table, vec![]).into()])
        .await
        .unwrap();
    r[0].rows().map_or(0, <[Row]>::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_the_role_does_not_allow_is_a_permission_error_in_plain_words() {
    let server = Server::start();
    let admin = {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match Client::connect(ClientOptions::new(&server.unix()).unwrap()).await {
                Ok(c) => break c,
                Err(e) => {
                    assert!(Instant::now() < deadline, "{e}: {}", server.log());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    };
    configure(&admin).await;
    let port = tokio::task::block_in_place(|| server.ssl_port());
    let pki = &server.pki;
    let tls = TlsSettings::from_files(&pki.client_key, &pki.client_cert, &pki.ca_cert).unwrap();
    let controller = Client::connect(
        ClientOptions::new(&format!("ssl:127.0.0.1:{port}"))
            .unwrap()
            .tls(tls),
    )
    .await
    .unwrap();
    let me = common_name(&pki.client_cert);

    // Allowed: its own chassis.
    controller
        .transact(
            SB,
            &[
                Operation::insert(
                    "Encap",
                    Row::new()
                        .with("type", "geneve")
                        .with("ip", "127.0.0.1")
                        .with("chassis_name", me.as_str()),
                )
                .with_uuid_name(UuidName::new("encap").unwrap())
                .into(),
                Operation::insert(
                    "Chassis",
                    Row::new()
                        .with("name", me.as_str())
                        .with("hostname", "node1")
                        .with("encaps", ovsdb::data::Atom::named_uuid("encap")),
                )
                .into(),
            ],
        )
        .await
        .expect("the role may insert the chassis named after its certificate");

    // Not allowed: another chassis, and a table the role has no permission for. Each is
    // refused whole and says why in the server's words.
    let flows_before = rows(&admin, "Logical_Flow").await;
    let chassis_before = rows(&admin, "Chassis").await;
    let refused = [
        vec![
            Operation::update(
                "Chassis",
                vec![Condition::eq("name", me.as_str())],
                Row::new().with("hostname", "renamed"),
            ),
            Operation::insert(
                "Chassis",
                Row::new()
                    .with("name", "someone-else")
                    .with("hostname", "h"),
            )
            .into(),
        ],
        vec![Operation::insert(
            "Logical_Flow",
            Row::new()
                .with("pipeline", "ingress")
                .with("table_id", 0)
                .with("priority", 0)
                .with("match", "1")
                .with("actions", "next;"),
        )
        .into()],
    ];
    for (ops, table) in refused.iter().zip(["Chassis", "Logical_Flow"]) {
        let err = controller.transact(SB, ops).await.unwrap_err();
        let text = err.to_string();
        eprintln!("{text}");
        let Error::Transact(TransactError::Operation { error, .. }) = &err else {
            panic!("expected a refused operation, got {err:?}");
        };
        assert_eq!(error.error, "permission error", "{text}");
        assert!(text.contains("permission error"), "{text}");
        assert!(
            text.contains(&format!("prohibit row insertion into table \"{table}\"")),
            "{text}"
        );
        assert!(text.contains("role \"ovn-controller\""), "{text}");
        assert!(text.contains("the transaction changed nothing"), "{text}");
    }
    assert_eq!(rows(&admin, "Logical_Flow").await, flows_before);
    assert_eq!(rows(&admin, "Chassis").await, chassis_before);
    let r = admin
        .transact(
            SB,
            &[Operation::select("Chassis", vec![Condition::eq("name", me.as_str())]).into()],
        )
        .await
        .unwrap();
    let hostname = r[0].rows().unwrap()[0].get("hostname").cloned();
    assert_eq!(
        hostname,
        Some(Datum::from("node1")),
        "the update before was rolled back"
    );
}
