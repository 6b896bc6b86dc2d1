//! `assay report`: files, the digest beside each report, defaults and errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn assay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("assay runs")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assay-report/tests/data")
        .join(name)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sha256(path: &Path) -> String {
    assay_base::digest::sha256_hex(&std::fs::read(path).expect("read"))
}

#[test]
fn writes_the_report_and_its_digest_beside_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let record = dir.path().join("assessment.json");
    std::fs::copy(fixture("breast_cancer.assessment.json"), &record).expect("copy");
    let record_arg = record.to_str().expect("utf-8");
    // Defaults: HTML, English, beside the record.
    let o = assay(&["report", record_arg, "--issued", "2026-12-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = dir.path().join("report.en.html");
    let digest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("report.en.html.json")).expect("digest file"),
    )
    .expect("JSON");
    assert_eq!(digest["schema"], "assay/report-digest/v1");
    assert_eq!(digest["report"]["sha256"], sha256(&html));
    assert_eq!(
        digest["report"]["size"],
        std::fs::metadata(&html).expect("size").len()
    );
    assert_eq!(digest["report"]["format"], "html");
    assert_eq!(digest["report"]["lang"], "en");
    assert_eq!(digest["assessment"]["sha256"], sha256(&record));
    assert_eq!(digest["issued"], "2026-12-01");
    assert!(String::from_utf8_lossy(&o.stdout).contains(&sha256(&html)));

    // The format follows the extension; the number can be set.
    let korean_pdf = |out: &Path| {
        let o = assay(&[
            "report",
            record_arg,
            "--lang",
            "ko",
            "--out",
            out.to_str().expect("utf-8"),
            "--number",
            "KTL-2026-AI-0042",
            "--issued",
            "2026-12-01",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    let pdf = dir.path().join("out/r.pdf");
    korean_pdf(&pdf);
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    let digest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/r.pdf.json")).expect("digest"))
            .expect("JSON");
    assert_eq!(digest["number"], "KTL-2026-AI-0042");
    assert_eq!(digest["report"]["lang"], "ko");
    assert_eq!(digest["report"]["sha256"], sha256(&pdf));

    // Same record, same options: same bytes.
    let again = dir.path().join("again.pdf");
    korean_pdf(&again);
    assert_eq!(bytes, std::fs::read(&again).expect("again"));
}

#[test]
fn the_issue_date_defaults_to_source_date_epoch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r.html");
    let o = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["report"])
        .arg(fixture("digits.assessment.json"))
        .arg("--out")
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01T00:00:00Z
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).expect("html");
    assert!(html.contains("1 January 2026"));
}

#[test]
fn bad_records_and_options_are_named_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.json");
    let o = assay(&["report", missing.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read the assessment record")
            && stderr(&o).contains("nope.json"),
        "{}",
        stderr(&o)
    );

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"schema\": \"assay/assessment/v1\",\n  \"plan\": [1, 2,\n}\n",
    )
    .expect("write");
    let o = assay(&["report", bad.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.json:4:1: not an assessment record"),
        "{}",
        stderr(&o)
    );

    let mut record: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("breast_cancer.assessment.json")).expect("fixture"),
    )
    .expect("JSON");
    record["identification"]["client"]["name"] = serde_json::Value::from(42);
    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, serde_json::to_vec(&record).expect("json")).expect("write");
    let o = assay(&["report", wrong.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("wrong.json: /identification/client/name: expected a string"),
        "{}",
        stderr(&o)
    );
    assert!(
        !dir.path().join("report.en.html").exists(),
        "nothing written on error"
    );

    let o = assay(&[
        "report",
        wrong.to_str().expect("utf-8"),
        "--issued",
        "2026-02-30",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("'2026-02-30' is not a date written YYYY-MM-DD"),
        "{}",
        stderr(&o)
    );
}
