//! `assay serve` as a process: `assay admin`, `assay publish`, `assay
//! verify --log` online and offline, the web pages in headless Chromium
//! (JavaScript off) through ChromeDriver, and kill -9 during concurrent
//! submissions.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assay_cert::IssuerKey;
use assay_cert::status::{Action, STATUS_TYPE, StatusChange};
use assay_registry::client::{checkpoint, decode_hashes};
use assay_registry::testkit;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_assay");

mod common;
use common::{assay, assessed, p as s};

fn ok(args: &[&str]) -> String {
    let out = assay(args);
    assert!(
        out.status.success(),
        "assay {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `assay serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Server {
        Self::start_on(data, "127.0.0.1:0", extra)
    }

    fn start_on(data: &Path, listen: &str, extra: &[&str]) -> Server {
        Self::spawn(data, listen, extra, &[])
    }

    fn spawn(data: &Path, listen: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", listen, "--quiet"])
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("assay serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reads the address");
        let url = line
            .strip_prefix("listening on ")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, url }
    }

    fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

fn get_json(url: &str) -> (u16, Value) {
    let mut r = agent().get(url).call().expect("GET");
    let status = r.status().as_u16();
    let v = r.body_mut().read_json().unwrap_or(Value::Null);
    (status, v)
}

fn post(url: &str, token: &str, body: &[u8]) -> Result<(u16, Value), ureq::Error> {
    let mut r = agent()
        .post(url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body)?;
    let status = r.status().as_u16();
    Ok((status, r.body_mut().read_json().unwrap_or(Value::Null)))
}

/// Register the lab of trust-store entry `entry` in the registry at `data`
/// and write a token for it to `token` (assay admin).
fn register(data: &Path, entry: &Path, id: &str, token: &Path) -> PathBuf {
    ok(&["admin", "--data", s(data), "key-add", "--trust", s(entry)]);
    ok(&[
        "admin",
        "--data",
        s(data),
        "token-create",
        "--lab",
        id,
        "--out",
        s(token),
    ]);
    token.to_path_buf()
}

/// A lab: key files (assay keygen), registered with a token (assay admin).
struct Lab {
    key: IssuerKey,
    entry: PathBuf,
    token: String,
    token_file: PathBuf,
}

fn lab(dir: &Path, data: &Path, id: &str) -> Lab {
    lab_in(dir, &["--data", s(data)], id)
}

/// A lab registered in the database the arguments name.
fn lab_in(dir: &Path, db: &[&str], id: &str) -> Lab {
    let keys = dir.join("keys");
    ok(&[
        "keygen",
        "--issuer",
        id,
        "--name",
        "Test Lab",
        "--not-before",
        "2000-01-01",
        "--years",
        "99",
        "--out",
        keys.to_str().expect("utf-8"),
    ]);
    let entry = keys.join(format!("{id}.pub.toml"));
    let admin = |rest: &[&str]| ok(&[&["admin"], db, rest].concat());
    admin(&["key-add", "--trust", s(&entry)]);
    let token_file = dir.join(format!("{id}.token"));
    admin(&["token-create", "--lab", id, "--out", s(&token_file)]);
    let token = std::fs::read_to_string(&token_file)
        .expect("token")
        .trim()
        .to_owned();
    Lab {
        key: IssuerKey::open(&keys.join(format!("{id}.key")), &common::passphrase).expect("key"),
        entry,
        token,
        token_file,
    }
}

fn today() -> String {
    assay_base::date::today().expect("today")
}

fn write_cert(dir: &Path, key: &IssuerKey, seq: u64, holder: &str) -> (PathBuf, String) {
    let bytes = testkit::certificate(key, seq, holder, &today());
    let number = assay_cert::certificate::number(&key.issuer, &today(), seq);
    let path = dir.join(format!("{number}.cert.json"));
    std::fs::write(&path, &bytes).expect("write");
    (path, number)
}

