//! `ovsdb::transport` against the real ovsdb-server: unix, tcp and ssl (with certificates made
//! by the real ovs-pki), and the errors a user meets when something is wrong.

use std::error::Error as _;
use std::path::Path;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use ovsdb::testing::{run, Pki, Sandbox};
use ovsdb::transport::{
    connect, CaBootstrapError, Remote, TlsError, TlsSettings, Transport, TransportError,
};
use ovsdb::wire::{Message, MessageCodec};
use serde_json::json;
use tokio::time::timeout;
use tokio_util::codec::Framed;

const NB: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const LIMIT: Duration = Duration::from_secs(10);

async fn connect_to(remote: &str, tls: Option<&TlsSettings>) -> Result<Transport, TransportError> {
    let remote = Remote::parse(remote).unwrap();
    timeout(LIMIT, connect(&remote, tls))
        .await
        .unwrap_or_else(|_| panic!("connecting to {remote} took more than {LIMIT:?}"))
}

/// Sends `list_dbs` and returns the reply, or the first I/O error.
async fn list_dbs(stream: Transport) -> Result<Message, std::io::Error> {
    let mut framed = Framed::new(stream, MessageCodec::new());
    let exchange = async {
        framed
            .send(Message::request(json!(1), "list_dbs", vec![]))
            .await
            .map_err(std::io::Error::other)?;
        let reply = match framed.next().await {
            Some(reply) => reply.map_err(std::io::Error::other)?,
            None => return Err(std::io::ErrorKind::UnexpectedEof.into()),
        };
        // A clean close (for TLS, a close_notify), so the server logs no error.
        SinkExt::<Message>::close(&mut framed)
            .await
            .map_err(std::io::Error::other)?;
        Ok(reply)
    };
    timeout(LIMIT, exchange)
        .await
        .unwrap_or_else(|_| panic!("list_dbs took more than {LIMIT:?}"))
}

fn assert_lists_nb(reply: &Message) {
    assert_eq!(
        *reply,
        Message::response(json!(1), json!(["OVN_Northbound", "_Server"])),
        "{reply:?}"
    );
}

fn client_settings(pki: &Pki) -> TlsSettings {
    TlsSettings::from_files(&pki.client_key, &pki.client_cert, &pki.ca_cert).unwrap()
}

#[tokio::test]
async fn list_dbs_over_unix() {
    let sb = Sandbox::start(&[NB]).unwrap();
    let stream = connect_to(&sb.remote(), None).await.unwrap();
    assert!(matches!(stream, Transport::Unix(_)), "{stream:?}");
    assert!(!stream.is_tls());
    assert_lists_nb(&list_dbs(stream).await.unwrap());
}

#[tokio::test]
async fn list_dbs_over_tcp_with_nodelay() {
    let sb = Sandbox::builder().schema(NB).tcp().start().unwrap();
    let stream = connect_to(&sb.tcp_remote().unwrap(), None).await.unwrap();
    let Transport::Tcp(tcp) = &stream else {
        panic!("not a TCP stream: {stream:?}");
    };
    assert!(tcp.nodelay().unwrap(), "TCP_NODELAY is not set");
    assert_lists_nb(&list_dbs(stream).await.unwrap());
}

#[tokio::test]
async fn list_dbs_over_ssl_with_mutual_authentication() {
    let sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let tls = client_settings(sb.pki().unwrap());
    let stream = connect_to(&sb.ssl_remote().unwrap(), Some(&tls))
        .await
        .unwrap();
    let Transport::Tls(tls_stream) = &stream else {
        panic!("not a TLS stream: {stream:?}");
    };
    assert!(stream.is_tls());
    let (tcp, session) = tls_stream.get_ref();
    assert!(tcp.nodelay().unwrap(), "TCP_NODELAY is not set");
    // The server asked for and got our certificate: OVS's SSL is mutually authenticated.
    assert!(session.peer_certificates().is_some_and(|c| !c.is_empty()));
    assert_lists_nb(&list_dbs(stream).await.unwrap());
    // A second connection with the same settings works too. (rustls would offer to resume the
    // first session, which ovsdb-server's OpenSSL answers with an "internal error" alert, so
    // TlsSettings turns resumption off.)
    let again = connect_to(&sb.ssl_remote().unwrap(), Some(&tls))
        .await
        .unwrap();
    assert_lists_nb(&list_dbs(again).await.unwrap());
}

