//! End-to-end tests of the `assay` binary: every input format gives the
//! numbers scikit-learn gives (fixtures from `tools/fixtures/formats.py`),
//! every result validates against the published JSON Schema, and every kind
//! of bad input is a clear error with exit code 2 naming file, row and column.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn assay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_result(args: &[&str]) -> Value {
    let mut all = vec!["eval"];
    all.extend_from_slice(args);
    all.extend(["--json", "-"]);
    let out = assay(&all);
    assert!(
        out.status.success(),
        "assay {args:?} failed: {}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("--json - prints JSON")
}

fn schema_validator() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/eval-result.v1.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("a readable file"))
            .expect("a readable file");
    jsonschema::validator_for(&schema).expect("the schema is valid JSON Schema")
}

fn assert_valid(result: &Value) {
    let validator = schema_validator();
    let errors: Vec<String> = validator
        .iter_errors(result)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "result does not match the schema:\n{}",
        errors.join("\n")
    );
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("expected.json")).expect("a readable file"))
        .expect("valid JSON")
}

fn assert_matches(result: &Value, expected: &Value, what: &str) {
    for (id, e) in expected.as_object().expect("an object") {
        let e = e.as_f64().expect("a number");
        let got = result["metrics"][id]["value"]
            .as_f64()
            .unwrap_or_else(|| panic!("{what}: {id} is undefined"));
        assert!(
            (got - e).abs() <= 1e-9 * e.abs().max(got.abs()) + 1e-12,
            "{what}: {id} = {got}, scikit-learn {e}"
        );
    }
}

/// Every metric has a 95 % interval that contains its value (MCE, a maximum,
/// may sit outside its percentile interval).
fn assert_every_interval_contains(r: &Value) {
    for (id, m) in r["metrics"].as_object().expect("an object") {
        let v = m["value"].as_f64().expect("a number");
        let ci = &m["ci"];
        let (lo, hi) = (
            ci["low"].as_f64().unwrap_or(f64::NAN),
            ci["high"].as_f64().unwrap_or(f64::NAN),
        );
        assert!(
            lo <= v + 1e-12 && v <= hi + 1e-12,
            "{id}: {v} outside [{lo}, {hi}]"
        );
        assert_eq!(ci["level"], 0.95, "{id}");
    }
}

fn assert_input_error(out: &Output, must_contain: &[&str]) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit code 2, got {:?}; stderr: {err}",
        out.status.code()
    );
    assert!(
        !err.contains("panicked"),
        "a panic is not an error message: {err}"
    );
    assert!(
        err.starts_with("error: "),
        "errors start with 'error: ': {err}"
    );
    for part in must_contain {
        assert!(
            err.contains(part),
            "the error should mention {part:?}: {err}"
        );
    }
}

fn temp_file(dir: &tempfile::TempDir, name: &str, contents: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, contents).expect("a writable folder");
    p.to_str().expect("a UTF-8 path").to_owned()
}

#[test]
fn every_format_gives_the_reference_numbers() {
    let expected = expected();
    let mut first: Option<Value> = None;
    for ext in ["csv", "tsv", "jsonl", "parquet", "arrow"] {
        let file = data(&format!("binary.{ext}"));
        let r = json_result(&[file.to_str().unwrap(), "--positive", "defect"]);
        assert_valid(&r);
        assert_matches(&r, &expected["binary"], ext);
        assert!(
            r["total_weight"].as_f64().is_some(),
            "{ext}: the weight column is used by default"
        );
        if let Some(f) = &first {
            assert_eq!(f["metrics"], r["metrics"], "{ext} differs from csv");
            assert_eq!(f["curves"], r["curves"], "{ext} curves differ from csv");
        } else {
            first = Some(r);
        }
    }
    let npy = json_result(&[
        "--npy",
        &format!("label={}", data("binary_label.npy").display()),
        "--npy",
        &format!("score={}", data("binary_score.npy").display()),
        "--npy",
        &format!("weight={}", data("binary_weight.npy").display()),
    ]);
    assert_matches(&npy, &expected["binary"], "npy");
    assert_valid(&npy);
}

#[test]
fn multiclass_with_text_classes_from_parquet_and_npy() {
    let expected = expected();
    let r = json_result(&[data("multiclass.parquet").to_str().unwrap()]);
    assert_valid(&r);
    assert_eq!(r["task"], "multiclass");
    assert_eq!(r["classes"], serde_json::json!(["bird", "cat", "dog"]));
    assert_matches(&r, &expected["multiclass"], "parquet");
    let npy = json_result(&[
        "--npy",
        &format!("label={}", data("multiclass_label.npy").display()),
        "--npy",
        &format!("prob={}", data("multiclass_prob.npy").display()),
    ]);
    assert_eq!(npy["classes"], serde_json::json!(["0", "1", "2"]));
    assert_matches(&npy, &expected["multiclass"], "npy");
}

#[test]
fn multilabel_from_csv() {
    let r = json_result(&[data("multilabel.csv").to_str().unwrap()]);
    assert_valid(&r);
    assert_eq!(r["task"], "multilabel");
    assert_matches(&r, &expected()["multilabel"], "multilabel");
}

#[test]
fn demo_runs_and_its_results_validate() {
    let dir = tempfile::tempdir().unwrap();
    let out = assay(&["demo", "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "demo failed: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("roc_auc") && text.contains("confusion matrix"),
        "{text}"
    );
    assert_eq!(text.matches("Verdict: PASS").count(), 3, "{text}");
    assert!(text.contains("899 items scored"), "{text}");
    for record in [
        "results/assessment.json",
        "model/results/assessment.json",
        "model/tabular-results/assessment.json",
    ] {
        let path = dir.path().join(record);
        assert!(text.contains(&path.display().to_string()), "{text}");
        let r: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_valid(&r["evaluation"]);
    }
    assert_no_machine_path(dir.path());
}

/// No file the demo wrote names the folder it ran in: not the records, the
/// reports (the PDFs' text too), the certificates' signed statements, the
/// registry's database.
fn assert_no_machine_path(dir: &Path) {
    use base64::Engine as _;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a folder name")
        .to_owned();
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut named = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).expect("readable");
        let mut texts = vec![bytes.clone()];
        if f.to_string_lossy().ends_with(".cert.json") {
            let envelope: Value = serde_json::from_slice(&bytes).expect("an envelope");
            let payload = envelope["payload"].as_str().expect("a payload");
            texts.push(
                base64::engine::general_purpose::STANDARD
                    .decode(payload)
                    .expect("base64"),
            );
        }
        if f.extension().is_some_and(|e| e == "pdf") {
            match Command::new("pdftotext").arg(f).arg("-").output() {
                Ok(o) => texts.push(o.stdout),
                Err(_) => assert!(
                    std::env::var_os("ASSAY_REQUIRE_TOOLS").is_none(),
                    "pdftotext is required"
                ),
            }
        }
        if texts
            .iter()
            .any(|t| t.windows(name.len()).any(|w| w == name.as_bytes()))
        {
            named.push(f.display().to_string());
        }
    }
    assert!(
        named.is_empty(),
        "files that name the folder the demo ran in ({name}): {named:?}"
    );
    assert!(files.len() > 30, "the demo wrote {} files", files.len());
}

