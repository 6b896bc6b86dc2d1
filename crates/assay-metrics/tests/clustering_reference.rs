//! Every clustering metric against scikit-learn, through the fixtures that
//! `tools/fixtures/clustering.py` writes (versions recorded in the file).
//! Tolerance 1e-9 relative (absolute floor 1e-12); an expected `null` must
//! be undefined with a reason. Each case is fed in three batches merged,
//! and in one: both must agree exactly. Where scikit-learn's dot-product
//! distances lose digits (a singleton cluster's distance to its own
//! centroid), the fixture also carries `<id>_direct`, the definition with
//! direct distances: Assay is held to it at 1e-9 and to scikit-learn at 1e-6.

use std::collections::HashMap;

use assay_metrics::MetricSet;
use assay_metrics::clustering::{
    ClusteringBatch, ClusteringConfig, ClusteringInputs, ClusteringState, EXTERNAL, INTERNAL,
};
use serde_json::Value;

const REL: f64 = 1e-9;
const ABS: f64 = 1e-12;

/// Labels (strings or integers) as indices in order of first appearance.
fn encode(values: &[Value]) -> Vec<u32> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    values
        .iter()
        .map(|v| {
            let k = v.to_string();
            let next = seen.len() as u32;
            *seen.entry(k).or_insert(next)
        })
        .collect()
}

struct Case {
    cluster: Vec<u32>,
    label: Option<Vec<u32>>,
    features: Option<(usize, Vec<f64>)>,
}

fn parse(case: &Value) -> Case {
    let cluster = encode(case["cluster"].as_array().expect("clusters"));
    let label = case
        .get("label")
        .map(|l| encode(l.as_array().expect("labels")));
    let features = case.get("features").map(|f| {
        let rows = f.as_array().expect("rows");
        let width = rows[0].as_array().expect("row").len();
        let flat = rows
            .iter()
            .flat_map(|r| r.as_array().expect("row").iter())
            .map(|x| x.as_f64().expect("number"))
            .collect();
        (width, flat)
    });
    Case {
        cluster,
        label,
        features,
    }
}

fn metrics(c: &Case, cuts: &[usize]) -> MetricSet {
    let width = c.features.as_ref().map_or(0, |f| f.0);
    let inputs = ClusteringInputs {
        labels: c.label.is_some(),
        features: width,
    };
    let n = c.cluster.len();
    let mut all: Option<ClusteringState> = None;
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&n)) {
        let end = end.min(n).max(start);
        let mut s = ClusteringState::new(ClusteringConfig::default(), inputs).expect("a state");
        s.update(&ClusteringBatch {
            cluster: &c.cluster[start..end],
            label: c.label.as_deref().map(|l| &l[start..end]),
            features: c
                .features
                .as_ref()
                .map(|f| &f.1[start * width..end * width]),
        })
        .expect("valid rows");
        match all.as_mut() {
            None => all = Some(s),
            Some(a) => a.merge(s).expect("same settings"),
        }
        start = end;
    }
    all.expect("a state").compute().metrics
}

#[test]
fn every_metric_matches_scikit_learn() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/clustering_reference.json"
    ))
    .expect("fixtures: run tools/fixtures/clustering.py");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 60);
    let mut compared = 0;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let c = parse(case);
        let n = c.cluster.len();
        let one = metrics(&c, &[]);
        let split = metrics(&c, &[n / 3, 2 * n / 3]);
        assert_eq!(one, split, "{name}: split and merged differs from one pass");
        let expected = case["expected"].as_object().expect("expected");
        let ids: Vec<&str> = c
            .label
            .as_ref()
            .map(|_| EXTERNAL.to_vec())
            .unwrap_or_default()
            .into_iter()
            .chain(
                c.features
                    .as_ref()
                    .map(|_| INTERNAL.to_vec())
                    .unwrap_or_default(),
            )
            .collect();
        let directs = expected.keys().filter(|k| k.ends_with("_direct")).count();
        assert_eq!(
            ids.len() + directs,
            expected.len(),
            "{name}: the metrics expected"
        );
        for id in ids {
            let got = one.get(id).unwrap_or_else(|| panic!("{name}: no {id}"));
            match expected[id].as_f64() {
                None => assert!(
                    got.value.is_none() && got.reason.is_some(),
                    "{name}: {id} should be undefined with a reason, is {got:?}"
                ),
                Some(sklearn) => {
                    let v = got
                        .value
                        .unwrap_or_else(|| panic!("{name}: {id} undefined: {:?}", got.reason));
                    let want = match expected.get(&format!("{id}_direct")) {
                        Some(direct) => {
                            assert!((v - sklearn).abs() <= 1e-6 * sklearn.abs(), "{name}: {id}");
                            direct.as_f64().expect("a number")
                        }
                        None => sklearn,
                    };
                    let tol = ABS.max(REL * want.abs());
                    assert!(
                        (v - want).abs() <= tol,
                        "{name}: {id} = {v}, scikit-learn {want} (diff {:e})",
                        (v - want).abs()
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 600, "compared {compared} values");
}