/// A client whose CA did not sign the server's certificate refuses the server.
#[tokio::test]
async fn ssl_client_trusting_the_wrong_ca_fails_verification() {
    let sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let pki = sb.pki().unwrap();
    let tls =
        TlsSettings::from_files(&pki.client_key, &pki.client_cert, &pki.other_ca_cert).unwrap();
    let remote = sb.ssl_remote().unwrap();
    let err = connect_to(&remote, Some(&tls)).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
    assert_eq!(err.remote().to_string(), remote);
    assert!(message.contains(&remote), "{message}");
    assert!(
        message.contains("certificate verification failed"),
        "{message}"
    );
    assert!(
        message.contains(&pki.other_ca_cert.display().to_string()),
        "{message}"
    );
    assert!(message.contains("-C/--ca-cert"), "{message}");
}

/// The server refuses a client certificate from a CA it does not trust. With TLS 1.3 the
/// client's side of the handshake completes first, so the refusal may only show on the first
/// read; either way the error must say what to fix.
#[tokio::test]
async fn ssl_server_refuses_a_client_certificate_from_another_ca() {
    let sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let pki = sb.pki().unwrap();
    let tls = TlsSettings::from_files(&pki.other_client_key, &pki.other_client_cert, &pki.ca_cert)
        .unwrap();
    let remote = sb.ssl_remote().unwrap();
    let message = match connect_to(&remote, Some(&tls)).await {
        Err(err) => {
            assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
            err.to_string()
        }
        Ok(stream) => {
            let err = list_dbs(stream)
                .await
                .expect_err("the server answered a client it should not trust");
            err.to_string()
        }
    };
    assert!(
        message.contains("refused our client certificate"),
        "{message}"
    );
    assert!(message.contains("UnknownCA"), "{message}");
    assert!(message.contains("--ca-cert"), "{message}");
}

/// If the client only writes, the refusal shows as a failed write (the server has closed the
/// connection and answers with a reset); that error still reports the server's alert.
#[tokio::test]
async fn ssl_refusal_is_explained_on_a_failed_write_too() {
    use tokio::io::AsyncWriteExt;

    let sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let pki = sb.pki().unwrap();
    let tls = TlsSettings::from_files(&pki.other_client_key, &pki.other_client_cert, &pki.ca_cert)
        .unwrap();
    let mut stream = connect_to(&sb.ssl_remote().unwrap(), Some(&tls))
        .await
        .expect("with TLS 1.3 the client finishes its handshake before the server refuses it");
    let request = br#"{"id":1,"method":"echo","params":[]}"#;
    let mut failure = None;
    for _ in 0..250 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let written = async {
            stream.write_all(request).await?;
            stream.flush().await
        };
        if let Err(e) = written.await {
            failure = Some(e);
            break;
        }
    }
    let error = failure.expect("writes to a refused connection kept succeeding for 5 s");
    assert!(
        matches!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("refused our client certificate"),
        "{message}"
    );
    assert!(message.contains("UnknownCA"), "{message}");
    assert!(error.source().is_some(), "{error:?}");
}

#[tokio::test]
async fn ssl_without_tls_settings_says_which_files_are_needed() {
    let sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let remote = sb.ssl_remote().unwrap();
    let err = connect_to(&remote, None).await.unwrap_err();
    assert!(matches!(err, TransportError::TlsRequired { .. }), "{err:?}");
    let message = err.to_string();
    for needed in [
        &remote,
        "private key",
        "certificate",
        "CA certificate",
        "-p",
        "-c",
        "-C",
    ] {
        assert!(message.contains(needed), "{needed:?} not in: {message}");
    }
}

