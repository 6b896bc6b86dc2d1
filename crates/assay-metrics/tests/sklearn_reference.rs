//! Every metric against scikit-learn / SciPy, through the fixtures that
//! `tools/fixtures/generate.py` writes (versions recorded in the file).
//!
//! Tolerance: 1e-9 relative, with an absolute floor of 1e-12 for values that
//! are zero up to rounding. An expected `null` means the reference calls the
//! metric undefined (or returns a conventional number for it), and Assay must
//! report it as undefined with a reason.

use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryInputs, BinaryState};
use assay_metrics::multiclass::{
    MulticlassBatch, MulticlassConfig, MulticlassInputs, MulticlassState,
};
use assay_metrics::multilabel::{MultilabelBatch, MultilabelConfig, MultilabelState};
use assay_metrics::{MetricSet, MetricValue};
use serde_json::Value;

const REL: f64 = 1e-9;
const ABS: f64 = 1e-12;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL * a.abs().max(b.abs()) + ABS
}

fn fixtures() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sklearn_reference.json"
    ))
    .expect("fixture file is committed");
    serde_json::from_str(&text).expect("fixture file is JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn opt_floats(case: &Value, key: &str) -> Option<Vec<f64>> {
    case.get(key).map(floats)
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_i64().expect("0/1") == 1)
        .collect()
}

fn check_value(
    case: &str,
    id: &str,
    got: Option<&MetricValue>,
    expected: &Value,
    failures: &mut Vec<String>,
) {
    let Some(got) = got else {
        failures.push(format!("{case}: {id} missing from the output"));
        return;
    };
    match (expected.as_f64(), got.value) {
        (None, None) => {
            if got.reason.is_none() {
                failures.push(format!("{case}: {id} undefined without a reason"));
            }
        }
        (Some(e), Some(g)) if close(e, g) => {}
        (e, g) => failures.push(format!(
            "{case}: {id}: expected {e:?}, got {g:?} ({:?})",
            got.reason
        )),
    }
}

fn check_set(
    case: &str,
    prefix: &str,
    got: &MetricSet,
    expected: &Value,
    failures: &mut Vec<String>,
) -> usize {
    let map = expected.as_object().expect("object of metrics");
    for (id, e) in map {
        check_value(case, &format!("{prefix}{id}"), got.get(id), e, failures);
    }
    map.len()
}

fn check_series(case: &str, what: &str, got: &[f64], expected: &Value, failures: &mut Vec<String>) {
    let e = floats(expected);
    if e.len() != got.len() {
        failures.push(format!(
            "{case}: {what}: {} points, expected {}",
            got.len(),
            e.len()
        ));
    } else if let Some(i) = (0..e.len()).find(|&i| !close(e[i], got[i])) {
        failures.push(format!(
            "{case}: {what}[{i}]: expected {}, got {}",
            e[i], got[i]
        ));
    }
}

fn run_binary(case: &Value, id: &str, failures: &mut Vec<String>) -> usize {
    let cfg = &case["config"];
    let config = BinaryConfig {
        threshold: cfg["threshold"].as_f64().expect("a number"),
        beta: cfg["beta"].as_f64().expect("a number"),
        calibration_bins: cfg["calibration_bins"].as_u64().expect("a whole number") as usize,
        probabilities: cfg["probabilities"].as_bool().expect("true or false"),
        max_curve_points: usize::MAX / 2,
        ..BinaryConfig::default()
    };
    let truth = bools(&case["truth"]);
    let score = opt_floats(case, "score");
    let prediction = case.get("prediction").map(bools);
    let weight = opt_floats(case, "weight");
    let batch = BinaryBatch {
        truth: &truth,
        score: score.as_deref(),
        prediction: prediction.as_deref(),
        weight: weight.as_deref(),
    };
    // The one-shot function, and the streaming state fed in batches of 7 rows.
    let report = BinaryState::evaluate(config.clone(), &batch).expect("a state for these inputs");
    let inputs = BinaryInputs {
        score: score.is_some(),
        prediction: prediction.is_some(),
        weight: weight.is_some(),
    };
    let mut streamed = BinaryState::new(config, inputs).expect("a state for these inputs");
    for start in (0..truth.len()).step_by(7) {
        let end = (start + 7).min(truth.len());
        streamed
            .update(&BinaryBatch {
                truth: &truth[start..end],
                score: score.as_deref().map(|s| &s[start..end]),
                prediction: prediction.as_deref().map(|p| &p[start..end]),
                weight: weight.as_deref().map(|w| &w[start..end]),
            })
            .expect("a valid batch");
    }
    let streamed = streamed.compute();
    for (metric, v) in report.metrics.iter() {
        let s = streamed
            .metrics
            .get(metric)
            .expect("the metric is computed");
        let same = match (v.value, s.value) {
            (Some(a), Some(b)) => close(a, b),
            (a, b) => a == b,
        };
        if !same {
            failures.push(format!(
                "{id}: {metric}: one-shot {:?}, streamed {:?}",
                v.value, s.value
            ));
        }
    }
    let mut checked = check_set(
        id,
        "",
        &report.metrics,
        &case["expected"]["metrics"],
        failures,
    );
    if let Some(curves) = case["expected"].get("curves") {
        let r = report
            .ranking
            .as_ref()
            .expect("score given, so curves exist");
        if let Some(roc) = curves.get("roc") {
            check_series(
                id,
                "roc.thresholds",
                &r.roc.thresholds,
                &roc["thresholds"],
                failures,
            );
            check_series(id, "roc.fpr", &r.roc.fpr, &roc["fpr"], failures);
            check_series(id, "roc.tpr", &r.roc.tpr, &roc["tpr"], failures);
            checked += 3;
        }
        if let Some(pr) = curves.get("pr") {
            check_series(
                id,
                "pr.thresholds",
                &r.pr.thresholds,
                &pr["thresholds"],
                failures,
            );
            check_series(id, "pr.recall", &r.pr.recall, &pr["recall"], failures);
            check_series(
                id,
                "pr.precision",
                &r.pr.precision,
                &pr["precision"],
                failures,
            );
            checked += 3;
        }
    }
    checked
}

