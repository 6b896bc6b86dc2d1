//! Intervals against statsmodels 0.15 (Wilson, Clopper–Pearson), an
//! independent O(m·n) DeLong, and SciPy's bootstrap (percentile, BCa) on the
//! same replicates; fixtures from `tools/fixtures/stats.py`.

use assay_stats::{bootstrap, delong, proportion};
use serde_json::Value;

fn fixtures() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/stats_reference.json"
    ))
    .expect("a readable file");
    serde_json::from_str(&text).expect("valid JSON")
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12
}

fn pair(v: &Value) -> (f64, f64) {
    (
        v[0].as_f64().expect("a number"),
        v[1].as_f64().expect("a number"),
    )
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[test]
fn wilson_and_clopper_pearson_match_statsmodels() {
    let doc = fixtures();
    let mut failures = Vec::new();
    for case in doc["proportions"].as_array().unwrap() {
        let (x, n, level) = (
            case["x"].as_f64().unwrap(),
            case["n"].as_f64().unwrap(),
            case["level"].as_f64().unwrap(),
        );
        let w = proportion::wilson(x, n, level).unwrap();
        let (lo, hi) = pair(&case["wilson"]);
        if !(close(w.low, lo, 1e-9) && close(w.high, hi, 1e-9)) {
            failures.push(format!(
                "wilson {x}/{n} @ {level}: ({}, {}) vs ({lo}, {hi})",
                w.low, w.high
            ));
        }
        let c = proportion::clopper_pearson(x, n, level).unwrap();
        let (lo, hi) = pair(&case["clopper_pearson"]);
        if !(close(c.low, lo, 1e-9) && close(c.high, hi, 1e-9)) {
            failures.push(format!(
                "clopper-pearson {x}/{n} @ {level}: ({}, {}) vs ({lo}, {hi})",
                c.low, c.high
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ from statsmodels:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fast_delong_matches_the_definition() {
    for case in fixtures()["delong"].as_array().unwrap() {
        let (auc, var) =
            delong::auc_variance(&floats(&case["positives"]), &floats(&case["negatives"])).unwrap();
        assert!(close(auc, case["auc"].as_f64().unwrap(), 1e-12));
        assert!(
            close(var.unwrap(), case["variance"].as_f64().unwrap(), 1e-9),
            "{var:?} vs {}",
            case["variance"]
        );
    }
}

#[test]
fn percentile_and_bca_match_scipy_on_the_same_replicates() {
    for (i, case) in fixtures()["bootstrap"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let level = case["level"].as_f64().unwrap();
        let mean = case["estimate"].as_f64().unwrap();
        let mut reps = floats(&case["percentile"]["replicates"]);
        let p = bootstrap::percentile(&mut reps, level).unwrap();
        let (lo, hi) = pair(&case["percentile"]["interval"]);
        assert!(
            close(p.low, lo, 1e-12) && close(p.high, hi, 1e-12),
            "case {i} percentile: {p:?} vs ({lo}, {hi})"
        );
        let jackknife: Vec<(f64, f64)> = floats(&case["jackknife"])
            .into_iter()
            .map(|v| (v, 1.0))
            .collect();
        let mut reps = floats(&case["bca"]["replicates"]);
        let b = bootstrap::bca(mean, &mut reps, &jackknife, level).unwrap();
        let (lo, hi) = pair(&case["bca"]["interval"]);
        assert!(
            close(b.low, lo, 1e-9) && close(b.high, hi, 1e-9),
            "case {i} BCa: {b:?} vs ({lo}, {hi})"
        );
    }
}