/// TLS to a plain TCP port: the server does not speak TLS, and the error says so.
#[tokio::test]
async fn ssl_to_a_plain_tcp_port_fails_the_handshake() {
    let sb = Sandbox::builder().schema(NB).tcp().ssl().start().unwrap();
    let tls = client_settings(sb.pki().unwrap());
    let tcp = sb.tcp_remote().unwrap();
    let remote = format!("ssl:{}", &tcp["tcp:".len()..]);
    let err = connect_to(&remote, Some(&tls)).await.unwrap_err();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&remote), "{message}");
    assert!(message.contains("really a TLS (pssl:) port"), "{message}");
}

#[tokio::test]
async fn missing_unix_socket_names_the_remote() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such.sock");
    let remote = format!("unix:{}", path.display());
    let err = connect_to(&remote, None).await.unwrap_err();
    let TransportError::Connect { source, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    let message = err.to_string();
    assert!(
        message.contains(&format!("cannot connect to {remote}")),
        "{message}"
    );
    assert!(message.contains("is ovsdb-server running"), "{message}");
    assert!(err.source().is_some());
}

#[tokio::test]
async fn closed_tcp_port_names_the_remote() {
    // A port that was just free: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let remote = format!("tcp:127.0.0.1:{port}");
    let err = connect_to(&remote, None).await.unwrap_err();
    let TransportError::Connect { source, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
    let message = err.to_string();
    assert!(
        message.contains(&format!("cannot connect to {remote}")),
        "{message}"
    );
    assert!(
        message.contains("nothing listens on that port"),
        "{message}"
    );
}

#[tokio::test]
async fn unresolvable_host_names_the_remote() {
    // ".invalid" never resolves (RFC 2606).
    let err = connect_to("tcp:no-such-host.invalid:6641", None)
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Resolve { .. }), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("cannot resolve the host of tcp:no-such-host.invalid:6641"));
}

/// A host name resolves and connects ("localhost"), for tcp and for ssl (whose certificate names
/// no host at all: OVS does not check names).
#[tokio::test]
async fn host_names_connect_for_tcp_and_ssl() {
    let sb = Sandbox::builder().schema(NB).tcp().ssl().start().unwrap();
    let tls = client_settings(sb.pki().unwrap());
    let tcp = sb.tcp_remote().unwrap().replace("127.0.0.1", "localhost");
    let ssl = sb.ssl_remote().unwrap().replace("127.0.0.1", "localhost");
    assert_lists_nb(
        &list_dbs(connect_to(&tcp, None).await.unwrap())
            .await
            .unwrap(),
    );
    assert_lists_nb(
        &list_dbs(connect_to(&ssl, Some(&tls)).await.unwrap())
            .await
            .unwrap(),
    );
}

/// After a server restart the same remotes work again (the sandbox keeps its ports).
#[tokio::test]
async fn reconnects_to_the_same_remotes_after_a_restart() {
    let mut sb = Sandbox::builder().schema(NB).tcp().ssl().start().unwrap();
    let tls = client_settings(sb.pki().unwrap());
    let (tcp, ssl) = (sb.tcp_remote().unwrap(), sb.ssl_remote().unwrap());
    let open_tcp = connect_to(&tcp, None).await.unwrap();
    let open_ssl = connect_to(&ssl, Some(&tls)).await.unwrap();
    sb.restart().unwrap();
    assert_eq!(sb.tcp_remote().unwrap(), tcp);
    assert_eq!(sb.ssl_remote().unwrap(), ssl);
    // The old connections are dead...
    assert!(list_dbs(open_tcp).await.is_err());
    assert!(list_dbs(open_ssl).await.is_err());
    // ...and new ones to the same remotes work.
    assert_lists_nb(
        &list_dbs(connect_to(&tcp, None).await.unwrap())
            .await
            .unwrap(),
    );
    assert_lists_nb(
        &list_dbs(connect_to(&ssl, Some(&tls)).await.unwrap())
            .await
            .unwrap(),
    );
}

/// The remotes the sandbox hands out parse and print back unchanged.
#[test]
fn sandbox_remotes_parse() {
    let sb = Sandbox::builder().schema(NB).tcp().ssl().start().unwrap();
    for remote in [
        sb.remote(),
        sb.tcp_remote().unwrap(),
        sb.ssl_remote().unwrap(),
    ] {
        assert_eq!(Remote::parse(&remote).unwrap().to_string(), remote);
    }
    assert!(Remote::parse(&sb.ssl_remote().unwrap()).unwrap().is_tls());
}