#[test]
fn publish_then_verify_online_and_offline_then_revoke() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("registry");
    // The lab is registered before the first start; the log key is made then.
    std::fs::create_dir_all(&data).expect("dir");
    let lab = lab(dir.path(), &data, "KTL");
    let server = Server::start(&data, &[]);
    let log_entry = dir.path().join("log.toml");
    std::fs::write(
        &log_entry,
        ok(&[
            "admin",
            "--data",
            s(&data),
            "log-entry",
            "--url",
            &server.url,
        ]),
    )
    .expect("write");
    let (cert, number) = write_cert(dir.path(), &lab.key, 1, "Acme Vision");

    let out = ok(&[
        "publish",
        s(&cert),
        "--log",
        &server.url,
        "--token-file",
        s(&lab.token_file),
    ]);
    assert!(out.contains("as entry 0"), "{out}");
    let proof = cert.with_file_name(format!("{number}.log.json"));
    assert!(proof.exists());
    // Publishing again is harmless.
    assert!(
        ok(&[
            "publish",
            s(&cert),
            "--log",
            &server.url,
            "--token-file",
            s(&lab.token_file)
        ])
        .contains("already logged")
    );

    let verify = |log: Option<&str>| {
        let mut args = vec![
            "verify",
            s(&cert),
            "--trust",
            s(&lab.entry),
            "--trust",
            s(&log_entry),
            "--json",
        ];
        if let Some(u) = log {
            args.extend(["--log", u]);
        }
        let out = assay(&args);
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), v)
    };
    let status_of = |v: &Value, name: &str| {
        v["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["check"] == json!(name))
            .map(|c| {
                (
                    c["status"].as_str().expect("s").to_owned(),
                    c["detail"].as_str().expect("d").to_owned(),
                )
            })
            .expect(name)
    };
    let (code, v) = verify(Some(&server.url));
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(status_of(&v, "log").0, "pass");
    assert_eq!(status_of(&v, "status").0, "pass");
    let (code, v) = verify(None);
    assert_eq!(code, Some(0), "{v}");
    assert!(status_of(&v, "log").1.contains("proof stored"));

    // Without the log's key in the trust store, the receipt proves nothing
    // to this verifier and says nothing against the certificate: a skip,
    // worded, and the certificate's own checks decide.
    let out = assay(&["verify", s(&cert), "--trust", s(&lab.entry), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let (st, detail) = status_of(&v, "log");
    assert_eq!(st, "skip", "{detail}");
    assert!(
        detail.contains("which the trust store does not name"),
        "{detail}"
    );

    // The registry's answer to a submission, saved as it came, is a
    // receipt verify reads (one format).
    let submit = |file: &Path| {
        let bytes = std::fs::read(file).expect("cert");
        post(
            &format!("{}/api/v1/certificates", server.url),
            &lab.token,
            &bytes,
        )
        .expect("POST")
    };
    let (code, answer) = submit(&cert);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["existing"], json!(true));
    std::fs::write(&proof, serde_json::to_vec_pretty(&answer).expect("json")).expect("write");
    let (code, v) = verify(None);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(status_of(&v, "log").0, "pass", "{v}");
    // Another certificate's receipt is named as such.
    let (other_cert, _) = write_cert(dir.path(), &lab.key, 7, "Other");
    let (code, other_receipt) = submit(&other_cert);
    assert_eq!(code, 201, "{other_receipt}");
    std::fs::write(&proof, serde_json::to_vec(&other_receipt).expect("json")).expect("write");
    let (code, v) = verify(None);
    assert_eq!(code, Some(1), "{v}");
    assert!(
        status_of(&v, "log")
            .1
            .contains("the receipt of another certificate"),
        "{v}"
    );
    std::fs::write(&proof, serde_json::to_vec_pretty(&answer).expect("json")).expect("write");

    // Suspend, reinstate, revoke with the lab's key (assay suspend /
    // reinstate / revoke); online verify follows the status.
    let key_file = dir.path().join("keys/KTL.key");
    let change = |verb: &str, reason: &str| {
        ok(&[
            verb,
            s(&cert),
            "--key",
            s(&key_file),
            "--reason",
            reason,
            "--log",
            &server.url,
            "--token-file",
            s(&lab.token_file),
        ])
    };
    assert!(change("suspend", "under review").contains("is now suspended"));
    let (code, v) = verify(Some(&server.url));
    assert_eq!(code, Some(1));
    assert!(status_of(&v, "status").1.contains("suspended"));
    assert!(change("reinstate", "review passed").contains("is now valid"));
    assert_eq!(verify(Some(&server.url)).0, Some(0));
    assert!(change("revoke", "the model was replaced").contains("is now revoked"));
    // A revocation is final, and the refusal says why.
    let out = assay(&[
        "reinstate",
        s(&cert),
        "--key",
        s(&key_file),
        "--reason",
        "again",
        "--log",
        &server.url,
        "--token-file",
        s(&lab.token_file),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("it is revoked"));
    let (code, v) = verify(Some(&server.url));
    assert_eq!(code, Some(1));
    let (st, detail) = status_of(&v, "status");
    assert_eq!(st, "fail");
    assert!(
        detail.contains("revoked") && detail.contains("the model was replaced"),
        "{detail}"
    );
    // Offline, the stored proof still says what the log said when it logged it.
    assert_eq!(verify(None).0, Some(0));

    // A tampered proof file fails offline.
    let mut p: Value = serde_json::from_slice(&std::fs::read(&proof).expect("read")).expect("json");
    p["index"] = json!(1);
    std::fs::write(&proof, serde_json::to_vec(&p).expect("json")).expect("write");
    let (code, v) = verify(None);
    assert_eq!(code, Some(1));
    assert_eq!(status_of(&v, "log").0, "fail");

    // A certificate the log never saw fails online.
    let (other, _) = write_cert(dir.path(), &lab.key, 2, "Beta");
    let out = assay(&[
        "verify",
        s(&other),
        "--trust",
        s(&lab.entry),
        "--trust",
        s(&log_entry),
        "--log",
        &server.url,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not in the log"));

    // The audit trail and the full check, from the admin command.
    let audit = ok(&["admin", "--data", s(&data), "audit"]);
    assert!(
        audit.contains("certificate.submit") && audit.contains("certificate.revoke"),
        "{audit}"
    );
    assert!(!audit.contains(&lab.token));
    assert!(ok(&["admin", "--data", s(&data), "check"]).contains("5 entries re-hashed"));
}

#[test]
fn certify_with_log_publishes_and_the_proof_verifies_offline() {
    let (_dir, root, record, _) = assessed();
    // A key trusted from 2000 for 99 years: the registry checks today's
    // validity, so the certificate is issued today and trusted any day.
    let keys = root.join("keys-registry");
    ok(&[
        "keygen",
        "--issuer",
        "DEMO",
        "--name",
        "Assay demonstration laboratory",
        "--not-before",
        "2000-01-01",
        "--years",
        "99",
        "--out",
        s(&keys),
    ]);
    let data = root.join("registry");
    let entry = keys.join("DEMO.pub.toml");
    let token = register(&data, &entry, "DEMO", &root.join("DEMO.token"));
    let server = Server::start(&data, &[]);
    let out = ok(&[
        "certify",
        s(&record),
        "--key",
        s(&keys.join("DEMO.key")),
        "--log",
        &server.url,
        "--token-file",
        s(&token),
        "--out",
        s(&root.join("certs")),
    ]);
    assert!(out.contains("as entry 0"), "{out}");
    let cert = std::fs::read_dir(root.join("certs"))
        .expect("certs")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().ends_with(".cert.json"))
        .expect("a certificate");
    assert!(
        cert.to_string_lossy()
            .replace(".cert.json", ".log.json")
            .parse::<PathBuf>()
            .expect("path")
            .exists()
    );
    // The status URL defaults to the certificate's page in the registry.
    let env: Value = serde_json::from_slice(&std::fs::read(&cert).expect("read")).expect("json");
    let payload = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        env["payload"].as_str().expect("payload"),
    )
    .expect("base64");
    let statement: Value = serde_json::from_slice(&payload).expect("statement");
    let status_url = statement
        .pointer("/predicate/certificate/status_url")
        .and_then(Value::as_str)
        .expect("status url");
    assert!(
        status_url.starts_with(&format!("{}/certificates/DEMO-", server.url)),
        "{status_url}"
    );
    every_code_and_link_resolves(&server.url, &root.join("certs"), &cert, status_url, &out);
    let log_entry = root.join("log.toml");
    std::fs::write(&log_entry, ok(&["admin", "--data", s(&data), "log-entry"])).expect("write");
    drop(server);
    let out = assay(&[
        "verify",
        s(&cert),
        "--trust",
        s(&entry),
        "--trust",
        s(&log_entry),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("PASS  log"), "{text}");
}

// ---------------------------------------------------------------------------
// Keys in a PKCS#11 token (SoftHSM).

const SO_PIN: &str = "12345678";
const PIN: &str = "87654321";

/// A SoftHSM token `assay-test` in `dir`: (its configuration file, the
/// module's path); None when SoftHSM is not installed (and not required).
fn softhsm(dir: &Path) -> Option<(PathBuf, String)> {
    let module = [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    ]
    .into_iter()
    .find(|m| Path::new(m).exists());
    let Some(module) = module else {
        assert!(
            std::env::var("ASSAY_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "ASSAY_REQUIRE_TOOLS=1 but SoftHSM (softhsm2) is not installed"
        );
        eprintln!("SoftHSM is not installed: the PKCS#11 test is skipped");
        return None;
    };
    let tokens = dir.join("softhsm-tokens");
    std::fs::create_dir_all(&tokens).expect("tokens");
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .expect("conf");
    let o = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "assay-test"])
        .args(["--so-pin", SO_PIN, "--pin", PIN])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some((conf, module.to_owned()))
}

#[test]
fn keys_in_a_pkcs11_token_sign_certificates_status_changes_and_the_log() {
    let (_dir, root, record, _) = assessed();
    let Some((conf, module)) = softhsm(&root) else {
        return;
    };
    let conf = conf.display().to_string();
    let env = [("SOFTHSM2_CONF", conf.as_str()), ("ASSAY_PKCS11_PIN", PIN)];
    let hsm = |args: &[&str], pin: &str| {
        Command::new(BIN)
            .args(args)
            .env("SOFTHSM2_CONF", &conf)
            .env("ASSAY_PKCS11_PIN", pin)
            .env_remove("ASSAY_KEY_PASSPHRASE")
            .output()
            .expect("assay runs")
    };
    let said = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let keys = root.join("keys-hsm");
    let uri =
        |object: &str| format!("pkcs11:token=assay-test;object={object}?module-path={module}");
    for id in ["DEMO", "LOG"] {
        let o = hsm(
            &[
                "keygen",
                "--issuer",
                id,
                "--name",
                "Assay demonstration laboratory",
                "--not-before",
                "2000-01-01",
                "--years",
                "99",
                "--out",
                s(&keys),
                "--pkcs11",
                &uri(id),
            ],
            PIN,
        );
        assert!(o.status.success(), "{}", said(&o));
        let file = std::fs::read_to_string(keys.join(format!("{id}.key"))).expect("key file");
        assert!(
            file.contains("pkcs11 = ")
                && !file.contains("secret_key")
                && !file.contains("PRIVATE KEY"),
            "{file}"
        );
    }
    // The same label twice would be two keys: refused.
    let o = hsm(
        &[
            "keygen",
            "--issuer",
            "DEMO",
            "--out",
            s(&root.join("again")),
            "--pkcs11",
            &uri("DEMO"),
        ],
        PIN,
    );
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(
        said(&o).contains("already holds objects labelled"),
        "{}",
        said(&o)
    );
    let lab_key = keys.join("DEMO.key");
    // A wrong PIN: refused, nothing written.
    let certs = root.join("certs-hsm");
    let o = hsm(
        &[
            "certify",
            s(&record),
            "--key",
            s(&lab_key),
            "--out",
            s(&certs),
        ],
        "00000000",
    );
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(said(&o).contains("the PIN is wrong"), "{}", said(&o));
    assert!(!certs.exists() || std::fs::read_dir(&certs).expect("dir").next().is_none());

    // The registry signs its checkpoints with the log key in the token.
    let data = root.join("registry-hsm");
    let token = register(
        &data,
        &keys.join("DEMO.pub.toml"),
        "DEMO",
        &root.join("hsm.token"),
    );
    let server = Server::spawn(
        &data,
        "127.0.0.1:0",
        &["--log-key", s(&keys.join("LOG.key"))],
        &env,
    );
    let o = hsm(
        &[
            "certify",
            s(&record),
            "--key",
            s(&lab_key),
            "--out",
            s(&certs),
            "--log",
            &server.url,
            "--token-file",
            s(&token),
        ],
        PIN,
    );
    assert!(o.status.success(), "{}", said(&o));
    assert!(!said(&o).contains("unencrypted"), "{}", said(&o));
    let cert = std::fs::read_dir(&certs)
        .expect("certs")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().ends_with(".cert.json"))
        .expect("a certificate");
    let log_entry = root.join("log-hsm.toml");
    std::fs::write(&log_entry, ok(&["admin", "--data", s(&data), "log-entry"])).expect("write");
    // The log's key is the token's LOG key.
    let log_pub = std::fs::read_to_string(keys.join("LOG.pub.toml")).expect("pub");
    let public_b64 = log_pub
        .lines()
        .find_map(|l| l.strip_prefix("public_key = \""))
        .and_then(|l| l.split('"').next())
        .expect("public_key")
        .to_owned();
    let public = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &public_b64)
        .expect("b64");
    let mut note_key = vec![1u8];
    note_key.extend_from_slice(&public);
    let note_key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, note_key);
    let entry = std::fs::read_to_string(&log_entry).expect("entry");
    assert!(
        entry.contains(&note_key),
        "the log key is the token's: {entry}"
    );
    let verify = |log: &str| {
        assay(&[
            "verify",
            s(&cert),
            "--trust",
            s(&keys.join("DEMO.pub.toml")),
            "--trust",
            s(&log_entry),
            "--log",
            log,
        ])
    };
    let o = verify(&server.url);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    assert!(
        said(&o).contains("PASS  log") && said(&o).contains("PASS  status"),
        "{}",
        said(&o)
    );
    // A status change signed in the token.
    let o = hsm(
        &[
            "revoke",
            s(&cert),
            "--key",
            s(&lab_key),
            "--reason",
            "withdrawn for the test",
            "--log",
            &server.url,
            "--token-file",
            s(&token),
        ],
        PIN,
    );
    assert!(o.status.success(), "{}", said(&o));
    let o = verify(&server.url);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    assert!(said(&o).contains("revoked"), "{}", said(&o));
}