#[test]
fn table_is_printed_and_json_written_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = assay(&[
        "eval",
        data("binary.csv").to_str().unwrap(),
        "--positive",
        "defect",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        "precision",
        "recall",
        "support",
        "defect",
        "roc_auc",
        "confusion matrix",
    ] {
        assert!(text.contains(part), "the table lacks {part}: {text}");
    }
    let r: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_valid(&r);
}

#[test]
fn undefined_metrics_are_null_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "one_class.csv", "label,score\n0,0.1\n0,0.7\n0,0.3\n");
    let r = json_result(&[&f]);
    assert_valid(&r);
    for id in ["roc_auc", "average_precision", "recall", "mcc"] {
        assert!(
            r["metrics"][id]["value"].is_null(),
            "{id} should be undefined"
        );
        assert!(
            r["metrics"][id]["reason"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{id} needs a reason"
        );
    }
    assert!(r["metrics"]["accuracy"]["value"].is_number());
}

#[test]
fn single_row_is_enough() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "one.csv", "label,score\n1,0.8\n");
    let r = json_result(&[f.as_str()]);
    assert_eq!(r["n"], 1);
    assert_eq!(r["metrics"]["accuracy"]["value"], 1.0);
}

#[test]
fn binned_curves_carry_an_error_bound() {
    let r = json_result(&[
        data("binary.parquet").to_str().unwrap(),
        "--positive",
        "defect",
        "--curves",
        "binned",
        "--bin-bits",
        "4",
    ]);
    assert_valid(&r);
    let auc = &r["metrics"]["roc_auc"];
    let exact = expected()["binary"]["roc_auc"].as_f64().unwrap();
    let bound = auc["error_bound"].as_f64().expect("binned AUC has a bound");
    assert!((auc["value"].as_f64().unwrap() - exact).abs() <= bound);
}

// ------------------------------------------------------------ bad input

#[test]
fn missing_column_names_the_file_and_the_columns() {
    let out = assay(&[
        "eval",
        data("binary.csv").to_str().unwrap(),
        "--truth",
        "target",
        "--positive",
        "defect",
    ]);
    assert_input_error(
        &out,
        &["binary.csv", "no column named 'target'", "label, score"],
    );
}

#[test]
fn non_finite_score_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "nan.csv", "label,score\n1,0.9\n0,nan\n");
    assert_input_error(
        &assay(&["eval", &f]),
        &["nan.csv", "row 2", "column 'score'", "not a finite number"],
    );
    let f = temp_file(
        &dir,
        "inf.jsonl",
        "{\"label\": 1, \"score\": 0.2}\n{\"label\": 0, \"score\": \"inf\"}\n",
    );
    assert_input_error(
        &assay(&["eval", &f]),
        &["inf.jsonl", "row 2", "column 'score'"],
    );
}

#[test]
fn probability_outside_unit_interval() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "p.csv", "label,score\n1,0.9\n0,0.2\n1,1.5\n");
    assert_input_error(
        &assay(&["eval", &f]),
        &[
            "p.csv",
            "row 3",
            "column 'score'",
            "outside [0, 1]",
            "--score-kind score",
        ],
    );
    // The same file is fine when the scores are declared not to be probabilities.
    let out = assay(&["eval", &f, "--score-kind", "score"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn class_probabilities_must_sum_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(
        &dir,
        "mc.csv",
        "label,prob_a,prob_b,prob_c\na,0.5,0.3,0.2\nb,0.5,0.5,0.2\n",
    );
    assert_input_error(
        &assay(&["eval", &f]),
        &["mc.csv", "row 2", "sum to 1.2", "--sum-tolerance"],
    );
    let out = assay(&["eval", &f, "--sum-tolerance", "0.25"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn label_outside_the_classes() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(
        &dir,
        "mc.csv",
        "label,prob_a,prob_b\na,0.5,0.5\nzebra,0.1,0.9\n",
    );
    assert_input_error(
        &assay(&["eval", &f]),
        &[
            "mc.csv",
            "row 2",
            "column 'label'",
            "'zebra' is not one of the classes (a, b)",
        ],
    );
    let f = temp_file(&dir, "bin.csv", "label,score\ncat,0.5\ndog,0.1\nbird,0.2\n");
    assert_input_error(
        &assay(&["eval", &f, "--positive", "cat"]),
        &["row 3", "'bird' is a third label"],
    );
    assert_input_error(&assay(&["eval", &f]), &["row 1", "--positive"]);
}

#[test]
fn ragged_rows() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "ragged.csv", "label,score\n1,0.9\n0,0.2,7\n");
    assert_input_error(
        &assay(&["eval", &f]),
        &["ragged.csv", "row 2", "line 3", "3 fields", "header has 2"],
    );
}

#[test]
fn empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "empty.csv", "");
    assert_input_error(&assay(&["eval", &f]), &["empty.csv", "no data rows"]);
    let f = temp_file(&dir, "header.csv", "label,score\n");
    assert_input_error(&assay(&["eval", &f]), &["header.csv", "no data rows"]);
    let f = temp_file(&dir, "empty.jsonl", "\n\n");
    assert_input_error(&assay(&["eval", &f]), &["empty.jsonl", "no data rows"]);
    let f = temp_file(&dir, "empty.parquet", "");
    assert_input_error(&assay(&["eval", &f]), &["empty.parquet", "no data rows"]);
}

#[test]
fn wrong_types() {
    assert_input_error(
        &assay(&["eval", data("bad_types.parquet").to_str().unwrap()]),
        &["bad_types.parquet", "column 'score'", "numbers are needed"],
    );
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "text.csv", "label,score\n1,0.9\n0,high\n");
    assert_input_error(
        &assay(&["eval", &f]),
        &[
            "text.csv",
            "row 2",
            "column 'score'",
            "'high' is not a number",
        ],
    );
    let f = temp_file(&dir, "w.jsonl", "{\"label\": 1, \"score\": [0.2]}\n");
    assert_input_error(
        &assay(&["eval", &f]),
        &["w.jsonl", "row 1", "column 'score'", "is not a number"],
    );
    let f = temp_file(
        &dir,
        "bad.jsonl",
        "{\"label\": 1, \"score\": 0.2}\n{\"label\": 1,\n",
    );
    assert_input_error(
        &assay(&["eval", &f]),
        &["bad.jsonl", "line 2", "not valid JSON"],
    );
    let f = temp_file(&dir, "ml.csv", "true_a,score_a\n1,0.5\nyes,0.2\n");
    assert_input_error(
        &assay(&["eval", &f]),
        &[
            "ml.csv",
            "row 2",
            "column 'true_a'",
            "not 0/1 or true/false",
        ],
    );
}

#[test]
fn npy_arrays_of_different_lengths() {
    let out = assay(&[
        "eval",
        "--npy",
        &format!("label={}", data("short_label.npy").display()),
        "--npy",
        &format!("score={}", data("long_score.npy").display()),
    ]);
    assert_input_error(
        &out,
        &["long_score.npy", "5 rows", "short_label.npy", "has 4"],
    );
}