// TlsSettings::from_files: every error names the file and what is wrong.

fn pki() -> (tempfile::TempDir, Pki) {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::generate(&dir.path().join("pki")).unwrap();
    (dir, pki)
}

fn tls_err(key: &Path, cert: &Path, ca: &Path) -> TlsError {
    match TlsSettings::from_files(key, cert, ca) {
        Ok(settings) => panic!("accepted: {settings:?}"),
        Err(e) => e,
    }
}

#[test]
fn tls_settings_accept_ovs_pki_files() {
    let (_dir, pki) = pki();
    let settings = client_settings(&pki);
    assert_eq!(settings.private_key(), pki.client_key);
    assert_eq!(settings.certificate(), pki.client_cert);
    assert_eq!(settings.ca_cert(), pki.ca_cert);
    assert!(settings
        .client_config()
        .client_auth_cert_resolver
        .has_certs());
    let debug = format!("{settings:?}");
    assert!(debug.contains("client-privkey.pem"), "{debug}");
}

#[test]
fn tls_settings_name_an_unreadable_file() {
    let (dir, pki) = pki();
    let missing = dir.path().join("missing.pem");
    for (key, cert, ca, what) in [
        (&missing, &pki.client_cert, &pki.ca_cert, "private key"),
        (&pki.client_key, &missing, &pki.ca_cert, "certificate"),
        (
            &pki.client_key,
            &pki.client_cert,
            &missing,
            "CA certificate",
        ),
    ] {
        let err = tls_err(key, cert, ca);
        assert!(matches!(err, TlsError::Read { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "cannot read the {what} file {}",
                missing.display()
            )),
            "{message}"
        );
    }
}

#[test]
fn tls_settings_name_a_file_without_certificate_or_key() {
    let (_dir, pki) = pki();
    // A private key where the certificate belongs, and where the CA belongs.
    let err = tls_err(&pki.client_key, &pki.client_key, &pki.ca_cert);
    assert!(
        matches!(
            err,
            TlsError::NoCertificate {
                what: "certificate",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&format!(
        "{} holds no certificate",
        pki.client_key.display()
    )));
    let err = tls_err(&pki.client_key, &pki.client_cert, &pki.client_key);
    assert!(
        matches!(
            err,
            TlsError::NoCertificate {
                what: "CA certificate",
                ..
            }
        ),
        "{err:?}"
    );
    // A certificate where the private key belongs.
    let err = tls_err(&pki.client_cert, &pki.client_cert, &pki.ca_cert);
    assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!(
        "{} holds no private key",
        pki.client_cert.display()
    )));
}