// ---------------------------------------------------------------------------
// QR codes, decoded by a reader that is not the encoder.

/// The one QR code in a grey image (`grey(x, y)`, 0 black .. 255 white).
fn decode_qr(width: usize, height: usize, grey: impl Fn(usize, usize) -> u8) -> String {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, grey);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the {width}×{height} image");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    content
}

/// The QR code an SVG draws, rasterised by resvg.
fn qr_in_svg(svg: &str) -> String {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("SVG");
    let size = tree.size().to_int_size();
    let scale = (600.0 / size.width().max(1) as f32).max(1.0);
    let (w, h) = (
        (size.width() as f32 * scale).ceil() as u32,
        (size.height() as f32 * scale).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).expect("pixmap");
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let data = pixmap.data();
    decode_qr(w as usize, h as usize, |x, y| {
        let i = 4 * (y * w as usize + x);
        ((u16::from(data[i]) + u16::from(data[i + 1]) + u16::from(data[i + 2])) / 3) as u8
    })
}

/// The QR code on a PDF's first page, rendered by pdftoppm (None when
/// poppler is not installed and not required).
fn qr_in_pdf(pdf: &Path) -> Option<String> {
    let out = pdf.with_extension("qr");
    let run = Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-singlefile", "-f", "1"])
        .arg(pdf)
        .arg(&out)
        .output();
    match run {
        Ok(o) => assert!(
            o.status.success(),
            "pdftoppm: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            assert!(
                std::env::var_os("ASSAY_REQUIRE_TOOLS").is_none(),
                "pdftoppm is required"
            );
            return None;
        }
    }
    let file = PathBuf::from(format!("{}.pgm", out.display()));
    let pgm = std::fs::read(&file).expect("the page as PGM");
    std::fs::remove_file(&file).expect("rm");
    // P5, width, height, maxval, one whitespace byte, then the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().expect("w"), fields[2].parse().expect("h"));
    let pixels = &pgm[at + 1..];
    Some(decode_qr(w, h, |x, y| pixels[y * w + x]))
}

