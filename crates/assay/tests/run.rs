//! `assay init` and `assay run`: plan errors (each with a snapshot of the
//! message), the assessment record against its schema, reproducibility, the
//! leakage check on a constructed overlap, digests and exit codes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn assay_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A folder with the bundled plan and its data.
fn planned() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = assay_in(dir.path(), &["init", ".", "--demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// Replace `from` with `to` in the plan (which must contain it).
fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("assay.toml");
    let text = std::fs::read_to_string(&path).expect("a readable file");
    assert!(text.contains(from), "the plan has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("a writable folder");
}

/// Run the plan in `dir`; the record goes to `dir/out`.
fn run(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "assay.toml", "--out", "out"];
    args.extend_from_slice(extra);
    assay_in(dir, &args)
}

fn record(dir: &Path) -> (String, Value) {
    let text = std::fs::read_to_string(dir.join("out/assessment.json")).expect("a readable file");
    let value = serde_json::from_str(&text).expect("valid JSON");
    (text, value)
}

/// The message of a plan error, with an exit-code check.
fn plan_error(from: &str, to: &str) -> String {
    let dir = planned();
    edit(dir.path(), from, to);
    let out = run(dir.path(), &["--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        !dir.path().join("out/assessment.json").exists(),
        "no record is written for a wrong plan"
    );
    stderr(&out)
}

#[test]
fn plan_error_unknown_key() {
    let e = plan_error("seed = 4213", "sede = 4213");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_wrong_type() {
    let e = plan_error("bootstrap = 2000", "bootstrap = \"many\"");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_unknown_choice() {
    let e = plan_error("decision_rule = \"guarded\"", "decision_rule = \"strict\"");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_value_out_of_range() {
    let e = plan_error("confidence = 0.95", "confidence = 95");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_received_date() {
    let e = plan_error("received = \"2026-11-20\"", "received = \"20.11.2026\"");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_criterion_syntax() {
    let e = plan_error("\"ece <= 0.1\"", "\"ece <= 0.1x\"");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_unknown_metric_in_criterion() {
    let e = plan_error("\"roc_auc >= 0.95\"", "\"roc_aux >= 0.95\"");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_unknown_class_in_criterion() {
    let e = plan_error(
        "\"recall[malignant] >= 0.85\"",
        "\"recall[malignent] >= 0.85\"",
    );
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_unknown_reported_metric() {
    let e = plan_error("\"brier_score\"", "\"brier\"");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_missing_file() {
    let e = plan_error(
        "predictions = \"data/breast_cancer_baseline.csv\"",
        "predictions = \"data/baseline.csv\"",
    );
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_missing_key() {
    let e = plan_error("intended_use = ", "# intended_use = ");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_bad_toml() {
    let e = plan_error("[criteria]", "[criteria");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_unknown_baseline_metric() {
    let e = plan_error("metric = \"recall\"", "metric = \"ece\"");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_guarded_rule_without_intervals() {
    let e = plan_error("# enabled = true", "enabled = false");
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_missing_shard() {
    let e = plan_error(
        "predictions = \"data/breast_cancer.csv\"",
        "predictions = [\"data/breast_cancer.csv\", \"data/part-1.csv\"]",
    );
    insta::assert_snapshot!(e);
}

#[test]
fn plan_error_predictions_of_the_wrong_type() {
    let e = plan_error(
        "predictions = \"data/breast_cancer.csv\"",
        "predictions = 3",
    );
    insta::assert_snapshot!(e);
}

#[test]
fn sharded_predictions_are_digested_one_by_one() {
    let dir = planned();
    let d = dir.path();
    let text = std::fs::read_to_string(d.join("data/breast_cancer.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(d.join("data/part-0.csv"), lines[..150].join("\n") + "\n").unwrap();
    std::fs::write(
        d.join("data/part-1.csv"),
        format!("{}\n{}\n", lines[0], lines[150..].join("\n")),
    )
    .unwrap();
    edit(
        d,
        "predictions = \"data/breast_cancer.csv\"",
        "predictions = [\"data/part-0.csv\", \"data/part-1.csv\"]",
    );
    let out = run(d, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, r) = record(d);
    assert_valid(&r);
    let shards: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == "predictions")
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(shards, ["data/part-0.csv", "data/part-1.csv"]);
    assert_eq!(r["evaluation"]["n"], 285);
    assert_eq!(r["comparison"]["n"], 285);
    assert_eq!(r["verdict"]["overall"], "pass");
}

#[test]
fn check_validates_without_running() {
    let dir = planned();
    let out = run(dir.path(), &["--check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.path().join("out").exists());
    edit(dir.path(), "[slices]", "[slice]");
    let out = run(dir.path(), &["--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown key `slice`"),
        "{}",
        stderr(&out)
    );
}

fn validator() -> jsonschema::Validator {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(name)).expect("a readable file"))
            .expect("valid JSON")
    };
    let registry = jsonschema::Registry::new()
        .add(
            "https://assay.invalid/schemas/eval-result.v1.schema.json",
            read("eval-result.v1.schema.json"),
        )
        .expect("a schema registry")
        .prepare()
        .expect("valid schemas");
    jsonschema::options()
        .with_registry(&registry)
        .build(&read("assessment.v1.schema.json"))
        .expect("the schema is valid JSON Schema")
}

fn assert_valid(record: &Value) {
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(record)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "record does not match the schema:\n{}",
        errors.join("\n")
    );
}

fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("sha256sum prints a digest")
        .to_owned()
}

#[test]
fn record_is_complete_and_matches_its_schema() {
    let dir = planned();
    let out = run(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Verdict: PASS"), "{text}");
    assert!(text.contains("record: out/assessment.json"), "{text}");
    let (_, r) = record(dir.path());
    assert_valid(&r);
    // The plan, byte for byte, and its digest.
    let plan = dir.path().join("assay.toml");
    assert_eq!(r["plan"]["text"], std::fs::read_to_string(&plan).unwrap());
    assert_eq!(r["plan"]["sha256"], sha256sum(&plan));
    // Every input file with the digest sha256sum gives.
    let inputs = r["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 4);
    for input in inputs {
        let path = dir.path().join(input["path"].as_str().unwrap());
        assert_eq!(input["sha256"], sha256sum(&path), "{input}");
        assert_eq!(input["size"], std::fs::metadata(&path).unwrap().len());
    }
    assert_eq!(r["identification"]["standard"], "ISO/IEC TS 4213:2022");
    assert_eq!(r["identification"]["model"]["name"], "breast-cancer-logreg");
    assert_eq!(r["seed"], 4213);
    assert_eq!(r["evaluation"]["parameters"]["intervals"]["seed"], 4213);
    assert!(r["evaluation"]["metrics"]["roc_auc"]["ci"]["low"].is_number());
    assert_eq!(r["evaluation"]["criteria"].as_array().unwrap().len(), 3);
    assert_eq!(r["comparison"]["verdict"], "pass");
    assert_eq!(r["leakage"]["leaked"], 0);
    assert_eq!(r["leakage"]["test"]["items"], 285);
    assert_eq!(r["verdict"]["overall"], "pass");
    assert_eq!(r["verdict"]["criteria_met"], 3);
    // The one control criterion the demo plan leaves out is reported, not dropped.
    let disclosures = r["disclosures"].as_array().unwrap();
    assert_eq!(disclosures.len(), 13);
    let missing: Vec<&Value> = disclosures
        .iter()
        .filter(|d| d["status"] == "not disclosed")
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["clause"], "5.3.8");
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "not-disclosed"
                && w["message"].as_str().unwrap().contains("5.3.8"))
    );
    assert!(r["environment"]["threads"].as_u64().unwrap() >= 1);
    assert!(!r["tool"]["revision"].as_str().unwrap().is_empty());
    let reported: Vec<&str> = r["reported_metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(reported.contains(&"recall[malignant]"));
}

/// Everything but `/run` is byte-identical between two runs, even from
/// another working folder; the file is canonical JSON.
#[test]
fn runs_are_reproducible_byte_for_byte() {
    let dir = planned();
    let first = run(dir.path(), &["--quiet"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(first.stdout.is_empty(), "--quiet prints nothing");
    // No progress display when standard error is not a terminal.
    assert!(first.stderr.is_empty(), "{}", stderr(&first));
    let (a, ra) = record(dir.path());
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    // The second run from the parent folder, naming the plan by a longer path.
    let parent = dir.path().parent().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let out_dir = format!("{name}/out");
    let second = assay_in(
        parent,
        &[
            "run",
            &format!("{name}/assay.toml"),
            "--out",
            &out_dir,
            "--quiet",
        ],
    );
    assert!(second.status.success(), "{}", stderr(&second));
    let (b, rb) = record(dir.path());
    assert!(second.stderr.is_empty(), "{}", stderr(&second));
    // --json prints the record itself.
    let third = run(dir.path(), &["--json"]);
    assert!(third.status.success());
    let printed: Value = serde_json::from_slice(&third.stdout).unwrap();
    assert_eq!(printed["plan"], rb["plan"]);
    assert!(
        third.stderr.is_empty(),
        "no progress display off a terminal"
    );
    for (text, value) in [(&a, &ra), (&b, &rb)] {
        assert_eq!(
            *text,
            assay_assess::canonical::to_string(value),
            "the record is canonical JSON"
        );
    }
    assert_ne!(ra["run"], Value::Null);
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("run");
        assay_assess::canonical::to_string(&v)
    };
    assert_eq!(strip(&ra), strip(&rb));
    // And the bytes outside the run member are the same bytes.
    let cut = |text: &str| {
        let start = text.find(",\"run\":{").unwrap();
        let end = start + text[start..].find("},\"run_specific\"").unwrap();
        format!("{}{}", &text[..start], &text[end + 1..])
    };
    assert_eq!(cut(&a), cut(&b));
}

#[test]
fn leakage_counts_a_constructed_overlap() {
    let dir = planned();
    let d = dir.path();
    // Image-like items: folders of files, four test files copied from training.
    for (name, body) in [
        ("train/a.png", "A"),
        ("train/b.png", "B"),
        ("train/c.png", "C"),
        ("train/d.png", "D"),
        ("train/e.png", "E"),
        ("test/1.png", "A"),
        ("test/2.png", "X"),
        ("test/3.png", "C"),
        ("test/sub/4.png", "D"),
        ("test/5.png", "Y"),
        ("test/6.png", "E"),
    ] {
        let p = d.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    edit(
        d,
        "training = \"data/breast_cancer_train_manifest.csv\"",
        "training = \"train\"",
    );
    edit(
        d,
        "test = \"data/breast_cancer_test_manifest.csv\"",
        "test = \"test\"",
    );
    let out = run(d, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("4 of 6 test items identical to a training item"),
        "{text}"
    );
    let (_, r) = record(d);
    assert_valid(&r);
    assert_eq!(r["leakage"]["leaked"], 4);
    assert_eq!(r["leakage"]["test"]["form"], "folder");
    let pairs: Vec<(String, String)> = r["leakage"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["test"].as_str().unwrap().to_owned(),
                i["training"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("1.png", "a.png"),
        ("3.png", "c.png"),
        ("6.png", "e.png"),
        ("sub/4.png", "d.png"),
    ];
    assert_eq!(pairs, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    let folder = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "test-data manifest")
        .unwrap();
    assert_eq!(folder["kind"], "folder");
    assert_eq!(folder["files"], 6);
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "leakage")
    );
}

#[test]
fn exit_code_is_one_when_a_criterion_fails() {
    let dir = planned();
    edit(dir.path(), "\"roc_auc >= 0.95\"", "\"roc_auc >= 0.999\"");
    let out = run(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (_, r) = record(dir.path());
    assert_eq!(r["verdict"]["overall"], "fail");
    assert_eq!(r["verdict"]["criteria_met"], 2);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verdict: FAIL"));
}

#[test]
fn exit_code_is_one_when_the_baseline_comparison_fails() {
    let dir = planned();
    // The baseline as the candidate: the comparison cannot show superiority.
    edit(
        dir.path(),
        "predictions = \"data/breast_cancer_baseline.csv\"",
        "predictions = \"data/breast_cancer.csv\"",
    );
    edit(
        dir.path(),
        "hypothesis = \"non-inferiority\"",
        "hypothesis = \"superiority\"",
    );
    let out = run(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (_, r) = record(dir.path());
    assert_eq!(r["comparison"]["verdict"], "fail");
    assert_eq!(r["verdict"]["baseline"], "fail");
    assert_eq!(r["verdict"]["overall"], "fail");
}

#[test]
fn a_plan_without_criteria_is_not_judged() {
    let dir = planned();
    let path = dir.path().join("assay.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Keep only what identifies the assessment and the data.
    let cut = text.find("[evaluation]").unwrap();
    std::fs::write(&path, &text[..cut]).unwrap();
    let out = run(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (_, r) = record(dir.path());
    assert_valid(&r);
    assert_eq!(r["verdict"]["overall"], "not judged");
    assert_eq!(r["comparison"], Value::Null);
    assert_eq!(r["leakage"], Value::Null);
    let missing = r["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "not disclosed")
        .count();
    assert_eq!(missing, 13);
}

#[test]
fn data_errors_name_file_row_and_column() {
    let dir = planned();
    let data = dir.path().join("data/breast_cancer.csv");
    let text = std::fs::read_to_string(&data).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[3] = lines[3].replacen(",0.", ",x0.", 1);
    std::fs::write(&data, lines.join("\n") + "\n").unwrap();
    let out = run(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("breast_cancer.csv") && e.contains("row 3") && e.contains("'score'"),
        "{e}"
    );
}

#[test]
fn init_does_not_overwrite_a_plan() {
    let dir = planned();
    let out = assay_in(dir.path(), &["init", ".", "--demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    let out = assay_in(dir.path(), &["init", ".", "--demo", "--force"]);
    assert!(out.status.success());
}

#[test]
fn missing_plan_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = assay_in(dir.path(), &["run", "nothing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read the plan nothing.toml"),
        "{}",
        stderr(&out)
    );
}

/// A folder with the bundled model plan, model, manifest and test images;
/// two robustness conditions (noise and rotation at severity 1) keep the
/// tests quick, the demo runs them all.
fn model_planned() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/model");
    copy_tree(&src, dir.path());
    let d = dir.path();
    edit(
        d,
        "perturbations = [\"noise\", \"blur\", \"brightness\", \"contrast\", \"jpeg\", \"occlusion\", \"rotation\"]",
        "perturbations = [\"noise\", \"rotation\"]",
    );
    edit(d, "severities = [1, 3, 5]", "severities = [1]");
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a writable folder");
    for e in std::fs::read_dir(from).expect("a readable folder") {
        let e = e.expect("a readable entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("a readable entry").is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("a writable folder");
        }
    }
}

#[test]
fn a_plan_runs_the_model_and_records_it() {
    let dir = model_planned();
    let d = dir.path();
    let out = run(d, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("899 items scored, 0 skipped"), "{text}");
    let (_, r) = record(d);
    assert_valid(&r);
    let m = &r["model_run"];
    assert_eq!(m["test_set"]["items"], 899);
    assert_eq!(m["scores"], "logits");
    assert_eq!(m["item_shape"], serde_json::json!([1, 8, 8]));
    let timing = &r["run"]["model"];
    assert!(timing["throughput"].as_f64().unwrap() > 0.0);
    assert!(
        timing["item_latency_ms"]["p99"].as_f64().unwrap()
            >= timing["item_latency_ms"]["p50"].as_f64().unwrap()
    );
    let role = |role: &str| -> Value {
        r["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["role"] == role)
            .unwrap_or_else(|| panic!("no input {role}"))
            .clone()
    };
    assert_eq!(role("model")["sha256"], sha256sum(&d.join("digits.onnx")));
    assert_eq!(m["identity"]["kind"], "file");
    assert_eq!(m["identity"]["sha256"], sha256sum(&d.join("digits.onnx")));
    assert_eq!(role("test images")["files"], 899);
    assert_eq!(
        role("model predictions")["sha256"],
        sha256sum(&d.join("out/predictions.parquet"))
    );
    // Accuracy from onnxruntime's recorded probabilities (argmax against the
    // class folder of each image) equals the assessed accuracy.
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("digits_onnxruntime.json")).unwrap())
            .unwrap();
    let items = reference["items"].as_array().unwrap();
    let correct = items
        .iter()
        .filter(|i| {
            let p: Vec<f64> = i["probabilities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let best = (0..p.len()).fold(0, |b, j| if p[j] > p[b] { j } else { b });
            let class = i["path"].as_str().unwrap().split('/').nth(2).unwrap();
            best.to_string() == class
        })
        .count();
    let accuracy = r["evaluation"]["metrics"]["accuracy"]["value"]
        .as_f64()
        .unwrap();
    assert!((accuracy - correct as f64 / items.len() as f64).abs() < 1e-12);
    assert_eq!(
        r["evaluation"]["slices"]["slicings"],
        serde_json::json!([["ink"]])
    );
    // Robustness: each condition with the metric, its paired drop, the flip
    // rate and McNemar's test; the two robustness criteria judged.
    let rob = &r["robustness"];
    assert_eq!(rob["conditions"].as_array().unwrap().len(), 2);
    let noise = &rob["conditions"][0];
    assert_eq!(noise["perturbation"], "noise");
    assert_eq!(noise["parameter"], 0.08);
    let m = &noise["metrics"];
    let clean = r["evaluation"]["metrics"]["accuracy"]["value"]
        .as_f64()
        .unwrap();
    let perturbed = m["accuracy"]["value"].as_f64().unwrap();
    assert!((m["accuracy_drop"]["value"].as_f64().unwrap() - (clean - perturbed)).abs() < 1e-12);
    assert_eq!(m["accuracy_drop"]["ci"]["method"], "bootstrap-percentile");
    assert_eq!(m["flip_rate"]["ci"]["method"], "wilson");
    let flips = m["flip_rate"]["value"].as_f64().unwrap();
    let discordant = noise["mcnemar"]["candidate_only"].as_f64().unwrap()
        + noise["mcnemar"]["baseline_only"].as_f64().unwrap();
    assert!(
        flips * 899.0 >= discordant - 1e-9,
        "every change of correctness is a flip"
    );
    assert_eq!(rob["criteria"].as_array().unwrap().len(), 2);
    assert_eq!(r["verdict"]["criteria_total"], 5);
    assert_eq!(r["verdict"]["overall"], "pass");
    // Re-running gives the same record outside /run, predictions included.
    let (_, ra) = record(d);
    let again = run(d, &["--quiet"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let (_, rb) = record(d);
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("run");
        assay_assess::canonical::to_string(&v)
    };
    assert_eq!(strip(&ra), strip(&rb));
}

#[test]
fn undecodable_images_stop_the_run_or_are_counted() {
    let dir = model_planned();
    let d = dir.path();
    std::fs::write(
        d.join("digits/test/3/0000_broken.png"),
        b"\x89PNG\r\n\x1a\nnope",
    )
    .unwrap();
    let manifest = d.join("digits_test_manifest.csv");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("digits/test/3/0000_broken.png,3,light\n");
    std::fs::write(&manifest, text).unwrap();
    let out = run(d, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("0000_broken.png: cannot decode the image"),
        "{}",
        stderr(&out)
    );
    edit(d, "on_error = \"stop\"", "on_error = \"skip\"");
    let out = run(d, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("899 items scored, 1 skipped"));
    let (_, r) = record(d);
    assert_valid(&r);
    assert_eq!(r["model_run"]["test_set"]["skipped"], 1);
    assert_eq!(
        r["model_run"]["test_set"]["skipped_items"][0]["id"],
        "digits/test/3/0000_broken.png"
    );
    assert_eq!(r["evaluation"]["n"], 899);
}

fn model_plan_error(from: &str, to: &str) -> String {
    let dir = model_planned();
    edit(dir.path(), from, to);
    let out = run(dir.path(), &["--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    stderr(&out)
}

#[test]
fn model_plan_errors() {
    let e = model_plan_error(
        "id_column = \"id\"",
        "predictions = \"digits_test_manifest.csv\"",
    );
    assert!(e.contains("name either predictions here or a model"), "{e}");
    let e = model_plan_error("manifest = \"digits_test_manifest.csv\"", "# no test set");
    assert!(e.contains("[test_set] needs folder"), "{e}");
    let e = model_plan_error("mean = [0.5]", "mean = [0.5, 0.5]");
    assert!(
        e.contains("preprocessing: mean needs 1 value for 1 channel, not 2")
            && e.contains("[preprocessing]"),
        "{e}"
    );
    let e = model_plan_error("batch_size = 32", "batch_size = 0");
    assert!(e.contains("batch_size must be at least 1"), "{e}");
    let e = model_plan_error("resize = [8, 8]", "resize = [16, 16]");
    assert!(
        e.contains("[N, 1, 8, 8]") && e.contains("[N, 1, 16, 16]"),
        "{e}"
    );
    let e = model_plan_error("file = \"digits.onnx\"", "file = \"digits2.onnx\"");
    assert!(
        e.contains("the model file 'digits2.onnx' does not exist"),
        "{e}"
    );
    // What only a lab has is refused under [client], not ignored.
    let e = model_plan_error("[client]\n", "[client]\nrole = \"certification body\"\n");
    assert!(e.contains("[client] role: only the lab has a role"), "{e}");
    // An absolute path would put the lab machine's folders into the record.
    let abs = std::env::temp_dir().join("digits.onnx");
    let e = model_plan_error(
        "file = \"digits.onnx\"",
        &format!("file = \"{}\"", abs.display()),
    );
    assert!(
        e.contains("is an absolute path: write it relative to the plan's folder")
            && e.contains("assay.toml:"),
        "{e}"
    );
    let e = model_plan_error(
        "\"robustness.noise.1.accuracy_drop <= 0.05\"",
        "\"robustness.noise.2.accuracy_drop <= 0.05\"",
    );
    assert!(e.contains("robustness.PERTURBATION.SEVERITY.METRIC"), "{e}");
    let e = model_plan_error("\"rotation\"]", "\"rotate\"]");
    assert!(e.contains("unknown perturbation 'rotate'"), "{e}");
    let e = model_plan_error("\"8\", \"9\"]", "\"8\"]");
    assert!(
        e.contains("label '9'") && e.contains("not one of the model's classes"),
        "{e}"
    );
}

#[test]
fn a_model_directory_is_identified_by_its_manifest_root() {
    let dir = model_planned();
    let d = dir.path();
    std::fs::create_dir_all(d.join("model_dir")).unwrap();
    std::fs::copy(d.join("digits.onnx"), d.join("model_dir/digits.onnx")).unwrap();
    std::fs::write(d.join("model_dir/config.json"), "{\"classes\": 10}\n").unwrap();
    edit(
        d,
        "file = \"digits.onnx\"",
        "file = \"model_dir/digits.onnx\"\ndirectory = \"model_dir\"",
    );
    let out = run(d, &["--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, r) = record(d);
    assert_valid(&r);
    let id = &r["model_run"]["identity"];
    assert_eq!(id["kind"], "directory");
    assert_eq!(id["name"], "model_dir");
    let names: Vec<&str> = id["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["config.json", "digits.onnx"]);
    assert_eq!(
        id["resources"][1]["digest"],
        sha256sum(&d.join("model_dir/digits.onnx"))
    );
}

#[test]
fn a_tabular_model_runs_on_its_feature_table() {
    let dir = model_planned();
    let d = dir.path();
    let out = assay_in(d, &["run", "tabular.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (_, r) = record(d);
    assert_valid(&r);
    assert_eq!(r["evaluation"]["task"], "binary");
    assert_eq!(r["evaluation"]["positive"], "malignant");
    assert_eq!(r["model_run"]["test_set"]["kind"], "table");
    assert_eq!(r["model_run"]["item_shape"], serde_json::json!([30]));
    let conditions = r["robustness"]["conditions"].as_array().unwrap();
    assert_eq!(conditions.len(), 5);
    assert!(
        conditions
            .iter()
            .all(|c| c["perturbation"] == "feature_noise")
    );
    // Recall from onnxruntime's recorded probabilities equals the assessed one.
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("breast_cancer_onnxruntime.json")).unwrap(),
    )
    .unwrap();
    let table = std::fs::read_to_string(d.join("breast_cancer_features.csv")).unwrap();
    let truth: std::collections::HashMap<&str, &str> = table
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap(), f.next().unwrap())
        })
        .collect();
    let (mut tp, mut positives) = (0, 0);
    for item in reference["items"].as_array().unwrap() {
        if truth[item["id"].as_str().unwrap()] == "malignant" {
            positives += 1;
            let p = item["probabilities"][0].as_f64().unwrap();
            tp += usize::from(p >= 0.5);
        }
    }
    let recall = r["evaluation"]["metrics"]["recall"]["value"]
        .as_f64()
        .unwrap();
    assert!((recall - tp as f64 / positives as f64).abs() < 1e-12);
    // Image perturbations do not apply to a table.
    edit_file(
        &d.join("tabular.toml"),
        "perturbations = [\"feature_noise\"]",
        "perturbations = [\"blur\"]",
    );
    let out = assay_in(d, &["run", "tabular.toml", "--out", "out", "--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a feature table takes the perturbation feature_noise"),
        "{}",
        stderr(&out)
    );
}

fn edit_file(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("a readable file");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("a writable folder");
}

/// Fill a template's placeholders as a lab would.
fn fill_in(text: &str) -> String {
    text.lines()
        .map(|line| {
            let Some(start) = line.find("\"<") else {
                return line.to_owned();
            };
            let end = line[start..]
                .find(">\"")
                .map_or(line.len(), |e| start + e + 2);
            let key = line.split('=').next().unwrap_or("").trim();
            let value = match key {
                "predictions" => "data/predictions.csv",
                "received" => "2026-12-01",
                "id" => "LAB-2027-0001",
                _ if line.trim_start().starts_with('"') => "accuracy >= 0.5",
                _ => "Filled in",
            };
            format!("{}\"{value}\"{}", &line[..start], &line[end..])
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn init_writes_a_template_that_run_refuses_until_it_is_filled_in() {
    for lang in ["en", "ko"] {
        for model in [false, true] {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let mut args = vec!["init", ".", "--lang", lang];
            if model {
                args.push("--model");
            }
            let out = assay_in(dir.path(), &args);
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(
                std::fs::read_dir(dir.path()).expect("a folder").count(),
                1,
                "the template comes without the demo's data"
            );
            let text = std::fs::read_to_string(dir.path().join("assay.toml")).expect("the plan");
            assert!(
                !text.contains("Example") && !text.contains("Jane Roe"),
                "no demo words in the template"
            );
            for out in [run(dir.path(), &["--check"]), run(dir.path(), &[])] {
                assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
                let e = stderr(&out);
                assert!(e.contains("still written <like this>"), "{e}");
                for key in [
                    "client.name",
                    "lab.address",
                    "model.intended_use",
                    "criteria.require[0]",
                ] {
                    assert!(e.contains(key), "{key} is named: {e}");
                }
                assert!(e.contains("assay.toml:"), "placed in the plan: {e}");
                assert!(!dir.path().join("out/assessment.json").exists());
            }
            if !model {
                std::fs::create_dir(dir.path().join("data")).expect("a folder");
                std::fs::write(
                    dir.path().join("data/predictions.csv"),
                    "label,score\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n",
                )
                .expect("a writable folder");
                std::fs::write(dir.path().join("assay.toml"), fill_in(&text)).expect("writable");
                let out = run(dir.path(), &["--check"]);
                assert!(out.status.success(), "{lang}: {}", stderr(&out));
            }
        }
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = assay_in(dir.path(), &["init", ".", "--demo", "model"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("digits.onnx").exists());
}

#[test]
fn run_writes_the_reports_the_plan_asks_for() {
    let dir = planned();
    edit(
        dir.path(),
        "deviations = []",
        "deviations = []\nlanguages = [\"ko\", \"en\"]\nformats = [\"html\", \"pdf\"]",
    );
    let out = run(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in [
        "report.ko.html",
        "report.ko.pdf",
        "report.en.html",
        "report.en.pdf",
    ] {
        let path = dir.path().join("out").join(name);
        assert!(path.exists(), "{name} is written");
        let digest: Value = serde_json::from_slice(
            &std::fs::read(dir.path().join("out").join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(digest["report"]["file"], name);
        assert!(stdout.contains(name), "{stdout}");
    }
    let html = std::fs::read_to_string(dir.path().join("out/report.ko.html")).unwrap();
    assert!(html.contains("lang=\"ko\""));

    let e = plan_error("deviations = []", "deviations = []\nlanguages = [\"de\"]");
    assert!(
        e.contains("unknown value `de`") && e.contains("`en` or `ko`"),
        "{e}"
    );
}

/// Text of an HTML page: tags dropped, the common entities read.
fn page_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

#[test]
fn a_bilingual_plan_gives_a_korean_report_without_the_plans_english() {
    let dir = planned();
    let path = dir.path().join("assay.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let keys = [
        "title",
        "name",
        "address",
        "accreditation",
        "intended_use",
        "developer",
        "authoriser",
        "authoriser_role",
        "data_representativeness",
        "preprocessing",
        "training_data",
        "test_data",
        "cross_validation",
        "leakage",
        "ground_truth",
        "algorithms",
        "evaluation_environment",
        "acceleration",
        "baselines",
        "performance_context",
    ];
    let mut english = Vec::new();
    let mut korean = Vec::new();
    let mut section = String::new();
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.starts_with('[') {
            section = line.to_owned();
        }
        let key = line.split('=').next().unwrap_or("").trim();
        let value = line
            .split_once("= \"")
            .and_then(|(_, v)| v.rsplit_once('"'))
            .map(|(v, _)| v.to_owned());
        match value {
            // Names of the model and the baseline stay as they are: they are ids.
            Some(v)
                if keys.contains(&key)
                    && !(key == "name" && (section == "[model]" || section == "[baseline]")) =>
            {
                let ko = format!("한국어 문장 {}번", korean.len() + 1);
                lines.push(format!("{key} = {{ en = \"{v}\", ko = \"{ko}\" }}"));
                english.push(v);
                korean.push(ko);
            }
            _ => lines.push(line.to_owned()),
        }
    }
    let mut plan = lines.join("\n");
    plan = plan.replacen(
        "deviations = []",
        "deviations = [{ en = \"One test item was received damaged.\", ko = \"시험 항목 하나가 손상된 채 접수되었다.\" }]\nlanguages = [\"ko\", \"en\"]\nformats = [\"html\"]",
        1,
    );
    english.push("One test item was received damaged.".into());
    korean.push("시험 항목 하나가 손상된 채 접수되었다.".into());
    plan = plan.replacen(
        "# description = \"...\"",
        "description = { en = \"Given in one language only.\" }",
        1,
    );
    std::fs::write(&path, plan).unwrap();
    assert!(english.len() >= 20, "{english:?}");

    let out = run(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, record) = record(dir.path());
    assert_valid(&record);
    let client = &record["identification"]["client"]["name"];
    assert!(
        client["en"] == "Example Diagnostics Ltd."
            && client["ko"]
                .as_str()
                .is_some_and(|k| k.starts_with("한국어 문장")),
        "the record keeps both languages: {client}"
    );
    let ko = page_text(&std::fs::read_to_string(dir.path().join("out/report.ko.html")).unwrap());
    let en = page_text(&std::fs::read_to_string(dir.path().join("out/report.en.html")).unwrap());
    for (e, k) in english.iter().zip(&korean) {
        assert!(
            !ko.contains(e.as_str()),
            "the Korean report holds the plan's English {e:?}"
        );
        assert!(ko.contains(k.as_str()), "the Korean report lacks {k:?}");
        assert!(en.contains(e.as_str()), "the English report lacks {e:?}");
        assert!(
            !en.contains(k.as_str()),
            "the English report holds the plan's Korean {k:?}"
        );
    }
    // Assay's own words are Korean too: the warnings (from their codes and
    // values), the slices' conclusions.
    for english in [
        "are not disclosed",
        "no difference shown",
        "insufficient evidence",
        "differs from the rest",
        "too weakly powered",
    ] {
        assert!(!ko.contains(english), "the Korean report holds {english:?}");
    }
    assert!(
        ko.contains("밝혀지지 않았다"),
        "the undisclosed-criteria warning in Korean"
    );
    assert!(
        ko.contains("Given in one language only. (영어로만 제공됨)"),
        "a text in one language is marked where it falls back"
    );
    assert!(en.contains("Given in one language only.") && !en.contains("(given in English only)"));
}

/// The message of `assay run --check` on the demo plan with one edit.
fn check_error(from: &str, to: &str) -> String {
    let dir = planned();
    edit(dir.path(), from, to);
    let out = run(dir.path(), &["--check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    stderr(&out)
}

#[test]
fn check_finds_wrong_metric_names_operators_and_columns_from_the_headers() {
    let e = check_error("\"roc_auc >= 0.95\"", "\"roc_aux >= 0.95\"");
    assert!(
        e.contains("assay.toml:")
            && e.contains("unknown metric 'roc_aux' (did you mean 'roc_auc'?)"),
        "{e}"
    );
    assert!(e.contains("^^^^^^^"), "a caret under the name: {e}");

    let e = check_error("\"roc_auc >= 0.95\"", "\"roc_auc => 0.95\"");
    assert!(e.contains("'=>' is not a comparison; write '>='"), "{e}");

    let e = check_error("metrics = [\"accuracy\",", "metrics = [\"acuracy\",");
    assert!(
        e.contains("unknown metric 'acuracy'") && e.contains("did you mean 'accuracy'?"),
        "{e}"
    );

    let e = check_error("truth = \"label\"", "truth = \"lable\"");
    assert!(
        e.contains("truth = \"lable\"")
            && e.contains("breast_cancer.csv")
            && e.contains("did you mean 'label'?")
            && e.contains("under [data.columns]")
            && !e.contains("--truth"),
        "{e}"
    );

    let e = check_error(
        "\"recall[malignant] >= 0.85\"",
        "\"recal[malignant] >= 0.85\"",
    );
    assert!(
        e.contains("unknown per-class metric 'recal'") && e.contains("did you mean 'recall'?"),
        "{e}"
    );
    // A binary task's other class is learned from the data: its name is
    // checked when the data are read, with the same suggestion.
    let dir = planned();
    edit(
        dir.path(),
        "\"recall[malignant] >= 0.85\"",
        "\"recall[malignat] >= 0.85\"",
    );
    assert!(run(dir.path(), &["--check"]).status.success());
    let e = plan_error(
        "\"recall[malignant] >= 0.85\"",
        "\"recall[malignat] >= 0.85\"",
    );
    assert!(
        e.contains("unknown class 'malignat' (did you mean 'malignant'?)"),
        "{e}"
    );
}

#[test]
fn check_knows_a_model_runs_columns_and_metrics_before_it_runs() {
    let dir = model_planned();
    let plan = dir.path().join("assay.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replacen("\"recall[8] >= 0.85\"", "\"recall[eight] >= 0.85\"", 1),
    )
    .unwrap();
    let out = run(dir.path(), &["--check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown class 'eight'"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        &plan,
        text.replacen("\"accuracy >= 0.95\"", "\"acc >= 0.95\"", 1),
    )
    .unwrap();
    let out = run(dir.path(), &["--check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown metric 'acc'"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&plan, &text).unwrap();
    let out = run(dir.path(), &["--check"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