#[test]
fn tls_settings_reject_broken_pem() {
    let (dir, pki) = pki();
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let err = tls_err(&pki.client_key, &broken, &pki.ca_cert);
    assert!(
        matches!(
            err,
            TlsError::Pem {
                what: "certificate",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&broken.display().to_string()));
}

#[test]
fn tls_settings_reject_a_key_of_another_certificate() {
    let (_dir, pki) = pki();
    let err = tls_err(&pki.server_key, &pki.client_cert, &pki.ca_cert);
    assert!(matches!(err, TlsError::KeyMismatch { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&pki.server_key.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&pki.client_cert.display().to_string()),
        "{message}"
    );
}

/// `ovs-pki -k dsa` makes DSA keys, which rustls cannot use.
#[test]
fn tls_settings_reject_ovs_pki_dsa_keys() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca");
    let log = dir.path().join("ovs-pki.log");
    let options = [
        format!("--dir={}", ca.display()),
        format!("--log={}", log.display()),
        "--key=dsa".to_owned(),
        "--batch".to_owned(),
    ];
    let ovs_pki = |args: &[&str]| {
        let mut full: Vec<&str> = options.iter().map(String::as_str).collect();
        full.extend_from_slice(args);
        // ovs-pki writes NAME-*.pem in the current directory: give it an absolute NAME.
        run("ovs-pki", &full).unwrap();
    };
    ovs_pki(&["init"]);
    let name = dir.path().join("dsa");
    ovs_pki(&["req+sign", name.to_str().unwrap(), "switch"]);
    let key = dir.path().join("dsa-privkey.pem");
    let err = tls_err(
        &key,
        &dir.path().join("dsa-cert.pem"),
        &ca.join("switchca/cacert.pem"),
    );
    assert!(matches!(err, TlsError::UnsupportedKey { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&key.display().to_string()), "{message}");
    assert!(message.contains("unsupported type"), "{message}");
    assert!(message.contains("-k dsa"), "{message}");
}

/// Signs the server's certificate request again, valid only from 2020 to 2021, with the
/// sandbox's own CA (`openssl ca` on ovs-pki's CA directory), and makes it the server's.
fn expire_server_certificate(pki: &Pki) {
    let ca_dir = pki.dir.join("ca/switchca");
    let request = pki.dir.join("server-req.pem");
    let expired = pki.dir.join("server-expired-cert.pem");
    let out = std::process::Command::new("openssl")
        .current_dir(&ca_dir)
        .args(["ca", "-config", "ca.cnf", "-batch"])
        .args([
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20210101000000Z",
        ])
        .arg("-in")
        .arg(&request)
        .arg("-out")
        .arg(&expired)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl ca: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::copy(&expired, &pki.server_cert).unwrap();
}

/// A server certificate signed by the trusted CA but expired is refused, and the error says
/// so; the same client connects once the server has a valid certificate again.
#[tokio::test]
async fn ssl_server_with_an_expired_certificate_is_refused() {
    let mut sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let pki = sb.pki().unwrap().clone();
    let valid = std::fs::read(&pki.server_cert).unwrap();
    let tls = client_settings(&pki);
    expire_server_certificate(&pki);
    sb.restart().unwrap();
    let remote = sb.ssl_remote().unwrap();
    let err = connect_to(&remote, Some(&tls)).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
    assert!(message.contains(&remote), "{message}");
    assert!(message.to_lowercase().contains("expired"), "{message}");

    std::fs::write(&pki.server_cert, valid).unwrap();
    sb.restart().unwrap();
    let stream = connect_to(&sb.ssl_remote().unwrap(), Some(&tls))
        .await
        .unwrap();
    assert_lists_nb(&list_dbs(stream).await.unwrap());
}

/// Nothing a client prints about its TLS settings contains key material: `Debug` of the
/// settings (and of client options holding them) names the files only.
#[tokio::test]
async fn tls_settings_never_print_key_material() {
    let sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let pki = sb.pki().unwrap();
    let tls = client_settings(pki);
    let key_pem = std::fs::read_to_string(&pki.client_key).unwrap();
    let body: String = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .take(1)
        .collect();
    assert!(body.len() > 20);
    let opts = ovsdb::client::ClientOptions::new(&sb.ssl_remote().unwrap())
        .unwrap()
        .tls(tls.clone());
    for printed in [format!("{tls:?}"), format!("{opts:?}"), format!("{tls:#?}")] {
        assert!(!printed.contains(&body), "key material in {printed}");
        assert!(!printed.contains("PRIVATE KEY"), "{printed}");
    }
    assert!(format!("{tls:?}").contains(&pki.client_key.display().to_string()));
}

/// Signs the server's certificate request again with the sandbox's CA, adding a
/// subjectAltName (e.g. `IP:127.0.0.1`), and makes it the server's.
fn name_server_certificate(pki: &Pki, san: &str) {
    let ca_dir = pki.dir.join("ca/switchca");
    let ext = pki.dir.join("san.ext");
    std::fs::write(&ext, format!("subjectAltName={san}\n")).unwrap();
    let named = pki.dir.join("server-named-cert.pem");
    let out = std::process::Command::new("openssl")
        .current_dir(&ca_dir)
        .args([
            "ca", "-config", "ca.cnf", "-batch", "-days", "30", "-extfile",
        ])
        .arg(&ext)
        .arg("-in")
        .arg(pki.dir.join("server-req.pem"))
        .arg("-out")
        .arg(&named)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl ca: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::copy(&named, &pki.server_cert).unwrap();
}

/// With the name check on (off by default, as in Open vSwitch, whose ovs-pki certificates
/// name no host), a certificate that does not name the address connected to is refused with
/// words that say so; a certificate naming 127.0.0.1 is accepted, and the default settings
/// accept both.
#[tokio::test]
async fn ssl_name_check_refuses_a_certificate_for_another_name() {
    let mut sb = Sandbox::builder().schema(NB).ssl().start().unwrap();
    let pki = sb.pki().unwrap().clone();
    let plain = client_settings(&pki);
    let checking = plain.with_server_name_check().unwrap();
    assert!(checking.checks_server_name() && !plain.checks_server_name());
    let remote = sb.ssl_remote().unwrap();

    // ovs-pki's certificate names a switch, not 127.0.0.1.
    let err = connect_to(&remote, Some(&checking)).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
    assert!(message.contains("not valid for the address"), "{message}");
    let stream = connect_to(&remote, Some(&plain)).await.unwrap();
    assert_lists_nb(&list_dbs(stream).await.unwrap());

    // A certificate for another address is refused too; one for 127.0.0.1 is accepted.
    name_server_certificate(&pki, "IP:10.9.8.7,DNS:elsewhere.example");
    sb.restart().unwrap();
    let remote = sb.ssl_remote().unwrap();
    let err = connect_to(&remote, Some(&checking)).await.unwrap_err();
    assert!(
        err.to_string().contains("not valid for the address"),
        "{err}"
    );

    name_server_certificate(&pki, "IP:127.0.0.1");
    sb.restart().unwrap();
    let remote = sb.ssl_remote().unwrap();
    let stream = connect_to(&remote, Some(&checking)).await.unwrap();
    assert_lists_nb(&list_dbs(stream).await.unwrap());
}

// --bootstrap-ca-cert (TlsSettings::bootstrap)

/// The DER certificates of a PEM file.
fn ders(path: &Path) -> Vec<Vec<u8>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let text = std::fs::read(path).unwrap();
    CertificateDer::pem_slice_iter(&text)
        .map(|c| c.unwrap().to_vec())
        .collect()
}

/// A server that sends its CA certificate: the first handshake saves it (PEM, mode 0444, the
/// very CA that signed the server's certificate) and goes on; later connections and a second
/// run with the file present trust it as `-C` would.
#[tokio::test]
async fn ssl_bootstrap_saves_the_servers_ca_and_then_verifies_against_it() {
    use std::os::unix::fs::PermissionsExt as _;

    let sb = Sandbox::builder()
        .schema(NB)
        .ssl()
        .peer_ca_cert()
        .start()
        .unwrap();
    let pki = sb.pki().unwrap();
    let remote = sb.ssl_remote().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("bootstrapped-cacert.pem");

    let tls = TlsSettings::bootstrap(&pki.client_key, &pki.client_cert, &ca).unwrap();
    assert!(tls.bootstraps_ca_cert());
    assert!(!ca.exists(), "written before any handshake");
    assert!(
        format!("{tls:?}").contains("bootstraps_ca_cert: true"),
        "{tls:?}"
    );
    let stream = connect_to(&remote, Some(&tls)).await.unwrap();
    assert_lists_nb(&list_dbs(stream).await.unwrap());

    assert!(!tls.bootstraps_ca_cert());
    let meta = std::fs::metadata(&ca).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o444);
    let text = std::fs::read_to_string(&ca).unwrap();
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"), "{text}");
    assert!(text.ends_with("-----END CERTIFICATE-----\n"), "{text}");
    assert!(text.lines().all(|l| l.len() <= 64), "{text}");
    assert_eq!(ders(&ca), ders(&pki.ca_cert), "not the server's CA");

    // The same settings (and a clone) reconnect against the saved file.
    let again = connect_to(&remote, Some(&tls.clone())).await.unwrap();
    assert_lists_nb(&list_dbs(again).await.unwrap());

    // A second run, with the file present, is `-C FILE`.
    let second = TlsSettings::bootstrap(&pki.client_key, &pki.client_cert, &ca).unwrap();
    assert!(!second.bootstraps_ca_cert());
    assert_eq!(second.ca_cert(), ca);
    let stream = connect_to(&remote, Some(&second)).await.unwrap();
    assert_lists_nb(&list_dbs(stream).await.unwrap());
    assert_eq!(std::fs::read_to_string(&ca).unwrap(), text);

    // ... and the saved CA is really what is checked: another server (its own PKI, so another
    // CA) is refused by both the bootstrapped settings and the second run.
    let other = Sandbox::builder()
        .schema(NB)
        .ssl()
        .peer_ca_cert()
        .start()
        .unwrap();
    let other_pki = other.pki().unwrap();
    let other_remote = other.ssl_remote().unwrap();
    for settings in [
        &tls,
        &TlsSettings::bootstrap(&other_pki.client_key, &other_pki.client_cert, &ca).unwrap(),
    ] {
        let err = connect_to(&other_remote, Some(settings)).await.unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("certificate verification failed"),
            "{message}"
        );
        assert!(message.contains(&ca.display().to_string()), "{message}");
    }
    assert_eq!(std::fs::read_to_string(&ca).unwrap(), text);
}