/// Every `http://` or `https://` address in `text`.
fn addresses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for start in ["http://", "https://"] {
        let mut rest = text;
        while let Some(i) = rest.find(start) {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| c.is_whitespace() || "\"'<>)".contains(c))
                .unwrap_or(tail.len());
            let url = tail[..end]
                .trim_end_matches(['.', ',', ';', ':'])
                .to_owned();
            if !out.contains(&url) {
                out.push(url);
            }
            rest = &tail[end..];
        }
    }
    out
}

/// The QR codes of the certificate's pages (HTML and PDF, both languages)
/// and of the registry's page all carry the verification address; it, the
/// status address, every address `certify` printed or the receipt holds,
/// and every link of the certificate's registry page answer 200 (and the
/// addresses of the certificate show its number).
fn every_code_and_link_resolves(
    base: &str,
    certs: &Path,
    cert: &Path,
    status_url: &str,
    printed: &str,
) {
    let cert_bytes = std::fs::read(cert).expect("cert");
    let sha = assay_base::digest::sha256_hex(&cert_bytes);
    let number = cert
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".cert.json"))
        .expect("NUMBER.cert.json")
        .to_owned();
    let expected = assay_record::certificate::verification_url(status_url, &sha);
    let mut decoded = Vec::new();
    for lang in ["en", "ko"] {
        let html = std::fs::read_to_string(certs.join(format!("{number}.certificate.{lang}.html")))
            .expect("html");
        let figure = html.find("id=\"fig-qr\"").expect("a QR figure");
        let svg_start = figure + html[figure..].find("<svg").expect("<svg");
        let svg_end = svg_start + html[svg_start..].find("</svg>").expect("</svg>") + 6;
        decoded.push((format!("{lang}.html"), qr_in_svg(&html[svg_start..svg_end])));
        if let Some(q) = qr_in_pdf(&certs.join(format!("{number}.certificate.{lang}.pdf"))) {
            decoded.push((format!("{lang}.pdf"), q));
        }
    }
    let (code, page) = get_text(&format!("{base}/certificates/{number}"));
    assert_eq!(code, 200);
    let img = page
        .find("data:image/svg+xml;base64,")
        .expect("the page's QR code")
        + 26;
    let b64: String = page[img..].chars().take_while(|c| *c != '"').collect();
    let svg = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).expect("b64");
    decoded.push((
        "registry page".into(),
        qr_in_svg(&String::from_utf8_lossy(&svg)),
    ));
    assert!(
        decoded.len() == 5 || std::env::var_os("ASSAY_REQUIRE_TOOLS").is_none(),
        "{decoded:?}"
    );
    for (what, q) in &decoded {
        assert_eq!(q, &expected, "the QR code of the {what}");
    }
    // The addresses of the certificate: its page, with its number.
    let receipt: Value = serde_json::from_slice(
        &std::fs::read(cert.with_file_name(format!("{number}.log.json"))).expect("receipt"),
    )
    .expect("json");
    let mut of_the_certificate = vec![expected.clone(), status_url.to_owned()];
    of_the_certificate.extend(
        addresses(printed)
            .into_iter()
            .filter(|u| u.contains(&number)),
    );
    for url in &of_the_certificate {
        let (code, body) = get_text(url);
        assert_eq!(code, 200, "{url}");
        assert!(body.contains(&number), "{url} does not show {number}");
    }
    // Every other address printed or stored, and every link of the page.
    let mut others = addresses(printed);
    others.push(receipt["log"].as_str().expect("log").to_owned());
    let mut rest = page.as_str();
    while let Some(i) = rest.find("href=\"/") {
        let link: String = rest[i + 6..].chars().take_while(|c| *c != '"').collect();
        others.push(format!("{base}{}", link.replace("&amp;", "&")));
        rest = &rest[i + 6..];
    }
    assert!(others.len() > 5, "{others:?}");
    for url in others {
        let (code, _) = get_text(&url);
        assert_eq!(code, 200, "{url}");
    }
}