#[test]
fn bad_weights_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "w.csv", "label,score,weight\n1,0.9,1\n0,0.2,-2\n");
    assert_input_error(
        &assay(&["eval", &f]),
        &["w.csv", "row 2", "column 'weight'", "not negative"],
    );
    assert_input_error(
        &assay(&["eval", data("binary.csv").to_str().unwrap(), "--beta=-1"]),
        &["--beta"],
    );
    assert_input_error(
        &assay(&["eval", data("binary.csv").to_str().unwrap(), "--bins", "0"]),
        &["--bins"],
    );
    assert_input_error(
        &assay(&["eval", "does-not-exist.csv"]),
        &["does-not-exist.csv", "cannot read"],
    );
    assert_input_error(
        &assay(&["eval", data("expected.json").to_str().unwrap()]),
        &["expected.json", "--format"],
    );
    let usage = assay(&["eval", "--no-such-flag"]);
    assert_eq!(usage.status.code(), Some(2));
}

// ------------------------------------------------------------ intervals

#[test]
fn every_binary_metric_has_an_interval_that_contains_it() {
    let r = json_result(&[
        data("binary.csv").to_str().unwrap(),
        "--positive",
        "defect",
        "--weight",
        "id",
        "--no-intervals",
    ]);
    assert!(
        r["metrics"]["accuracy"].get("ci").is_none(),
        "--no-intervals leaves intervals out"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b.csv");
    // The fixture without its weight column: intervals need unweighted data.
    let text = std::fs::read_to_string(data("binary.csv")).unwrap();
    let unweighted: String = text
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_owned() + "\n")
        .collect();
    std::fs::write(&f, unweighted).unwrap();
    let r = json_result(&[f.to_str().unwrap(), "--positive", "defect"]);
    assert_valid(&r);
    assert_every_interval_contains(&r);
    assert_eq!(r["metrics"]["roc_auc"]["ci"]["method"], "delong");
    assert_eq!(r["metrics"]["recall"]["ci"]["method"], "wilson");
    assert_eq!(r["metrics"]["f1"]["ci"]["method"], "bootstrap-percentile");
}

#[test]
fn intervals_do_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_assay"))
            .args([
                "eval",
                "../../data/demo/breast_cancer.csv",
                "--positive",
                "malignant",
                "--json",
                "-",
                "--bootstrap-ci",
                "bca",
            ])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    assert_eq!(
        run("1"),
        run("2"),
        "same seed, different thread count, different intervals"
    );
}