/// A server that sends only its own certificate (it trusts another CA for its clients, so
/// OpenSSL has no chain to send, and no --peer-ca-cert) is refused: its certificate is not
/// self-signed, and the error says what to configure. Nothing is written.
#[tokio::test]
async fn ssl_bootstrap_refuses_a_server_that_does_not_send_its_ca() {
    let sb = Sandbox::builder()
        .schema(NB)
        .ssl()
        .trust_other_ca_for_clients()
        .start()
        .unwrap();
    let pki = sb.pki().unwrap();
    let remote = sb.ssl_remote().unwrap();
    // The server itself is fine for a client that has the CA.
    let with_ca =
        TlsSettings::from_files(&pki.other_client_key, &pki.other_client_cert, &pki.ca_cert)
            .unwrap();
    let stream = connect_to(&remote, Some(&with_ca)).await.unwrap();
    assert_lists_nb(&list_dbs(stream).await.unwrap());

    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("cacert.pem");
    let tls = TlsSettings::bootstrap(&pki.other_client_key, &pki.other_client_cert, &ca).unwrap();
    for _ in 0..2 {
        let err = connect_to(&remote, Some(&tls)).await.unwrap_err();
        assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&remote), "{message}");
        assert!(
            message.contains("is not self-signed (subject issuer mismatch)"),
            "{message}"
        );
        assert!(
            message.contains("only one certificate was received"),
            "{message}"
        );
        assert!(message.contains("--peer-ca-cert"), "{message}");
        // The typed error is there for callers who want it.
        let io = err
            .source()
            .and_then(|e| e.downcast_ref::<std::io::Error>())
            .unwrap();
        let rustls = io
            .get_ref()
            .and_then(|e| e.downcast_ref::<tokio_rustls::rustls::Error>())
            .unwrap();
        let tokio_rustls::rustls::Error::InvalidCertificate(
            tokio_rustls::rustls::CertificateError::Other(other),
        ) = rustls
        else {
            panic!("{rustls:?}");
        };
        assert!(
            matches!(
                other.0.downcast_ref::<CaBootstrapError>(),
                Some(CaBootstrapError::NotSelfSigned {
                    reason: "subject issuer mismatch",
                    received: 1,
                    ..
                })
            ),
            "{other:?}"
        );
        assert!(!ca.exists(), "wrote {}", ca.display());
        assert!(tls.bootstraps_ca_cert());
    }
}

/// The same server with --peer-ca-cert sends its CA after all: bootstrap works.
#[tokio::test]
async fn ssl_bootstrap_works_with_peer_ca_cert_whatever_ca_the_server_trusts() {
    let sb = Sandbox::builder()
        .schema(NB)
        .ssl()
        .trust_other_ca_for_clients()
        .peer_ca_cert()
        .start()
        .unwrap();
    let pki = sb.pki().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("cacert.pem");
    let tls = TlsSettings::bootstrap(&pki.other_client_key, &pki.other_client_cert, &ca).unwrap();
    let stream = connect_to(&sb.ssl_remote().unwrap(), Some(&tls))
        .await
        .unwrap();
    assert_lists_nb(&list_dbs(stream).await.unwrap());
    assert_eq!(ders(&ca), ders(&pki.ca_cert));
}