fn get_text(url: &str) -> (u16, String) {
    let mut r = agent().get(url).call().expect("GET");
    let code = r.status().as_u16();
    (code, r.body_mut().read_to_string().unwrap_or_default())
}

/// What the server answers to raw bytes on one connection: every status
/// line it sent, in order.
fn raw_exchange(url: &str, bytes: &[u8]) -> Vec<String> {
    use std::io::{Read as _, Write as _};
    let addr = url.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).expect("connects");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    c.write_all(bytes).expect("writes");
    let mut answer = Vec::new();
    let _ = c.read_to_end(&mut answer);
    // A status line follows the previous body directly.
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.match_indices("HTTP/1.1 ")
        .map(|(i, _)| text[i..].lines().next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn a_request_with_two_body_lengths_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("registry");
    std::fs::create_dir_all(&data).expect("dir");
    let server = Server::start(&data, &[]);
    // Two plain requests on one connection: both answered.
    let plain = b"GET /api/v1/log HTTP/1.1\r\nHost: x\r\n\r\nPOST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]GET /api/v1/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let lines = raw_exchange(&server.url, plain);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines.iter().all(|l| l.starts_with("HTTP/1.1 200")),
        "{lines:?}"
    );
    // Content-Length and Transfer-Encoding together: 400, in either order,
    // first on a connection or after a request that kept it alive.
    for smuggle in [
        &b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"[..],
        &b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"[..],
    ] {
        let lines = raw_exchange(&server.url, smuggle);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("HTTP/1.1 400"), "{lines:?}");
        let after = [&b"GET /api/v1/log HTTP/1.1\r\nHost: x\r\n\r\n"[..], smuggle].concat();
        let lines = raw_exchange(&server.url, &after);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("HTTP/1.1 200") && lines[1].starts_with("HTTP/1.1 400"), "{lines:?}");
    }
    // A chunked body alone is read as such.
    let chunked = b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n[]\r\n0\r\n\r\n";
    let lines = raw_exchange(&server.url, chunked);
    assert_eq!(lines, vec!["HTTP/1.1 200 OK".to_owned()]);
}

