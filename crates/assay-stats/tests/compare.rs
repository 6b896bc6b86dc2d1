//! Paired comparison against statsmodels / SciPy (McNemar) and an
//! independent O(m·n) DeLong; fixtures from `tools/fixtures/compare.py`.

use assay_stats::compare::{delong_paired, mcnemar};
use serde_json::Value;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-13
}

fn doc() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/compare_reference.json"
    ))
    .expect("a readable file");
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn mcnemar_matches_statsmodels_and_the_mid_p_formula() {
    for t in doc()["mcnemar"].as_array().unwrap() {
        let r = mcnemar(
            t["candidate_only"].as_u64().unwrap(),
            t["baseline_only"].as_u64().unwrap(),
        );
        assert!(
            close(r.p_exact, t["p_exact"].as_f64().unwrap(), 1e-9),
            "{t}: exact {}",
            r.p_exact
        );
        assert!(
            close(r.p_mid, t["p_mid"].as_f64().unwrap(), 1e-9),
            "{t}: mid {}",
            r.p_mid
        );
    }
}

#[test]
fn paired_delong_matches_the_definition() {
    for case in doc()["delong_paired"].as_array().unwrap() {
        let f = |k: &str| -> Vec<f64> {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let y: Vec<bool> = case["truth"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64() == Some(1))
            .collect();
        let r = delong_paired(
            &f("candidate"),
            &f("baseline"),
            &y,
            case["level"].as_f64().unwrap(),
        )
        .unwrap();
        for (got, key) in [
            (r.difference, "difference"),
            (r.standard_error, "se"),
            (r.z, "z"),
            (r.p_value, "p"),
            (r.interval.low, "low"),
            (r.interval.high, "high"),
        ] {
            assert!(
                close(got, case[key].as_f64().unwrap(), 1e-9),
                "{key}: {got} vs {}",
                case[key]
            );
        }
    }
}
