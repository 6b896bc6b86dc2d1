//! `assay keygen`, `assay certify`, `assay verify` end to end on the bundled
//! model plan, the refusals of `certify`, and the interoperability with an
//! independent Python verifier and signer (tests/interop/).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{assay, assessed, p, text};

fn certify(record: &Path, key: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "certify",
        p(record),
        "--key",
        p(key),
        "--issued",
        "2026-11-29",
    ];
    args.extend_from_slice(extra);
    assay(&args)
}

/// python3 with `cryptography`, which CI installs (ASSAY_REQUIRE_TOOLS=1).
fn python() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography, tomllib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("ASSAY_REQUIRE_TOOLS").is_none(),
            "python3 with cryptography is required (ASSAY_REQUIRE_TOOLS is set)"
        );
        eprintln!("python3 with cryptography is not installed: the interop checks did not run");
    }
    ok
}

/// Every run of exactly 64 lower-case hex digits in `text`.
fn hex64(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
        } else {
            if run.len() == 64 && !out.contains(&run) {
                out.push(run.clone());
            }
            run.clear();
        }
    }
    out
}

fn interop(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/interop")
        .join(script)
}

#[test]
fn certify_then_verify_here_and_with_an_independent_verifier() {
    let (_dir, root, record, keys) = assessed();
    let key = keys.join("DEMO.key");
    let trust = keys.join("DEMO.pub.toml");
    // Reports first, so that the certificate carries their digests.
    for (lang, ext) in [("en", "html"), ("ko", "pdf")] {
        let o = assay(&[
            "report",
            p(&record),
            "--lang",
            lang,
            "--format",
            ext,
            "--issued",
            "2026-11-29",
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = certify(
        &record,
        &key,
        &["--status-url", "https://registry.example.org/c"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "the first certificate of a record is no second one: {}",
        text(&o)
    );
    let results = record.parent().expect("folder");
    let cert = results.join("DEMO-2026-000001.cert.json");
    for f in ["en.html", "en.pdf", "ko.html", "ko.pdf"] {
        assert!(
            results
                .join(format!("DEMO-2026-000001.certificate.{f}"))
                .exists(),
            "{f}"
        );
    }
    let html = std::fs::read_to_string(results.join("DEMO-2026-000001.certificate.ko.html"))
        .expect("html");
    let cert_sha = assay_base::digest::sha256_hex(&std::fs::read(&cert).expect("cert"));
    assert!(
        html.contains(&format!("https://registry.example.org/c/{cert_sha}")),
        "QR address and digest"
    );
    assert!(html.contains("<figure id=\"fig-qr\"><svg"), "QR code drawn");
    // One page, in Korean, with the number (when pdftotext is here; CI has it).
    if let Ok(o) = Command::new("pdftotext")
        .arg(results.join("DEMO-2026-000001.certificate.ko.pdf"))
        .arg("-")
        .output()
    {
        let pdf_text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(pdf_text.matches('\u{c}').count(), 1, "one page");
        // A test lab's certificate (the plan names no other role).
        assert!(
            pdf_text.contains("시험 인증서") && pdf_text.contains("DEMO-2026-000001"),
            "{pdf_text}"
        );
        // Every digest the page shows is copied from the PDF as it is:
        // nothing inserted, not broken across lines.
        let shown = hex64(&html);
        assert!(
            shown.len() >= 5,
            "model, record, certificate, reports: {shown:?}"
        );
        for d in &shown {
            assert!(pdf_text.contains(d.as_str()), "{d} intact in {pdf_text}");
        }
        assert!(!pdf_text.contains('\u{200b}'), "no zero-width space");
    } else {
        assert!(
            std::env::var_os("ASSAY_REQUIRE_TOOLS").is_none(),
            "pdftotext is required"
        );
    }

    // The statement: subject = the model, and the evidence's digests.
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cert).expect("cert")).expect("json");
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().expect("payload"))
        .expect("base64");
    let st: serde_json::Value = serde_json::from_slice(&payload).expect("statement");
    let model_sha =
        assay_base::digest::sha256_hex(&std::fs::read(root.join("digits.onnx")).expect("model"));
    assert_eq!(st["subject"][0]["digest"]["sha256"], model_sha);
    assert_eq!(
        st["predicate"]["assessment"]["sha256"],
        assay_base::digest::sha256_hex(&std::fs::read(&record).expect("record"))
    );
    assert_eq!(
        st["predicate"]["reports"]
            .as_array()
            .expect("reports")
            .len(),
        2
    );
    assert_eq!(st["predicate"]["certificate"]["number"], "DEMO-2026-000001");
    assert!(
        !st["predicate"]["results"]
            .as_array()
            .expect("results")
            .is_empty()
    );
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/certificate.v1.schema.json"),
        )
        .expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&st)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the statement does not match schemas/certificate.v1.schema.json:\n{}",
        errors.join("\n")
    );

    let model = root.join("digits.onnx");
    let args = [
        "verify",
        p(&cert),
        "--trust",
        p(&trust),
        "--model",
        p(&model),
        "--assessment",
        p(&record),
        "--at",
        "2026-12-01",
    ];
    let o = assay(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).ends_with("\nVALID\n"), "{}", text(&o));
    let o = assay(&[&args[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["valid"], true);
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["model_checked"], true);
    let checks = v["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 10);
    // No registry given and no proof beside it: the log's checks are skipped.
    for c in &checks[8..] {
        assert_eq!(c["status"], "skip", "{c}");
    }

    // Without the model a genuine certificate is not a checked model: the
    // verdict says so; --require-model makes it a failure.
    let bare = [
        "verify",
        p(&cert),
        "--trust",
        p(&trust),
        "--at",
        "2026-12-01",
    ];
    let o = assay(&bare);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).ends_with(
            "\nsignature valid — model NOT checked (give --model to check the model at hand)\n"
        ),
        "{}",
        text(&o)
    );
    let o = assay(&[&bare[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["verdict"], "valid-model-not-checked");
    assert_eq!(v["model_checked"], false);
    let o = assay(&[&bare[..], &["--require-model"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).ends_with("\nINVALID: --require-model, and the model was not checked\n"),
        "{}",
        text(&o)
    );
    let o = assay(&[&args[..], &["--require-model"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A trust store that does not know the issuer: the claimed issuer and
    // number are named (as claims).
    let o = assay(&[
        "keygen",
        "--issuer",
        "STRANGER",
        "--out",
        p(&root.join("k2")),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = assay(&[
        "verify",
        p(&cert),
        "--trust",
        p(&root.join("k2/STRANGER.pub.toml")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("certificate DEMO-2026-000001 (claimed; not verified)")
            && said.contains(
                "it claims to be certificate DEMO-2026-000001 of issuer DEMO (Assay demonstration laboratory), which the trust store does not know"
            ),
        "{said}"
    );

    // Invalid: another model, or too late.
    let other = root.join("breast_cancer.onnx");
    let o = assay(&[
        "verify",
        p(&cert),
        "--trust",
        p(&trust),
        "--model",
        p(&other),
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL  model"));
    let o = assay(&[
        "verify",
        p(&cert),
        "--trust",
        p(&trust),
        "--at",
        "2028-01-01",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("expired"));
    // Usage errors: exit 2.
    let o = assay(&[
        "verify",
        p(&root.join("nope.cert.json")),
        "--trust",
        p(&trust),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = assay(&["verify", p(&cert), "--trust", p(&record)]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a record is not a trust store: {}",
        text(&o)
    );

    // The next certificate takes the next number, with a warning that
    // names the first one of the same record.
    let o = certify(&record, &key, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(results.join("DEMO-2026-000002.cert.json").exists());
    let warned = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        warned.contains("warning") && warned.contains("DEMO-2026-000001"),
        "{warned}"
    );

    if !python() {
        return;
    }
    // An independent verifier (Python, `cryptography` only) accepts it...
    let o = Command::new("python3")
        .arg(interop("verify.py"))
        .args([
            p(&cert),
            p(&trust),
            "--model",
            p(&model),
            "--assessment",
            p(&record),
            "--at",
            "2026-12-01",
        ])
        .output()
        .expect("python runs");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("PASS  signature  DEMO") && text(&o).ends_with("VALID\n"),
        "{}",
        text(&o)
    );
    // ...and rejects a tampered copy.
    let mut tampered = envelope.clone();
    let mut st2 = st.clone();
    st2["predicate"]["results"][0]["value"] = serde_json::json!(1.0);
    tampered["payload"] = serde_json::json!(
        base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&st2).expect("json"))
    );
    let bad = results.join("tampered.cert.json");
    std::fs::write(&bad, serde_json::to_vec(&tampered).expect("json")).expect("write");
    let o = Command::new("python3")
        .arg(interop("verify.py"))
        .args([p(&bad), p(&trust)])
        .output()
        .expect("python");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = assay(&["verify", p(&bad), "--trust", p(&trust)]);
    assert_eq!(o.status.code(), Some(1));

    // An envelope the Python side signs is accepted by assay verify.
    let py_cert = results.join("py.cert.json");
    let py_trust = results.join("py.trust.toml");
    let o = Command::new("python3")
        .arg(interop("sign.py"))
        .args([p(&cert), "PYLAB", p(&py_cert), p(&py_trust)])
        .output()
        .expect("python");
    assert!(o.status.success(), "{}", text(&o));
    let o = assay(&[
        "verify",
        p(&py_cert),
        "--trust",
        p(&py_trust),
        "--model",
        p(&model),
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("signature by PYLAB"));
    // Not by the lab's key: a store without PYLAB does not trust it.
    let o = assay(&[
        "verify",
        p(&py_cert),
        "--trust",
        p(&trust),
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn certify_refuses_what_it_must_not_sign() {
    let (_dir, root, record, keys) = assessed();
    let key = keys.join("DEMO.key");

    // A key for another lab.
    let o = assay(&["keygen", "--issuer", "OTHER", "--out", p(&keys)]);
    assert!(o.status.success(), "{}", text(&o));
    let o = certify(&record, &keys.join("OTHER.key"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("the key signs for issuer \"OTHER\""),
        "{}",
        text(&o)
    );

    // A key file others can read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let loose = keys.join("OTHER.key");
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let o = certify(&record, &loose, &[]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).contains("readable by others"), "{}", text(&o));
    }

    // A record whose verdict is not a pass.
    let mut failing: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).expect("record")).expect("json");
    failing["verdict"]["overall"] = serde_json::json!("fail");
    let failing_path = record.with_file_name("failing.json");
    std::fs::write(&failing_path, serde_json::to_vec(&failing).expect("json")).expect("write");
    let o = certify(&failing_path, &key, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("verdict is \"fail\""), "{}", text(&o));

    // A file changed after the assessment.
    let manifest = root.join("digits_test_manifest.csv");
    let mut bytes = std::fs::read(&manifest).expect("manifest");
    bytes.extend_from_slice(b"\n");
    std::fs::write(&manifest, &bytes).expect("write");
    let o = certify(&record, &key, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("is not what its inputs give")
            && text(&o).contains(
                "/inputs/1/sha256 (the test-set manifest digits_test_manifest.csv): recorded"
            ),
        "{}",
        text(&o)
    );
    bytes.pop();
    std::fs::write(&manifest, &bytes).expect("restore");

    // A report changed after it was written.
    let o = assay(&["report", p(&record), "--issued", "2026-11-29"]);
    assert!(o.status.success(), "{}", text(&o));
    let report = record.with_file_name("report.en.html");
    let mut html = std::fs::read(&report).expect("report");
    html.extend_from_slice(b"<!-- edited -->");
    std::fs::write(&report, html).expect("write");
    let o = certify(&record, &key, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("does not match its recorded SHA-256"),
        "{}",
        text(&o)
    );
    assert!(
        !record.with_file_name("DEMO-2026-000001.cert.json").exists(),
        "nothing signed"
    );

    // keygen never overwrites.
    let o = assay(&["keygen", "--issuer", "DEMO", "--out", p(&keys)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("never overwrites"), "{}", text(&o));

    // The key is encrypted: without its passphrase, or with a wrong one,
    // nothing is signed.
    let without = |args: &[&str], passphrase: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_assay"));
        c.args(args).env_remove("ASSAY_KEY_PASSPHRASE");
        if let Some(pp) = passphrase {
            c.env("ASSAY_KEY_PASSPHRASE", pp);
        }
        c.output().expect("assay runs")
    };
    let key_file = keys.join("DEMO.key");
    let key = p(&key_file);
    for (pp, says) in [
        (None, "set ASSAY_KEY_PASSPHRASE or run in a terminal"),
        (
            Some("not the passphrase"),
            "the passphrase does not unlock the key",
        ),
    ] {
        let o = without(
            &[
                "certify",
                p(&record),
                "--key",
                key,
                "--issued",
                "2026-11-29",
            ],
            pp,
        );
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(says), "{}", text(&o));
    }
    assert!(
        !record.with_file_name("DEMO-2026-000001.cert.json").exists(),
        "nothing signed"
    );
    // A new key without a passphrase at hand: the choices are named.
    let other = keys.join("new");
    let o = without(&["keygen", "--issuer", "NEW", "--out", p(&other)], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--pkcs11 URI") && text(&o).contains("--unencrypted"),
        "{}",
        text(&o)
    );
    // A plain key works, and says what it is each time it is used.
    let o = without(
        &[
            "keygen",
            "--issuer",
            "DEMO",
            "--unencrypted",
            "--out",
            p(&other),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("unencrypted"), "{}", text(&o));
    let plain = other.join("DEMO.key");
    let o = without(
        &[
            "certify",
            p(&record),
            "--key",
            p(&plain),
            "--issued",
            "2026-11-29",
            "--out",
            p(&other),
        ],
        None,
    );
    // (This record's report was altered above, so it is refused anyway.)
    assert!(
        text(&o).contains("holds its secret unencrypted"),
        "{}",
        text(&o)
    );
}

/// A record edited by hand (a metric's value and interval) is re-derived
/// from its inputs before signing: refused with the members that differ,
/// both values, nothing written; the true record is signed, and says how
/// it was checked.
#[test]
fn certify_rederives_the_record_and_refuses_an_edited_one() {
    let (_dir, _root, record, keys) = assessed();
    let key = keys.join("DEMO.key");
    let mut edited: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).expect("record")).expect("json");
    let accuracy = &mut edited["evaluation"]["metrics"]["accuracy"];
    let true_value = accuracy["value"].as_f64().expect("accuracy");
    accuracy["value"] = serde_json::json!(0.999);
    accuracy["ci"]["low"] = serde_json::json!(0.5);
    let original = std::fs::read(&record).expect("record");
    std::fs::write(&record, serde_json::to_vec(&edited).expect("json")).expect("write");
    let o = certify(&record, &key, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("is not what its inputs give (recomputed from the recorded predictions): 2 member(s) differ"),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "/evaluation/metrics/accuracy/value: recorded 0.999, computed {true_value}"
        )) && said.contains("/evaluation/metrics/accuracy/ci/low: recorded 0.5"),
        "{said}"
    );
    let written: Vec<_> = std::fs::read_dir(record.parent().expect("folder"))
        .expect("folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("cert"))
        .collect();
    assert!(written.is_empty(), "nothing signed: {written:?}");

    // The true record, re-derived from the recorded predictions and then
    // from a new run of the model, is signed; the statement says which.
    std::fs::write(&record, &original).expect("restore");
    for (extra, said, number) in [
        (&[][..], "predictions", "DEMO-2026-000001"),
        (&["--rerun-model"][..], "model run", "DEMO-2026-000002"),
    ] {
        let o = certify(&record, &key, extra);
        assert!(o.status.success(), "{}", text(&o));
        let envelope: serde_json::Value = serde_json::from_slice(
            &std::fs::read(record.with_file_name(format!("{number}.cert.json"))).expect("cert"),
        )
        .expect("json");
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::STANDARD
            .decode(envelope["payload"].as_str().expect("payload"))
            .expect("base64");
        let statement: serde_json::Value = serde_json::from_slice(&payload).expect("statement");
        assert_eq!(
            statement["predicate"]["assessment"]["rederived"], said,
            "{statement}"
        );
    }
}

/// Replace the model's predictions with better ones and make the record
/// consistent with them (every metric recomputed, the digest updated):
/// re-derivation from the recorded predictions cannot tell, a new run of
/// the model can, in `certify` and in `verify --recompute`.
#[test]
fn replaced_predictions_are_caught_by_running_the_model_again() {
    let (_dir, root, record, keys) = assessed();
    let key = keys.join("DEMO.key");
    let trust = keys.join("DEMO.pub.toml");
    let o = certify(&record, &key, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let cert = record.with_file_name("DEMO-2026-000001.cert.json");

    // The honest record verifies and recomputes, both ways.
    for extra in [&[][..], &["--rerun-model"][..]] {
        let mut args = vec![
            "verify",
            p(&cert),
            "--trust",
            p(&trust),
            "--assessment",
            p(&record),
            "--recompute",
        ];
        args.extend_from_slice(extra);
        let o = assay(&args);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("PASS  recompute"), "{}", text(&o));
    }

    // The forgery: predictions better than the model's (every other row
    // made right), and a record made consistent with them.
    let predictions = record.with_file_name("predictions.parquet");
    improved_predictions(&predictions);
    let stored: assay_record::Assessment =
        assay_record::read(&std::fs::read(&record).expect("record")).expect("record");
    let plan = assay_assess::plan::Plan::load(&root.join("assay.toml")).expect("plan");
    let forged = assay_assess::assessment::assess_from(
        &plan,
        assay_assess::assessment::Runs::Recorded {
            dir: record.parent().expect("folder"),
            record: &stored,
        },
        &mut |_| {},
    )
    .expect("forged record");
    let accuracy = |a: &assay_record::Assessment| {
        a.evaluation
            .metrics
            .get("accuracy")
            .and_then(|m| m.value)
            .unwrap_or(0.0)
    };
    assert!(
        accuracy(&forged) > accuracy(&stored),
        "the forgery scores better: {} against {}",
        accuracy(&forged),
        accuracy(&stored)
    );
    std::fs::write(&record, forged.to_canonical()).expect("write");

    let o = certify(&record, &key, &[]);
    assert!(
        o.status.success(),
        "from the predictions alone the forgery is consistent: {}\n{:?}\n{:?}",
        text(&o),
        forged.evaluation.criteria,
        forged.robustness.as_ref().map(|r| &r.criteria)
    );
    let o = certify(&record, &key, &["--rerun-model"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("recomputed from a new run of the model")
            && said.contains("/sha256 (the model predictions predictions.parquet): recorded"),
        "{said}"
    );
    assert!(!record.with_file_name("DEMO-2026-000003.cert.json").exists());

    let forged_cert = record.with_file_name("DEMO-2026-000002.cert.json");
    let o = assay(&[
        "verify",
        p(&forged_cert),
        "--trust",
        p(&trust),
        "--assessment",
        p(&record),
        "--recompute",
        "--rerun-model",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL  recompute"), "{}", text(&o));
}

/// Rewrite every other row of a model run's predictions as a perfect
/// model's: the label's probability 1, every other 0, the prediction the
/// label.
fn improved_predictions(path: &Path) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::sync::Arc;
    let file = std::fs::File::open(path).expect("predictions");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader");
    let batches: Vec<RecordBatch> = reader.map(|b| b.expect("batch")).collect();
    let schema = batches[0].schema();
    let out = std::fs::File::create(path).expect("write");
    let mut writer = ArrowWriter::try_new(out, schema.clone(), None).expect("writer");
    for batch in &batches {
        let labels = batch
            .column_by_name("label")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            .expect("label column")
            .clone();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, column)| -> ArrayRef {
                let name = field.name();
                // Every other row keeps the model's own scores: a perfect
                // ranking everywhere would put the AUCs at the boundary,
                // where an honest interval cannot clear 0.99 on 899 items.
                let forged = |i: usize| i.is_multiple_of(2);
                if let Some(class) = name.strip_prefix("prob_") {
                    let own = column
                        .as_any()
                        .downcast_ref::<Float64Array>()
                        .expect("probabilities");
                    Arc::new(Float64Array::from_iter_values(
                        labels.iter().enumerate().map(|(i, l)| {
                            if forged(i) {
                                f64::from(u8::from(l == Some(class)))
                            } else {
                                own.value(i)
                            }
                        }),
                    ))
                } else if name == "pred" {
                    let own = column
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .expect("predictions");
                    Arc::new(StringArray::from_iter(
                        labels
                            .iter()
                            .enumerate()
                            .map(|(i, l)| if forged(i) { l } else { Some(own.value(i)) }),
                    ))
                } else {
                    column.clone()
                }
            })
            .collect();
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).expect("batch"))
            .expect("write");
    }
    writer.close().expect("close");
}

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

#[test]
fn the_labs_logo_is_digested_shown_and_checked() {
    use base64::Engine as _;
    let (_dir, root, record, keys) = assessed();
    let plan = root.join("assay.toml");
    let source = std::fs::read_to_string(&plan).expect("plan");
    std::fs::write(
        &plan,
        source.replacen("[lab]\n", "[lab]\nlogo = \"mark.png\"\n", 1),
    )
    .expect("plan");
    let run = || {
        assay(&[
            "run",
            p(&plan),
            "--out",
            p(&root.join("results")),
            "--quiet",
        ])
    };
    // Not an image: refused at the plan's line.
    std::fs::write(root.join("mark.png"), "this is not a picture").expect("write");
    let o = run();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("[lab] logo 'mark.png' is not an image")
            && text(&o).contains("assay.toml:"),
        "{}",
        text(&o)
    );
    let png = base64::engine::general_purpose::STANDARD
        .decode(PNG)
        .expect("png");
    std::fs::write(root.join("mark.png"), &png).expect("write");
    let o = run();
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).expect("record")).expect("json");
    let sha = assay_base::digest::sha256_hex(&png);
    assert!(
        r["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .any(|i| i["role"] == "lab logo" && i["sha256"] == sha.as_str()),
        "{}",
        r["inputs"]
    );
    let key = keys.join("DEMO.key");
    let o = certify(&record, &key, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let results = record.parent().expect("folder");
    let html = std::fs::read_to_string(results.join("DEMO-2026-000001.certificate.ko.html"))
        .expect("html");
    assert!(html.contains("id=\"fig-logo\""), "the logo is shown");
    assert!(html.contains(PNG), "the logo's own bytes");
    let env: serde_json::Value = serde_json::from_slice(
        &std::fs::read(results.join("DEMO-2026-000001.cert.json")).expect("cert"),
    )
    .expect("json");
    let statement: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(env["payload"].as_str().expect("payload"))
            .expect("b64"),
    )
    .expect("statement");
    assert_eq!(
        statement["predicate"]["issuer"]["logo"],
        serde_json::json!({ "media_type": "image/png", "sha256": sha })
    );
    // Another logo after the assessment: the re-derivation names it.
    std::fs::write(root.join("mark.png"), [&png[..], b"tail"].concat()).expect("write");
    let o = certify(&record, &key, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("lab logo"), "{}", text(&o));
    assert!(!results.join("DEMO-2026-000002.cert.json").exists());
}