#[test]
fn bad_admin_input_is_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("registry");
    let bogus = dir.path().join("bogus.toml");
    std::fs::write(&bogus, "[[issuer]]\nid = \"X\"\n").expect("write");
    let out = assay(&["admin", "--data", s(&data), "key-add", "--trust", s(&bogus)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bogus.toml"));
    let out = assay(&["admin", "--data", s(&data), "token-create", "--lab", "NOPE"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no lab NOPE"));
    let out = assay(&["serve", "--data", s(&data), "--database", "mysql://x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres://"));
    // One writer per database.
    let server = Server::start(&data, &[]);
    let out = assay(&["serve", "--data", s(&data), "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another assay serve"));
    // The log key must stay the log's.
    drop(server);
    std::fs::remove_file(data.join("log.key")).expect("rm");
    let out = assay(&["serve", "--data", s(&data), "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the log key is missing"));
}

// ---------------------------------------------------------------------------
// Web pages in headless Chromium, JavaScript off.

struct Driver {
    child: Child,
    base: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = agent()
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    fn start() -> Option<Driver> {
        let driver = ["chromedriver", "/usr/bin/chromedriver"]
            .into_iter()
            .find(|d| {
                Command::new(d)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            });
        let Some(driver) = driver else {
            assert!(
                std::env::var("ASSAY_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "ASSAY_REQUIRE_TOOLS=1 but chromedriver is not installed"
            );
            eprintln!("chromedriver is not installed: the browser test is skipped");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while agent().get(&format!("{base}/status")).call().is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en-US"],
                "prefs": {"profile.managed_default_content_settings.javascript": 2}
            }
        }}});
        let mut r = agent()
            .post(&format!("{base}/session"))
            .send_json(&caps)
            .expect("session");
        let v: Value = r.body_mut().read_json().expect("json");
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        Some(Driver {
            child,
            base,
            session,
        })
    }

    fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut r = match method {
            "GET" => agent().get(&url).call(),
            _ => agent().post(&url).send_json(&body),
        }
        .expect("webdriver");
        let v: Value = r.body_mut().read_json().expect("json");
        assert!(v["value"].get("error").is_none(), "{method} {path}: {v}");
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url }));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        v[ELEMENT].as_str().expect("element").to_owned()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        );
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/text"), Value::Null)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    fn source(&self) -> String {
        self.cmd("GET", "/source", Value::Null)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The page's source once `ready` holds for it (a click may return
    /// before the next page has loaded); the last source after 15 s.
    fn wait(&self, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let src = self.source();
            if ready(&src) || start.elapsed() > Duration::from_secs(15) {
                return src;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn the_web_pages_work_in_a_browser_without_javascript() {
    let Some(browser) = Driver::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("registry");
    std::fs::create_dir_all(&data).expect("dir");
    let lab = lab(dir.path(), &data, "KTL");
    let server = Server::start(&data, &[]);
    let (acme, acme_number) = write_cert(dir.path(), &lab.key, 1, "Acme Vision");
    let (beta, beta_number) = write_cert(dir.path(), &lab.key, 2, "Beta Robotics");
    for c in [&acme, &beta] {
        ok(&[
            "publish",
            s(c),
            "--log",
            &server.url,
            "--token-file",
            s(&lab.token_file),
        ]);
    }
    let beta_sha = assay_base::digest::sha256_hex(&std::fs::read(&beta).expect("read"));
    let change = StatusChange {
        kind: STATUS_TYPE.into(),
        certificate: beta_number.clone(),
        certificate_sha256: beta_sha,
        issuer: "KTL".into(),
        action: Action::Suspend,
        reason: "under review".into(),
        sequence: 0,
        date: today(),
    };
    let body = serde_json::to_vec(&change.sign(&lab.key).expect("signs").to_json()).expect("json");
    post(
        &format!("{}/api/v1/certificates/{beta_number}/status", server.url),
        &lab.token,
        &body,
    )
    .expect("suspend");

    // Search by holder: the form is a GET form, no script needed.
    browser.go(&format!("{}/?lang=en", server.url));
    browser.type_into("input[name=q]", "acme");
    browser.click("button[type=submit]");
    let page = browser.wait(|p| p.contains("value=\"acme\""));
    assert!(
        page.contains(&acme_number) && !page.contains(&beta_number),
        "search results"
    );
    // The certificate's page: details, status, QR code, download link.
    browser.click(&format!("a[href^=\"/certificates/{acme_number}\"]"));
    let page = browser.wait(|p| p.contains("Acme Vision") && p.contains("envelope"));
    assert!(page.contains("Acme Vision") && page.contains("s-valid"));
    assert!(page.contains("data:image/svg+xml;base64,"), "QR code");
    assert!(page.contains(&format!("/api/v1/certificates/{acme_number}/envelope")));
    // Korean.
    browser.click("a[hreflang=ko]");
    let page = browser.wait(|p| p.contains("인증서 번호"));
    assert!(
        page.contains("인증서 번호") && page.contains("유효"),
        "Korean page"
    );
    // Filter by status.
    browser.go(&format!("{}/?lang=en&status=suspended", server.url));
    let page = browser.source();
    assert!(page.contains(&beta_number) && !page.contains(&acme_number));
    // Verify by upload: valid, then suspended (not valid), in Korean.
    browser.go(&format!("{}/verify?lang=ko", server.url));
    browser.type_into("input[type=file]", s(&acme));
    browser.click("button[type=submit]");
    browser.wait(|p| p.contains("id=\"verdict\""));
    assert_eq!(browser.text("#verdict"), "유효한 인증서입니다.");
    // The checks' details are Korean too (English ones would be marked).
    let source = browser.source();
    for english in [
        "DSSE envelope",
        "Ed25519 signature by",
        "valid: not suspended",
        "inclusion proof leads",
    ] {
        assert!(
            !source.contains(english),
            "the Korean verify page holds {english:?}"
        );
    }
    assert!(source.contains("유효: 정지되거나 취소되지 않음") && source.contains("포함 증명"));
    browser.type_into("input[type=file]", s(&beta));
    browser.click("button[type=submit]");
    let page = browser.wait(|p| p.contains("under review"));
    assert!(page.contains("under review"), "the suspension's reason");
    assert_eq!(browser.text("#verdict"), "유효하지 않은 인증서입니다.");
    // The log's checkpoint.
    browser.go(&format!("{}/log?lang=en", server.url));
    let cp = browser.text("#checkpoint");
    let (_, info) = get_json(&format!("{}/api/v1/log", server.url));
    assert!(
        cp.starts_with(info["origin"].as_str().expect("origin")),
        "{cp}"
    );
    assert!(cp.contains("\n3\n"), "three entries: {cp}");
    // The log page lists the entries, newest first, with links.
    let entries = browser.text("#entries");
    assert!(
        entries.contains(&beta_number) && entries.contains(&acme_number),
        "{entries}"
    );
    assert!(
        browser
            .source()
            .contains("/api/v1/proofs/inclusion?index=2")
    );
    the_directory_answers_a_client(&browser, &server, &lab, dir.path(), &acme, &beta_number);
}

/// A client's questions, each in both languages: search by every field,
/// a valid, a suspended and a revoked certificate's page, a 404, the
/// verify page with a matching and another model's digest; every page
/// rendered (screenshots not blank) in the registry's own font.
fn the_directory_answers_a_client(
    browser: &Driver,
    server: &Server,
    lab: &Lab,
    dir: &Path,
    acme: &Path,
    beta_number: &str,
) {
    let url = &server.url;
    let (gamma, gamma_number) = write_cert(dir, &lab.key, 3, "Gamma Under_Score 100% Ltd.");
    ok(&[
        "publish",
        s(&gamma),
        "--log",
        url,
        "--token-file",
        s(&lab.token_file),
    ]);
    ok(&[
        "revoke",
        s(&gamma),
        "--key",
        s(&dir.join("keys/KTL.key")),
        "--reason",
        "the model was retrained",
        "--log",
        url,
        "--token-file",
        s(&lab.token_file),
    ]);
    let acme_bytes = std::fs::read(acme).expect("acme");
    let acme_sha = assay_base::digest::sha256_hex(&acme_bytes);
    let statement: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            serde_json::from_slice::<Value>(&acme_bytes).expect("json")["payload"]
                .as_str()
                .expect("payload"),
        )
        .expect("b64"),
    )
    .expect("statement");
    let acme_number = statement["predicate"]["certificate"]["number"]
        .as_str()
        .expect("n")
        .to_owned();
    let model_sha = statement["subject"][0]["digest"]["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();
    let model_name = statement["predicate"]["model"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    // Search by each field, through the search box.
    for (lang, query, want) in [
        ("en", acme_number.as_str(), acme_number.as_str()),
        ("ko", "acme vision", acme_number.as_str()),
        ("en", model_name.as_str(), acme_number.as_str()),
        ("ko", model_sha.as_str(), acme_number.as_str()),
        ("en", acme_sha.as_str(), acme_number.as_str()),
        ("ko", "Under_Score 100%", gamma_number.as_str()),
    ] {
        browser.go(&format!("{url}/?lang={lang}"));
        browser.type_into("input[name=q]", query);
        browser.click("button[type=submit]");
        // The results page, not the one the query was typed on.
        let typed = format!("value=\"{query}\"");
        let page = browser.wait(|p| p.contains(&typed));
        assert!(page.contains(want), "{lang} search {query:?} finds {want}");
        let others = [acme_number.as_str(), beta_number, gamma_number.as_str()];
        for other in others.iter().filter(|o| **o != want) {
            assert!(
                !page.contains(&format!(">{other}<")),
                "{lang} search {query:?} finds only {want}, not {other}"
            );
        }
        screenshot_not_blank(browser, &format!("search {query}"));
    }
    // The certificate's page of each status, in both languages.
    for (number, en, ko, reason) in [
        (acme_number.as_str(), "valid", "유효", None),
        (beta_number, "suspended", "일시 정지", Some("under review")),
        (
            gamma_number.as_str(),
            "revoked",
            "취소",
            Some("the model was retrained"),
        ),
    ] {
        for (lang, word) in [("en", en), ("ko", ko)] {
            browser.go(&format!("{url}/certificates/{number}?lang={lang}"));
            assert_eq!(browser.text("#status"), word, "{number} in {lang}");
            let results = browser.text("#history");
            if let Some(r) = reason {
                assert!(
                    results.contains(r),
                    "{number}: the history has {r:?}: {results}"
                );
            }
            let page = browser.source();
            assert!(
                page.contains("/api/v1/proofs/inclusion?index="),
                "a proof link"
            );
            assert!(page.contains(&format!("/api/v1/certificates/{number}/envelope")));
            assert!(page.contains("data:image/svg+xml;base64,"), "QR code");
            screenshot_not_blank(browser, &format!("{number} {lang}"));
        }
    }
    browser.go(&format!("{url}/certificates/{acme_number}?lang=ko"));
    let page = browser.source();
    for field in [
        "사용 목적",
        "클래스",
        "인정",
        "유효 시작일",
        "상태 이력",
        "visual inspection",
    ] {
        assert!(page.contains(field), "the Korean page shows {field}");
    }
    // A page that is not there.
    for (lang, says) in [("en", "Not found."), ("ko", "찾을 수 없습니다.")] {
        browser.go(&format!("{url}/certificates/NOPE-2026-000001?lang={lang}"));
        assert!(browser.source().contains(says), "404 in {lang}");
        screenshot_not_blank(browser, &format!("404 {lang}"));
    }
    // Verify with the model's digest: the one certified, another.
    let other_model = "0".repeat(64);
    for (lang, valid, invalid, yes, no) in [
        (
            "en",
            "The certificate is valid.",
            "The certificate is NOT valid.",
            "yes",
            "NO",
        ),
        (
            "ko",
            "유효한 인증서입니다.",
            "유효하지 않은 인증서입니다.",
            "예",
            "아니요",
        ),
    ] {
        for (digest, verdict, model_says) in [
            (model_sha.as_str(), valid, yes),
            (other_model.as_str(), invalid, no),
        ] {
            browser.go(&format!("{url}/verify?lang={lang}"));
            browser.type_into("input[type=file]", s(acme));
            browser.type_into("input[name=model_sha256]", digest);
            browser.click("button[type=submit]");
            browser.wait(|p| p.contains("id=\"verdict\""));
            assert_eq!(browser.text("#verdict"), verdict, "{lang}, model {digest}");
            let row = browser.text("tr[data-check=model]");
            assert!(
                row.ends_with(model_says),
                "{lang}: the model row says {model_says}: {row}"
            );
            let page = browser.source();
            assert!(
                !page.contains(">pass<") && !page.contains(">skip<"),
                "plain words, not pass/skip"
            );
            screenshot_not_blank(browser, &format!("verify {lang}"));
        }
    }
    // The font the pages name is the registry's own.
    let mut r = agent()
        .get(&format!("{url}/assets/assay-gothic.ttf"))
        .call()
        .expect("font");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "font/ttf");
    let font = r
        .body_mut()
        .with_config()
        .limit(8 << 20)
        .read_to_vec()
        .expect("font bytes");
    assert!(
        font.len() > 100_000 && font.starts_with(&[0, 1, 0, 0]),
        "a TrueType font"
    );
}

/// The page as the browser drew it is not blank: some pixels are dark.
fn screenshot_not_blank(browser: &Driver, what: &str) {
    let b64 = browser.cmd("GET", "/screenshot", Value::Null);
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        b64.as_str().expect("screenshot"),
    )
    .expect("base64");
    let img = image::load_from_memory(&png).expect("a PNG").to_luma8();
    let dark = img.pixels().filter(|p| p.0[0] < 128).count();
    let share = dark as f64 / f64::from(img.width() * img.height());
    assert!(
        share > 0.002,
        "{what}: the screenshot is blank ({dark} dark pixels)"
    );
}

