//! Every regression metric against scikit-learn / SciPy, through the
//! fixtures that `tools/fixtures/regression.py` writes (versions recorded
//! in the file). Tolerance 1e-9 relative (absolute floor 1e-12); an
//! expected `null` must be undefined with a reason. Each case is also fed
//! in three batches and through a split and merge.

use assay_metrics::regression::{
    RegressionBatch, RegressionConfig, RegressionInputs, RegressionReport, RegressionState,
};
use serde_json::Value;

const REL: f64 = 1e-9;
const ABS: f64 = 1e-12;

fn floats(case: &Value, key: &str) -> Option<Vec<f64>> {
    case.get(key).map(|v| {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    })
}

fn report(case: &Value, cuts: &[usize]) -> RegressionReport {
    let t = floats(case, "target").expect("target");
    let p = floats(case, "prediction").expect("prediction");
    let (w, lo, hi) = (
        floats(case, "weight"),
        floats(case, "lower"),
        floats(case, "upper"),
    );
    let inputs = RegressionInputs {
        weight: w.is_some(),
        bounds: lo.is_some(),
    };
    let new = || RegressionState::new(RegressionConfig::default(), inputs).expect("a state");
    let mut states = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&t.len())) {
        let end = end.min(t.len()).max(start);
        let mut s = new();
        s.update(&RegressionBatch {
            target: &t[start..end],
            prediction: &p[start..end],
            weight: w.as_deref().map(|w| &w[start..end]),
            lower: lo.as_deref().map(|v| &v[start..end]),
            upper: hi.as_deref().map(|v| &v[start..end]),
        })
        .expect("valid rows");
        states.push(s);
        start = end;
    }
    let mut all = states.remove(0);
    for s in states {
        all.merge(s).expect("same settings");
    }
    all.compute()
}

#[test]
fn every_metric_matches_scikit_learn_and_scipy() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/regression_reference.json"
    ))
    .expect("fixture file is committed");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 90);
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let one = report(case, &[]);
        let n = one.rows as usize;
        assert_eq!(
            report(case, &[n / 3, 2 * n / 3]),
            one,
            "{name}: split and merged"
        );
        for (id, e) in case["expected"].as_object().expect("expected") {
            let Some(got) = one.metrics.get(id) else {
                failures.push(format!("{name}: {id} missing"));
                continue;
            };
            checked += 1;
            match (e.as_f64(), got.value) {
                (None, None) if got.reason.is_some() => {}
                (Some(e), Some(g)) if (e - g).abs() <= REL * e.abs().max(g.abs()) + ABS => {}
                (e, g) => failures.push(format!(
                    "{name}: {id}: expected {e:?}, got {g:?} ({:?})",
                    got.reason
                )),
            }
        }
    }
    assert!(checked > 1400, "{checked} values checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