fn run_multiclass(case: &Value, id: &str, failures: &mut Vec<String>) -> usize {
    let cfg = &case["config"];
    let classes = cfg["classes"].as_u64().expect("a whole number") as usize;
    let mut config = MulticlassConfig::new(classes);
    config.top_k = Some(cfg["top_k"].as_u64().expect("a whole number") as usize);
    config.calibration_bins = cfg["calibration_bins"].as_u64().expect("a whole number") as usize;
    config.sum_tolerance = cfg["sum_tolerance"].as_f64().expect("a number");
    let truth: Vec<u32> = case["truth"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_u64().expect("a whole number") as u32)
        .collect();
    let probabilities = opt_floats(case, "probabilities");
    let prediction: Option<Vec<u32>> = case.get("prediction").map(|p| {
        p.as_array()
            .expect("an array")
            .iter()
            .map(|v| v.as_u64().expect("a whole number") as u32)
            .collect()
    });
    let weight = opt_floats(case, "weight");
    let inputs = MulticlassInputs {
        probabilities: probabilities.is_some(),
        prediction: prediction.is_some(),
        weight: weight.is_some(),
    };
    let mut state = MulticlassState::new(config, inputs).expect("a state for these inputs");
    state
        .update(&MulticlassBatch {
            truth: &truth,
            probabilities: probabilities.as_deref(),
            prediction: prediction.as_deref(),
            weight: weight.as_deref(),
        })
        .expect("a valid batch");
    let report = state.compute();
    let mut checked = check_set(
        id,
        "",
        &report.metrics,
        &case["expected"]["metrics"],
        failures,
    );
    for (c, expected) in case["expected"]["per_class"]
        .as_array()
        .expect("an array")
        .iter()
        .enumerate()
    {
        checked += check_set(
            id,
            &format!("per_class[{c}]."),
            &report.per_class[c],
            expected,
            failures,
        );
    }
    let rows = report.confusion.rows();
    for (t, row) in case["expected"]["confusion_matrix"]
        .as_array()
        .expect("an array")
        .iter()
        .enumerate()
    {
        check_series(
            id,
            &format!("confusion_matrix[{t}]"),
            &rows[t],
            row,
            failures,
        );
    }
    checked
}

fn run_multilabel(case: &Value, id: &str, failures: &mut Vec<String>) -> usize {
    let cfg = &case["config"];
    let mut config =
        MultilabelConfig::new(cfg["labels"].as_u64().expect("a whole number") as usize);
    config.threshold = cfg["threshold"].as_f64().expect("a number");
    config.probabilities = cfg["probabilities"].as_bool().expect("true or false");
    let truth = bools(&case["truth"]);
    let scores = opt_floats(case, "score");
    let prediction = case.get("prediction").map(bools);
    let weight = opt_floats(case, "weight");
    let batch = MultilabelBatch {
        truth: &truth,
        scores: scores.as_deref(),
        prediction: prediction.as_deref(),
        weight: weight.as_deref(),
    };
    let report = MultilabelState::evaluate(config, &batch).expect("a state for these inputs");
    let mut checked = check_set(
        id,
        "",
        &report.metrics,
        &case["expected"]["metrics"],
        failures,
    );
    for (j, expected) in case["expected"]["per_label"]
        .as_array()
        .expect("an array")
        .iter()
        .enumerate()
    {
        checked += check_set(
            id,
            &format!("per_label[{j}]."),
            &report.per_label[j],
            expected,
            failures,
        );
    }
    checked
}

#[test]
fn every_metric_matches_the_reference() {
    let doc = fixtures();
    let cases = doc["cases"].as_array().unwrap();
    assert!(
        cases.len() >= 200,
        "the fixture file holds {} cases; at least 200 are required",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases {
        let id = case["id"].as_str().unwrap();
        checked += match case["task"].as_str().unwrap() {
            "binary" => run_binary(case, id, &mut failures),
            "multiclass" => run_multiclass(case, id, &mut failures),
            "multilabel" => run_multilabel(case, id, &mut failures),
            other => panic!("unknown task {other}"),
        };
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} comparisons against scikit-learn {} differ:\n{}",
        failures.len(),
        doc["reference"]["scikit-learn"],
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(checked > 5000, "only {checked} values were compared");
}