// ---------------------------------------------------------------------------
// kill -9 during concurrent submissions.

/// Rounds of kill -9 (ASSAY_CRASH_ROUNDS, default 3; bench/crash.sh runs more).
fn rounds() -> usize {
    std::env::var("ASSAY_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

#[test]
fn kill_9_during_concurrent_submissions_loses_nothing_acknowledged() {
    crash("sqlite", None);
    match std::env::var("ASSAY_TEST_POSTGRES") {
        Ok(admin_url) => crash("postgres", Some(fresh_postgres(&admin_url, "crash"))),
        Err(_) => {
            assert!(
                std::env::var("ASSAY_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "ASSAY_REQUIRE_TOOLS=1 but ASSAY_TEST_POSTGRES is not set"
            );
            eprintln!("ASSAY_TEST_POSTGRES is not set: the crash test ran on SQLite only");
        }
    }
}

/// A new, empty PostgreSQL database on the server of `admin_url`.
fn fresh_postgres(admin_url: &str, name: &str) -> String {
    let db = format!("assay_{name}_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(admin_url).await.expect("postgres");
        for sql in [
            format!("DROP DATABASE IF EXISTS {db}"),
            format!("CREATE DATABASE {db}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .expect("create the database");
        }
    });
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    format!("{base}/{db}")
}

fn crash(backend: &str, database: Option<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("registry");
    std::fs::create_dir_all(&data).expect("dir");
    let mut db: Vec<&str> = vec!["--data", s(&data)];
    if let Some(url) = &database {
        db.extend(["--database", url.as_str()]);
    }
    let lab = lab_in(dir.path(), &db, "KTL");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut extra = vec!["--read-rate", "0", "--write-rate", "0"];
    if let Some(url) = &database {
        extra.extend(["--database", url.as_str()]);
    }
    let mut acked: Vec<(String, u64)> = Vec::new();
    let mut checkpoints: Vec<String> = Vec::new();
    let mut next = 1u64;
    let verifier = || {
        let v = ok(&[&["admin"], db.as_slice(), &["log-entry"]].concat());
        let key = v
            .lines()
            .find_map(|l| l.strip_prefix("key = "))
            .expect("key")
            .trim_matches('"')
            .to_owned();
        assay_log::note::NoteVerifier::from_key(&key).expect("verifier")
    };
    for round in 0..rounds() {
        let server = Server::start_on(&data, &listen, &extra);
        let url = server.url.clone();
        let v = verifier();
        // After a restart: every acknowledged submission is there with its
        // index, and the log is consistent with every checkpoint served.
        let (_, info) = get_json(&format!("{url}/api/v1/log"));
        let now = checkpoint(
            info["checkpoint"].as_str().expect("note"),
            std::slice::from_ref(&v),
        )
        .expect("signed");
        for (number, index) in &acked {
            let (code, d) = get_json(&format!("{url}/api/v1/certificates/{number}"));
            assert_eq!(code, 200, "round {round}: acknowledged {number} is lost");
            assert_eq!(d["entry"].as_u64(), Some(*index));
        }
        for old in &checkpoints {
            let old = checkpoint(old, std::slice::from_ref(&v)).expect("signed");
            if old.size == 0 {
                // Every tree extends the empty one; no proof is defined.
                continue;
            }
            let (_, p) = get_json(&format!(
                "{url}/api/v1/proofs/consistency?from={}&to={}",
                old.size, now.size
            ));
            let hashes: Vec<String> = serde_json::from_value(p["hashes"].clone()).expect("hashes");
            assay_log::merkle::verify_consistency(
                old.size,
                now.size,
                &decode_hashes(&hashes).expect("b64"),
                &old.root,
                &now.root,
            )
            .unwrap_or_else(|e| {
                panic!(
                    "round {round}: checkpoint {} is not a prefix of {}: {e}",
                    old.size, now.size
                )
            });
        }
        checkpoints.push(info["checkpoint"].as_str().expect("note").to_owned());
        // Four writers submit until the kill.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let acks = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut writers = Vec::new();
        for w in 0..4u64 {
            let (url, token, stop, acks) =
                (url.clone(), lab.token.clone(), stop.clone(), acks.clone());
            let key = IssuerKey::open(&dir.path().join("keys/KTL.key"), &common::passphrase)
                .expect("key");
            let first = next + w * 100_000;
            writers.push(std::thread::spawn(move || {
                let mut mine = Vec::new();
                let mut seen = Vec::new();
                let mut seq = first;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let cert = testkit::certificate(&key, seq, "Crash Holder", &today());
                    match post(&format!("{url}/api/v1/certificates"), &token, &cert) {
                        Ok((201 | 200, r)) => {
                            acks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            mine.push((
                                r["number"].as_str().expect("number").to_owned(),
                                r["index"].as_u64().expect("index"),
                            ));
                            seen.push(r["checkpoint"].as_str().expect("cp").to_owned());
                        }
                        Ok((code, r)) => panic!("submission answered {code}: {r}"),
                        Err(_) => break, // the server died mid-request: not acknowledged
                    }
                    seq += 1;
                }
                (mine, seen)
            }));
        }
        // The kill comes while submissions are flowing: after the first
        // few are acknowledged (however slow the machine), then a little later
        // each round.
        let since = std::time::Instant::now();
        while acks.load(std::sync::atomic::Ordering::Relaxed) < 4
            && since.elapsed() < Duration::from_secs(30)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(150 + 150 * round as u64));
        server.kill9();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            let (mine, seen) = w.join().expect("writer");
            acked.extend(mine);
            // Keep a few checkpoints each round: each must stay consistent.
            checkpoints.extend(seen.into_iter().rev().take(2));
        }
        next += 1_000_000;
    }
    assert!(
        acked.len() > 10,
        "too few submissions were acknowledged to test anything: {}",
        acked.len()
    );
    // Finally, the stored log re-hashes to every checkpoint.
    let report = ok(&[&["admin"], db.as_slice(), &["check"]].concat());
    assert!(report.contains("the log verifies"), "{report}");
    eprintln!(
        "{backend}: {} acknowledged submissions survived {} kill -9 rounds; {report}",
        acked.len(),
        rounds()
    );
}