#[test]
fn shards_read_as_one_table() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/breast_cancer.csv"),
    )
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (header, rows) = (lines[0], &lines[1..]);
    let dir = tempfile::tempdir().unwrap();
    let a = temp_file(
        &dir,
        "part-0.csv",
        &format!("{header}\n{}\n", rows[..100].join("\n")),
    );
    let b = temp_file(
        &dir,
        "part-1.csv",
        &format!("{header}\n{}\n", rows[100..].join("\n")),
    );
    let whole = json_result(&[
        "../../data/demo/breast_cancer.csv",
        "--positive",
        "malignant",
    ]);
    let parts = json_result(&[&a, &b, "--positive", "malignant"]);
    assert_valid(&parts);
    assert_eq!(parts["n"], whole["n"]);
    assert_eq!(parts["metrics"], whole["metrics"]);
    assert_eq!(parts["input"]["paths"].as_array().unwrap().len(), 2);
    // A bad cell in the second shard is reported in that file, at its own row.
    let mut bad: Vec<String> = rows[100..].iter().map(|r| r.to_string()).collect();
    bad[1] = bad[1].replacen(",0.", ",x0.", 1);
    let c = temp_file(
        &dir,
        "part-2.csv",
        &format!("{header}\n{}\n", bad.join("\n")),
    );
    let out = assay(&["eval", &a, &c, "--positive", "malignant"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("part-2.csv: row 2 (line 3), column 'score'"),
        "{e}"
    );
    // A shard without a needed column is named.
    let d = temp_file(&dir, "part-3.csv", "id,label\n1,benign\n");
    let out = assay(&["eval", &a, &d, "--positive", "malignant"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("part-3.csv"), "{}", stderr(&out));
}

#[test]
fn bca_reaches_the_row_bootstrapped_metrics() {
    let args = [
        "../../data/demo/breast_cancer.csv",
        "--positive",
        "malignant",
    ];
    let p = json_result(&args);
    let mut with = args.to_vec();
    with.extend(["--bootstrap-ci", "bca"]);
    let b = json_result(&with);
    assert_valid(&b);
    for id in [
        "average_precision",
        "pr_auc",
        "log_loss",
        "brier_score",
        "ece",
        "f1",
    ] {
        let (pc, bc) = (&p["metrics"][id]["ci"], &b["metrics"][id]["ci"]);
        assert_eq!(pc["method"], "bootstrap-percentile", "{id}");
        assert_eq!(bc["method"], "bootstrap-bca", "{id}");
        // Same replicates, corrected quantiles: close to, not equal to, percentile.
        let width = pc["high"].as_f64().unwrap() - pc["low"].as_f64().unwrap();
        let shift = (pc["low"].as_f64().unwrap() - bc["low"].as_f64().unwrap()).abs()
            + (pc["high"].as_f64().unwrap() - bc["high"].as_f64().unwrap()).abs();
        assert!(shift < width, "{id}: percentile {pc}, bca {bc}");
    }
    let d = json_result(&["../../data/demo/digits.csv", "--bootstrap-ci", "bca"]);
    for id in ["roc_auc_ovr_macro", "log_loss", "ece"] {
        assert_eq!(d["metrics"][id]["ci"]["method"], "bootstrap-bca", "{id}");
    }
    let w = json_result(&[
        data("binary.csv").to_str().unwrap(),
        "--positive",
        "defect",
        "--bootstrap-ci",
        "bca",
    ]);
    assert_eq!(w["metrics"]["f1"]["ci"]["method"], "bootstrap-bca");
}

#[test]
fn weighted_data_get_row_bootstrap_intervals() {
    let r = json_result(&[data("binary.csv").to_str().unwrap(), "--positive", "defect"]);
    assert_valid(&r);
    for (id, m) in r["metrics"].as_object().unwrap() {
        assert_eq!(
            m["ci"]["method"], "bootstrap-percentile",
            "{id}: weighted data use the row bootstrap"
        );
    }
    assert!(
        r["parameters"]["intervals"]["note"]
            .as_str()
            .unwrap()
            .contains("weights")
    );
}

#[test]
fn confidence_outside_the_unit_interval_is_refused() {
    assert_input_error(
        &assay(&[
            "eval",
            data("binary.csv").to_str().unwrap(),
            "--confidence",
            "1.5",
        ]),
        &["--confidence"],
    );
    assert_input_error(
        &assay(&[
            "eval",
            data("binary.csv").to_str().unwrap(),
            "--confidence=0",
        ]),
        &["--confidence"],
    );
}

// ------------------------------------------------------------ criteria

fn demo(args: &[&str]) -> Output {
    let mut all = vec![
        "eval",
        "../../data/demo/breast_cancer.csv",
        "--positive",
        "malignant",
    ];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(&all)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

#[test]
fn the_decision_rule_decides_near_the_threshold() {
    // recall[malignant] is 0.953 with a 95% Wilson interval from 0.894: the
    // point estimate clears 0.9, the guarded bound does not.
    let simple = demo(&[
        "--require",
        "recall[malignant] >= 0.9",
        "--decision-rule",
        "simple",
    ]);
    assert_eq!(simple.status.code(), Some(0), "{}", stderr(&simple));
    let guarded = demo(&["--require", "recall[malignant] >= 0.9", "--json", "-"]);
    assert_eq!(
        guarded.status.code(),
        Some(1),
        "a failed criterion exits with 1"
    );
    let r: Value = serde_json::from_slice(&guarded.stdout).unwrap();
    assert_valid(&r);
    assert_eq!(r["verdict"], "fail");
    let j = &r["criteria"][0];
    assert_eq!(j["rule"], "guarded");
    assert!(j["compared"].as_f64().unwrap() < 0.9 && j["value"].as_f64().unwrap() > 0.9);
    let pass = demo(&[
        "--require",
        "roc_auc >= 0.99",
        "--require",
        "ece <= 0.1",
        "--json",
        "-",
    ]);
    assert_eq!(pass.status.code(), Some(0), "{}", stderr(&pass));
    let r: Value = serde_json::from_slice(&pass.stdout).unwrap();
    assert_eq!(r["verdict"], "pass");
    let risk = r["criteria"][0]["false_accept_risk"].as_f64().unwrap();
    assert!(
        (risk - 0.025).abs() < 1e-12,
        "guarded at 95%: risk (1 - 0.95) / 2, got {risk}"
    );
}

#[test]
fn a_criterion_naming_an_unknown_metric_or_class_shows_where() {
    let out = demo(&["--require", "recall[malignnt] >= 0.9"]);
    assert_input_error(
        &out,
        &[
            "unknown class 'malignnt'",
            "benign, malignant",
            "       ^^^^^^^^",
        ],
    );
    let out = demo(&["--require", "auc >= 0.9"]);
    assert_input_error(&out, &["unknown metric 'auc'", "roc_auc", "^^^"]);
    let out = demo(&["--require", "roc_auc >= 0.9x"]);
    assert_input_error(&out, &["'0.9x' is not a number"]);
}

// ------------------------------------------------------------ plan-size

#[test]
fn plan_size_both_ways() {
    let out = assay(&[
        "plan-size",
        "--expected",
        "0.97",
        "--target",
        "0.95",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The reference search in tools/fixtures/plan_size.py finds 465 (Wilson).
    assert_eq!(plan["items"], 465);
    let out = assay(&[
        "plan-size",
        "--expected",
        "0.97",
        "--items",
        "465",
        "--json",
    ]);
    let back: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(back["low"], plan["low"]);
    let out = assay(&[
        "plan-size",
        "--metric",
        "auc",
        "--expected",
        "0.95",
        "--margin",
        "0.05",
        "--prevalence",
        "0.1",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("positive and"),
        "{}",
        stderr(&out)
    );
    assert_input_error(
        &assay(&["plan-size", "--expected", "0.9", "--target", "0.95"]),
        &["below the expected value"],
    );
    assert_input_error(
        &assay(&[
            "plan-size",
            "--expected",
            "0.9",
            "--target",
            "0.8",
            "--confidence",
            "2",
        ]),
        &["--confidence"],
    );
}

// ------------------------------------------------------------ compare

fn compare_demo(args: &[&str]) -> Output {
    let mut all = vec![
        "compare",
        "../../data/demo/breast_cancer.csv",
        "../../data/demo/breast_cancer_baseline.csv",
        "--positive",
        "malignant",
    ];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(&all)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

#[test]
fn compare_reports_mcnemar_delong_and_a_verdict() {
    let out = compare_demo(&[
        "--json",
        "--metric",
        "roc_auc",
        "--hypothesis",
        "superiority",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["n"], 285);
    assert_eq!(r["verdict"], "pass");
    assert!(r["mcnemar"]["p_exact"].as_f64().unwrap() < 0.001);
    assert!(r["roc_auc"]["p_value"].as_f64().unwrap() < 0.01);
    // The baseline is not superior to the candidate: exit code 1.
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "compare",
            "../../data/demo/breast_cancer_baseline.csv",
            "../../data/demo/breast_cancer.csv",
            "--positive",
            "malignant",
            "--hypothesis",
            "superiority",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn compare_lists_ids_present_in_one_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let a = temp_file(&dir, "a.csv", "id,label,score\n1,1,0.9\n2,0,0.2\n3,1,0.7\n");
    let b = temp_file(&dir, "b.csv", "id,label,score\n1,1,0.8\n2,0,0.4\n4,0,0.1\n");
    let out = assay(&["compare", &a, &b]);
    assert_input_error(
        &out,
        &[
            "b.csv",
            "1 id(s) only in the candidate file: '3'",
            "1 id(s) only in the baseline file: '4'",
        ],
    );
    let c = temp_file(&dir, "c.csv", "id,label,score\n1,1,0.8\n2,2,0.4\n3,1,0.1\n");
    assert_input_error(&assay(&["compare", &a, &c]), &["c.csv", "row 2", "'2'"]);
}

// ------------------------------------------------------------ slices

#[test]
fn slices_have_metrics_intervals_and_tests() {
    let out = demo(&["--slice", "size", "--json", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&r);
    let groups = r["slices"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    let total: u64 = groups.iter().map(|g| g["n"].as_u64().unwrap()).sum();
    assert_eq!(total, 285, "every item is in exactly one slice");
    for g in groups {
        assert!(g["metrics"]["accuracy"]["ci"].is_object());
        // Few malignant tumours per size tertile: recall cannot be judged per slice.
        assert_eq!(g["tests"]["recall"]["status"], "insufficient evidence");
        let acc = &g["tests"]["accuracy"];
        if acc["status"] != "insufficient evidence" {
            assert!(acc["adjusted_p"].as_f64().unwrap() >= acc["p_value"].as_f64().unwrap());
        }
    }
    assert_eq!(r["slices"]["correction"], "holm");
}

#[test]
fn slice_columns_must_be_complete() {
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "s.csv", "label,score,line\n1,0.9,A\n0,0.2,\n");
    assert_input_error(
        &assay(&["eval", &f, "--slice", "line"]),
        &["s.csv", "row 2", "column 'line'", "empty"],
    );
    assert_input_error(
        &assay(&["eval", &f, "--slice", "camera"]),
        &["no column named 'camera'", "slice column"],
    );
}

#[test]
fn every_multiclass_metric_has_an_interval_that_contains_it() {
    let run = |threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_assay"))
            .args(["eval", "../../data/demo/digits.csv", "--json", "-"])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    let one = run("1");
    assert_eq!(
        one,
        run("2"),
        "multi-class intervals depend on the thread count"
    );
    let r: Value = serde_json::from_slice(&one).unwrap();
    assert_valid(&r);
    assert_every_interval_contains(&r);
    for (class, m) in r["per_class"].as_object().unwrap() {
        for id in ["precision", "recall", "specificity", "f1", "roc_auc"] {
            assert!(
                m[id]["ci"].is_object(),
                "per_class.{class}.{id} has no interval"
            );
        }
    }
}

#[test]
fn every_multilabel_metric_has_an_interval_that_contains_it() {
    let r = json_result(&[data("multilabel.csv").to_str().unwrap()]);
    assert_valid(&r);
    assert_every_interval_contains(&r);
    for (label, m) in r["per_label"].as_object().unwrap() {
        for id in [
            "precision",
            "recall",
            "specificity",
            "f1",
            "roc_auc",
            "average_precision",
        ] {
            assert!(
                m[id]["ci"].is_object(),
                "per_label.{label}.{id} has no interval"
            );
        }
    }
    assert_eq!(r["metrics"]["exact_match"]["ci"]["method"], "wilson");
    assert_eq!(
        r["metrics"]["hamming_loss"]["ci"]["method"],
        "bootstrap-percentile"
    );
}

#[test]
fn separate_and_combined_slicings() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("label,score,line,camera\n");
    for i in 0..400u32 {
        let y = (i * 7919) % 10 < 4;
        let s = ((i * 104_729) % 1000) as f64 / 1000.0 * 0.6 + if y { 0.4 } else { 0.0 };
        text.push_str(&format!(
            "{},{s},{},{}\n",
            u8::from(y),
            ["A", "B"][(i % 2) as usize],
            ["X", "Y"][(i / 2 % 2) as usize]
        ));
    }
    let f = temp_file(&dir, "lines.csv", &text);
    let r = json_result(&[&f, "--slice", "line", "--slice", "camera"]);
    assert_valid(&r);
    assert_eq!(
        r["slices"]["slicings"],
        serde_json::json!([["line"], ["camera"]])
    );
    let groups = r["slices"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 4, "two slices per slicing");
    for slicing in ["line", "camera"] {
        let n: u64 = groups
            .iter()
            .filter(|g| g["key"].get(slicing).is_some())
            .map(|g| g["n"].as_u64().unwrap())
            .sum();
        assert_eq!(n, 400, "the {slicing} slices cover every item once");
    }
    let r = json_result(&[&f, "--slice", "line,camera", "--correction", "bh"]);
    let groups = r["slices"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 4, "line × camera");
    assert_eq!(
        groups[0]["key"],
        serde_json::json!({"line": "A", "camera": "X"})
    );
    assert_eq!(r["slices"]["correction"], "benjamini-hochberg");
}

#[test]
fn compare_multiclass_models() {
    // A worse baseline: every fifth digit predicted as the next digit.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/digits.csv"),
    )
    .unwrap();
    let mut baseline = String::from("id,label,pred\n");
    for (n, line) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let (id, label, pred) = (f[0], f[1], f[f.len() - 1]);
        let pred = if n % 5 == 0 {
            ((pred.parse::<u32>().unwrap() + 1) % 10).to_string()
        } else {
            pred.to_owned()
        };
        baseline.push_str(&format!("{id},{label},{pred}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let b = temp_file(&dir, "baseline.csv", &baseline);
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "compare",
            "../../data/demo/digits.csv",
            &b,
            "--metric",
            "f1_macro",
            "--hypothesis",
            "superiority",
            "--json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["task"], "multiclass");
    assert_eq!(r["classes"].as_array().unwrap().len(), 10);
    // The baseline is wrong on every fifth item the candidate gets right.
    assert!(r["mcnemar"]["candidate_only"].as_u64().unwrap() > 150);
    let acc = r["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["metric"] == "accuracy")
        .unwrap();
    assert!(acc["interval"]["low"].as_f64().unwrap() > 0.0);
    assert_input_error(
        &assay(&[
            "compare",
            "../../data/demo/digits.csv",
            &b,
            "--metric",
            "roc_auc",
        ]),
        &["--metric must be one of", "f1_macro"],
    );
}

#[test]
fn multiclass_slices() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/digits.csv"),
    )
    .unwrap();
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push_str(if n == 0 {
            ",scanner\n"
        } else if n % 3 == 0 {
            ",old\n"
        } else {
            ",new\n"
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "digits_scanner.csv", &out);
    let r = json_result(&[&f, "--slice", "scanner", "--bootstrap", "200"]);
    assert_valid(&r);
    let groups = r["slices"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(
        groups.iter().map(|g| g["n"].as_u64().unwrap()).sum::<u64>(),
        899
    );
    for g in groups {
        assert!(g["metrics"]["f1_macro"]["ci"].is_object());
        assert!(g["tests"]["accuracy"]["status"].is_string());
        assert!(
            g["tests"]["recall[7]"]["status"].is_string(),
            "per-class recall is tested too"
        );
    }
}

#[test]
fn weighted_multiclass_and_multilabel_data_get_row_bootstrap_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let with_weights = |path: &Path, name: &str| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut out = String::new();
        for (n, line) in text.lines().enumerate() {
            let w = if n == 0 {
                "weight".to_owned()
            } else {
                (1 + n % 3).to_string()
            };
            out.push_str(&format!("{line},{w}\n"));
        }
        temp_file(&dir, name, &out)
    };
    let digits = with_weights(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/digits.csv"),
        "digits_w.csv",
    );
    let labels = with_weights(&data("multilabel.csv"), "multilabel_w.csv");
    for f in [digits, labels] {
        let r = json_result(&[&f, "--bootstrap", "200"]);
        assert_valid(&r);
        assert!(r["total_weight"].is_number());
        for (id, m) in r["metrics"].as_object().unwrap() {
            assert_eq!(m["ci"]["method"], "bootstrap-percentile", "{f}: {id}");
        }
        assert!(
            r["parameters"]["intervals"]["note"]
                .as_str()
                .unwrap()
                .contains("weights")
        );
    }
}

#[test]
fn large_samples_use_the_normal_and_logit_intervals() {
    // A row budget below rows × replicates takes the large-sample path.
    let out = demo(&["--row-bootstrap-budget", "1000", "--json", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&r);
    assert_eq!(r["metrics"]["log_loss"]["ci"]["method"], "normal");
    assert_eq!(r["metrics"]["average_precision"]["ci"]["method"], "logit");
    // ECE: the Poisson bootstrap of the calibration bins' sums.
    assert_eq!(r["metrics"]["ece"]["ci"]["method"], "bootstrap-percentile");
    // The normal interval of the mean log loss, recomputed here from the rows.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/breast_cancer.csv"),
    )
    .unwrap();
    let losses: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let p: f64 = f[2].parse().unwrap();
            let p = p.clamp(f64::EPSILON, 1.0 - f64::EPSILON);
            if f[1] == "malignant" {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .collect();
    let n = losses.len() as f64;
    let mean = losses.iter().sum::<f64>() / n;
    let sd = (losses.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = 1.959_963_984_540_054 * sd / n.sqrt();
    let ci = &r["metrics"]["log_loss"]["ci"];
    assert!((ci["low"].as_f64().unwrap() - (mean - half)).abs() < 1e-9);
    assert!((ci["high"].as_f64().unwrap() - (mean + half)).abs() < 1e-9);
}

#[test]
fn large_sample_calibration_intervals_agree_with_the_row_bootstrap() {
    // 20 000 items: bins hold thousands, so the large-sample path uses the
    // normal approximation of the bin sums; the row bootstrap is the reference.
    let mut text = String::from("label,score\n");
    let mut x: u64 = 12_345;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let p = (x % 10_000) as f64 / 10_000.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let y = ((x % 10_000) as f64 / 10_000.0) < p * 0.8 + 0.05;
        text.push_str(&format!("{},{p}\n", u8::from(y)));
    }
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "calib.csv", &text);
    let rows = json_result(&[&f, "--bootstrap", "500"]);
    let large = json_result(&[&f, "--bootstrap", "500", "--row-bootstrap-budget", "1000"]);
    assert!(
        large["parameters"]["intervals"]["note"]
            .as_str()
            .unwrap()
            .contains("large sample")
    );
    for id in ["ece", "mce", "log_loss", "brier_score", "average_precision"] {
        let (a, b) = (&rows["metrics"][id]["ci"], &large["metrics"][id]["ci"]);
        let width = a["high"].as_f64().unwrap() - a["low"].as_f64().unwrap();
        for end in ["low", "high"] {
            let d = (a[end].as_f64().unwrap() - b[end].as_f64().unwrap()).abs();
            assert!(
                d < 0.3 * width,
                "{id}.{end}: row bootstrap {a}, large sample {b}"
            );
        }
    }
}

#[test]
fn multiclass_large_samples_keep_intervals_on_the_means_and_calibration() {
    let r = json_result(&[
        "../../data/demo/digits.csv",
        "--row-bootstrap-budget",
        "1000",
    ]);
    assert_valid(&r);
    let method = |id: &str| r["metrics"][id]["ci"]["method"].clone();
    assert_eq!(method("log_loss"), "normal");
    assert_eq!(method("brier_score"), "normal");
    assert_eq!(method("top_2_accuracy"), "wilson");
    assert_eq!(method("ece"), "bootstrap-percentile");
    assert!(
        r["parameters"]["intervals"]["note"]
            .as_str()
            .unwrap()
            .contains("large sample")
    );
    // The AUC averages by the jackknife, close to the row bootstrap's
    // intervals on the same data.
    let rows = json_result(&["../../data/demo/digits.csv"]);
    for id in [
        "roc_auc_ovr_macro",
        "roc_auc_ovr_weighted",
        "roc_auc_ovo_macro",
    ] {
        assert_eq!(method(id), "jackknife");
        let (a, b) = (&rows["metrics"][id]["ci"], &r["metrics"][id]["ci"]);
        assert_eq!(a["method"], "bootstrap-percentile");
        let width = |ci: &Value| ci["high"].as_f64().unwrap() - ci["low"].as_f64().unwrap();
        let ratio = width(b) / width(a);
        assert!(
            (0.7..1.4).contains(&ratio),
            "{id}: row bootstrap {a}, jackknife {b}"
        );
    }
}

#[test]
fn multilabel_large_samples_use_the_grouped_jackknife() {
    let file = data("multilabel.csv");
    let rows = json_result(&[file.to_str().unwrap()]);
    let large = json_result(&[file.to_str().unwrap(), "--row-bootstrap-budget", "1000"]);
    assert_valid(&large);
    assert!(
        large["parameters"]["intervals"]["note"]
            .as_str()
            .unwrap()
            .contains("jackknife")
    );
    for (id, m) in rows["metrics"].as_object().unwrap() {
        let method = m["ci"]["method"].as_str().unwrap_or("none");
        if method.starts_with("bootstrap") {
            assert_eq!(large["metrics"][id]["ci"]["method"], "jackknife", "{id}");
        }
    }
}

#[test]
fn binned_curves_keep_interval_on_the_mean_losses() {
    let r = json_result(&[
        data("binary.parquet").to_str().unwrap(),
        "--positive",
        "defect",
        "--weight",
        "id",
        "--curves",
        "binned",
    ]);
    assert_valid(&r);
    // Weighted data need rows; with unit weights use the CSV without its weight column.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("binary.csv")).unwrap();
    let unweighted: String = text
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_owned() + "\n")
        .collect();
    let f = temp_file(&dir, "b.csv", &unweighted);
    let r = json_result(&[&f, "--positive", "defect", "--curves", "binned"]);
    assert_valid(&r);
    assert_eq!(r["metrics"]["log_loss"]["ci"]["method"], "normal");
    assert_eq!(r["metrics"]["f1"]["ci"]["method"], "bootstrap-percentile");
    assert!(r["metrics"]["roc_auc"].get("ci").is_none());
    assert!(
        r["parameters"]["intervals"]["note"]
            .as_str()
            .unwrap()
            .contains("binned")
    );
}

#[test]
fn multilabel_slices() {
    let text = std::fs::read_to_string(data("multilabel.csv")).unwrap();
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push_str(if n == 0 {
            ",line\n"
        } else if n % 2 == 0 {
            ",A\n"
        } else {
            ",B\n"
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "ml_lines.csv", &out);
    let r = json_result(&[&f, "--slice", "line", "--bootstrap", "200"]);
    assert_valid(&r);
    let groups = r["slices"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(
        groups.iter().map(|g| g["n"].as_u64().unwrap()).sum::<u64>(),
        120
    );
    for g in groups {
        assert!(g["metrics"]["hamming_loss"]["ci"].is_object());
        assert!(g["tests"]["exact_match"]["status"].is_string());
        assert!(g["tests"]["recall[dent]"]["status"].is_string());
    }
}

#[test]
fn a_missing_file_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let cert = temp_file(&dir, "x.cert.json", "{}");
    for (args, name) in [
        (
            vec![
                "verify".to_owned(),
                cert.clone(),
                "--trust".into(),
                missing("nowhere.pub.toml"),
            ],
            "nowhere.pub.toml",
        ),
        (
            vec!["run".to_owned(), missing("nowhere.toml")],
            "nowhere.toml",
        ),
        (
            vec!["eval".to_owned(), missing("nowhere.csv")],
            "nowhere.csv",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = assay(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains(name), "{args:?}: {err}");
        assert_eq!(
            err.matches("os error 2").count(),
            1,
            "{args:?}: the reason once: {err}"
        );
    }
}

/// Every metric set of a result, with a name for messages: the metrics,
/// per class or label, and each slice's.
fn metric_sets(r: &Value) -> Vec<(String, &serde_json::Map<String, Value>)> {
    let mut out = vec![(
        "metrics".to_owned(),
        r["metrics"].as_object().expect("metrics"),
    )];
    for table in ["per_class", "per_label"] {
        if let Some(t) = r[table].as_object() {
            for (name, set) in t {
                out.push((format!("{table}.{name}"), set.as_object().expect("a set")));
            }
        }
    }
    for g in r["slices"]["groups"].as_array().into_iter().flatten() {
        if let Some(set) = g["metrics"].as_object() {
            out.push((format!("slice {}", g["key"]), set));
        }
    }
    out
}

#[test]
fn no_interval_has_zero_width_at_the_boundaries_without_a_reason() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut cases: Vec<(String, String, Vec<&str>)> = Vec::new();
    for n in [6u32, 20, 89] {
        for (name, right) in [("perfect", true), ("all wrong", false)] {
            let mut text = String::from("label,score,part\n");
            for i in 0..n {
                let y = i % 2 == 0;
                let high = 0.9 - f64::from(i) * 0.001;
                let s = if y == right { high } else { 1.0 - high };
                text.push_str(&format!(
                    "{},{s},{}\n",
                    u8::from(y),
                    ["A", "B"][(i % 4 / 2) as usize]
                ));
            }
            cases.push((
                format!("binary {name} n={n}"),
                text,
                vec!["--slice", "part"],
            ));
        }
    }
    let mut text = String::from("label,prob_a,prob_b,prob_c\n");
    for i in 0..89u32 {
        let c = i % 3;
        let p: Vec<f64> = (0..3).map(|j| if j == c { 0.8 } else { 0.1 }).collect();
        text.push_str(&format!(
            "{},{},{},{}\n",
            ["a", "b", "c"][c as usize],
            p[0],
            p[1],
            p[2]
        ));
    }
    cases.push(("multiclass perfect n=89".into(), text, vec![]));
    let mut text = String::from("true_x,true_y,score_x,score_y\n");
    for i in 0..40u32 {
        let (x, y) = (i % 2 == 0, i % 3 == 0);
        let s = |t: bool| if t { 0.9 } else { 0.1 };
        text.push_str(&format!(
            "{},{},{},{}\n",
            u8::from(x),
            u8::from(y),
            s(x),
            s(y)
        ));
    }
    cases.push(("multilabel perfect n=40".into(), text, vec![]));

    for (name, text, extra) in &cases {
        let file = temp_file(&dir, "boundary.csv", text);
        let mut args = vec![file.as_str()];
        args.extend(extra.iter().copied());
        let r = json_result(&args);
        assert_valid(&r);
        let sets = metric_sets(&r);
        assert!(
            sets.len() > 2 || !name.starts_with("binary"),
            "{name}: the slices are walked"
        );
        for (set_name, set) in sets {
            for (id, m) in set {
                if let Some(ci) = m["ci"].as_object() {
                    let (lo, hi) = (ci["low"].as_f64().unwrap(), ci["high"].as_f64().unwrap());
                    assert!(
                        hi > lo,
                        "{name}: {set_name}.{id} has the zero-width interval [{lo}, {hi}] ({})",
                        ci["method"]
                    );
                } else if m["value"].is_number() {
                    assert!(
                        m["interval_note"].is_string()
                            || r["intervals_note"].is_string()
                            || !intervals_expected(id),
                        "{name}: {set_name}.{id} = {} has no interval and no reason",
                        m["value"]
                    );
                }
            }
        }
        if name.starts_with("binary perfect") {
            let auc = &r["metrics"]["roc_auc"];
            assert_eq!(auc["value"], 1.0, "{name}");
            assert_eq!(auc["ci"]["method"], "max-variance", "{name}");
            assert!(auc["ci"]["low"].as_f64().unwrap() < 1.0, "{name}");
        }
        if name.starts_with("multiclass") {
            let top = &r["metrics"]["top_2_accuracy"];
            assert_eq!(top["value"], 1.0);
            assert_eq!(top["ci"]["method"], "wilson");
            // Wilson at 89 of 89: 89 / (89 + z²).
            let z = 1.959_963_984_540_054_f64;
            let low = 89.0 / (89.0 + z * z);
            assert!(
                (top["ci"]["low"].as_f64().unwrap() - low).abs() < 1e-9,
                "{top}"
            );
        }
    }
}

/// Metrics that carry no interval by design (counts, prevalence), which
/// need no reason for having none.
fn intervals_expected(id: &str) -> bool {
    !["support", "n", "prevalence", "positives", "negatives"].contains(&id)
}

#[test]
fn every_command_has_examples_and_completions_are_printed() {
    for command in [
        "eval",
        "demo",
        "plan-size",
        "compare",
        "init",
        "run",
        "report",
        "keygen",
        "certify",
        "verify",
        "publish",
        "serve",
        "admin",
        "revoke",
        "suspend",
        "reinstate",
        "completions",
    ] {
        let o = assay(&[command, "--help"]);
        assert!(o.status.success(), "{command}");
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(
            help.contains("Examples:\n  assay "),
            "{command} --help has no examples:\n{help}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let o = assay(&["completions", shell]);
        assert!(o.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&o.stdout);
        assert!(
            script.contains("assay") && script.contains("plan-size"),
            "{shell}"
        );
    }
    // Not a terminal: no colour codes, whatever NO_COLOR says.
    let o = assay(&[
        "eval",
        data("binary.csv").to_str().unwrap(),
        "--positive",
        "defect",
        "--require",
        "accuracy >= 0.5",
    ]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains('\x1b'));
}

#[test]
fn json_means_the_result_as_json_on_standard_output() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let record = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assay-report/tests/data/breast_cancer.assessment.json");
    let out = dir.path().join("r.html");
    let o = assay(&[
        "report",
        record.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--issued",
        "2026-12-01",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON only");
    assert_eq!(v["format"], "html");
    assert_eq!(v["sha256"].as_str().map(str::len), Some(64));
    let o = assay(&[
        "keygen",
        "--issuer",
        "JSONLAB",
        "--unencrypted",
        "--out",
        dir.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON only");
    assert_eq!(v["keyid"].as_str().map(str::len), Some(64));
    assert!(v["public"].as_str().unwrap().ends_with("JSONLAB.pub.toml"));
}

#[test]
fn regression_from_parquet_and_csv_gives_the_reference_numbers() {
    let expected = expected();
    // Parquet: Int64 targets, float32 predictions, a prediction interval;
    // the task is detected from the `target` and `prediction` columns.
    let r = json_result(&[data("regression.parquet").to_str().unwrap()]);
    assert_valid(&r);
    assert_eq!(r["task"], "regression");
    assert_matches(&r, &expected["regression"], "regression parquet");
    let coverage = &r["metrics"]["interval_coverage"];
    assert_eq!(coverage["ci"]["method"], "wilson");
    assert!(r["metrics"]["max_error"]["ci"].is_null());
    assert!(
        r["metrics"]["max_error"]["interval_note"]
            .as_str()
            .is_some_and(|n| n.contains("maximum"))
    );
    assert_eq!(
        r["curves"]["regression"]["points"]
            .as_array()
            .unwrap()
            .len(),
        240
    );
    // CSV with weights: the weighted metrics; the correlations say why they have none.
    let w = json_result(&[
        data("regression.csv").to_str().unwrap(),
        "--task",
        "regression",
        "--slice",
        "site",
    ]);
    assert_valid(&w);
    assert_matches(&w, &expected["regression_weighted"], "regression weighted");
    assert!(w["metrics"]["kendall_tau"]["value"].is_null());
    assert!(
        w["metrics"]["kendall_tau"]["reason"]
            .as_str()
            .unwrap()
            .contains("weight")
    );
    let groups = w["slices"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert!(groups[0]["tests"]["mae"]["power"].as_f64().is_some());
}

#[test]
fn regression_criteria_judge_the_interval() {
    let file = data("regression.parquet");
    let out = assay(&["eval", file.to_str().unwrap(), "--require", "mae <= 100"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = assay(&["eval", file.to_str().unwrap(), "--require", "r2 >= 0.999"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn bad_regression_input_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = temp_file(&dir, "text.csv", "target,prediction\n1.5,2\nhigh,3\n");
    assert_input_error(
        &assay(&["eval", &text, "--task", "regression"]),
        &["text.csv", "row 2", "target"],
    );
    let inf = temp_file(&dir, "inf.csv", "target,prediction\n1.5,2\n2,inf\n");
    assert_input_error(
        &assay(&["eval", &inf, "--task", "regression"]),
        &["inf.csv", "row 2", "prediction"],
    );
    let missing = temp_file(&dir, "missing.csv", "target,pred\n1.5,2\n2,3\n");
    assert_input_error(
        &assay(&["eval", &missing, "--task", "regression"]),
        &["missing.csv", "'prediction'", "--pred"],
    );
    let one_bound = temp_file(&dir, "bound.csv", "target,prediction,lower\n1.5,2,1\n");
    assert_input_error(
        &assay(&["eval", &one_bound, "--task", "regression"]),
        &["bound.csv", "both bounds", "--upper"],
    );
    let crossed = temp_file(
        &dir,
        "crossed.csv",
        "target,prediction,lower,upper\n1.5,2,1,3\n2,3,4,2.5\n",
    );
    assert_input_error(
        &assay(&["eval", &crossed, "--task", "regression"]),
        &["crossed.csv", "row 2", "lower", "above the upper bound"],
    );
}

/// A regression plan is assessed against the second edition by default,
/// and a plan that claims the first edition (classification only) for
/// regression data is refused at the line that says so.
#[test]
fn regression_plans_name_the_second_edition() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("regression.parquet"),
        dir.path().join("regression.parquet"),
    )
    .unwrap();
    let head = "[plan]\nid = \"R-1\"\nversion = \"1\"\n[lab]\nname = \"lab\"\n[client]\nname = \"client\"\n[model]\nname = \"m\"\nversion = \"1\"\nintended_use = \"counts\"\n";
    let plan = |extra: &str, task: &str| {
        format!(
            "{head}{extra}[data]\npredictions = \"regression.parquet\"\n{task}[criteria]\nrequire = [\"mae <= 5\"]\n"
        )
    };
    let good = temp_file(&dir, "good.toml", &plan("", "task = \"regression\"\n"));
    let out = assay(&[
        "run",
        &good,
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/assessment.json")).unwrap())
            .unwrap();
    assert_eq!(record["identification"]["standard"], "ISO/IEC DIS 4213");
    assert_eq!(record["evaluation"]["task"], "regression");
    let claimed = plan("", "").replace(
        "version = \"1\"\n[lab]",
        "version = \"1\"\nstandard = \"ISO/IEC TS 4213:2022\"\n[lab]",
    );
    let ts = temp_file(&dir, "ts.toml", &claimed);
    assert_input_error(
        &assay(&["run", "--check", &ts]),
        &[
            "ts.toml:4:12",
            "covers classification only",
            "ISO/IEC DIS 4213",
        ],
    );
}

#[test]
fn clustering_from_parquet_and_csv_gives_the_reference_numbers() {
    let expected = expected();
    // Parquet: integer clusters, string classes, two features; the task is
    // detected from the `cluster` column.
    let r = json_result(&[
        data("clustering.parquet").to_str().unwrap(),
        "--feature-prefix",
        "f_",
    ]);
    assert_valid(&r);
    assert_eq!(r["task"], "clustering");
    assert_matches(&r, &expected["clustering"], "clustering parquet");
    for id in ["adjusted_rand", "purity", "silhouette", "davies_bouldin"] {
        let ci = &r["metrics"][id]["ci"];
        assert!(
            ci["low"].as_f64().unwrap() < ci["high"].as_f64().unwrap(),
            "{id} has an interval"
        );
    }
    let curves = &r["curves"]["clustering"];
    assert_eq!(curves["clusters"], serde_json::json!(["0", "1", "2", "3"]));
    assert_eq!(
        curves["sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        300
    );
    assert_eq!(
        curves["classes"],
        serde_json::json!(["dent", "scratch", "stain"])
    );
    assert_eq!(curves["silhouette_points"]["sampled"], false);
    // CSV, external metrics only, sliced by production line: each line's
    // purity is tested against the other's.
    let w = json_result(&[
        data("clustering.csv").to_str().unwrap(),
        "--task",
        "clustering",
        "--slice",
        "line",
    ]);
    assert_valid(&w);
    assert!(w["metrics"]["silhouette"].is_null());
    assert_matches(
        &w,
        &serde_json::json!({ "adjusted_rand": expected["clustering"]["adjusted_rand"] }),
        "clustering csv",
    );
    let groups = w["slices"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert!(groups[0]["tests"]["purity"]["power"].as_f64().is_some());
    // Criteria on a clustering metric.
    let file = data("clustering.parquet");
    let out = assay(&[
        "eval",
        file.to_str().unwrap(),
        "--require",
        "adjusted_rand >= 0.5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = assay(&[
        "eval",
        file.to_str().unwrap(),
        "--require",
        "purity >= 0.99",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn bad_clustering_input_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let one = temp_file(&dir, "one.csv", "cluster,label\n1,a\n");
    assert_input_error(
        &assay(&["eval", &one, "--task", "clustering"]),
        &["one.csv", "one row", "at least two"],
    );
    let inf = temp_file(&dir, "inf.csv", "cluster,x_a,x_b\n1,0.5,2\n2,1,inf\n");
    assert_input_error(
        &assay(&["eval", &inf, "--feature-prefix", "x_"]),
        &["inf.csv", "row 2", "x_b"],
    );
    let text = temp_file(&dir, "text.csv", "cluster,x_a\n1,0.5\n2,far\n");
    assert_input_error(
        &assay(&["eval", &text, "--feature-prefix", "x_"]),
        &["text.csv", "row 2", "x_a"],
    );
    let neither = temp_file(&dir, "neither.csv", "cluster,other\n1,0.5\n2,1\n");
    assert_input_error(
        &assay(&["eval", &neither]),
        &["neither.csv", "ground-truth", "--feature-prefix"],
    );
    let prefix = temp_file(&dir, "prefix.csv", "cluster,label\n1,a\n2,b\n");
    assert_input_error(
        &assay(&["eval", &prefix, "--feature-prefix", "feat_"]),
        &["prefix.csv", "'feat_'", "cluster, label"],
    );
    let weighted = temp_file(&dir, "weighted.csv", "cluster,label,weight\n1,a,1\n2,b,2\n");
    assert_input_error(
        &assay(&["eval", &weighted]),
        &["weighted.csv", "no sample weights", "'weight'"],
    );
}

/// A clustering plan is assessed against the second edition by default.
#[test]
fn clustering_plans_run_against_the_second_edition() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("clustering.parquet"),
        dir.path().join("clustering.parquet"),
    )
    .unwrap();
    let plan = "[plan]\nid = \"C-1\"\nversion = \"1\"\n[lab]\nname = \"lab\"\n[client]\nname = \"client\"\n[model]\nname = \"m\"\nversion = \"1\"\nintended_use = \"defect grouping\"\n[data]\npredictions = \"clustering.parquet\"\ntask = \"clustering\"\n[data.columns]\nfeature_prefix = \"f_\"\n[criteria]\nrequire = [\"adjusted_rand >= 0.5\", \"silhouette >= 0.1\"]\n";
    let file = temp_file(&dir, "plan.toml", plan);
    let out = assay(&[
        "run",
        &file,
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/assessment.json")).unwrap())
            .unwrap();
    assert_eq!(record["identification"]["standard"], "ISO/IEC DIS 4213");
    assert_eq!(record["evaluation"]["task"], "clustering");
    assert_eq!(record["evaluation"]["verdict"], "pass");
}
