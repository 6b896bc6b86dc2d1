//! Slice tests against statsmodels (`tools/fixtures/slices.py`).

use assay_stats::slices::{Correction, adjust, power_two_proportions, two_proportion_test};
use serde_json::Value;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + 1e-12
}

fn doc() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/slices_reference.json"
    ))
    .expect("a readable file");
    serde_json::from_str(&text).expect("valid JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[test]
fn two_proportion_z_matches_statsmodels() {
    for c in doc()["ztest"].as_array().unwrap() {
        let f = |k: &str| c[k].as_f64().unwrap();
        let (z, p) = two_proportion_test(f("x1"), f("n1"), f("x2"), f("n2")).unwrap();
        assert!(close(z, f("z")) && close(p, f("p")), "{c}: z {z} p {p}");
    }
}

#[test]
fn power_matches_statsmodels() {
    for c in doc()["power"].as_array().unwrap() {
        let f = |k: &str| c[k].as_f64().unwrap();
        let got = power_two_proportions(f("p"), f("n1"), f("n2"), f("delta"), f("alpha"));
        assert!(close(got, f("power")), "{c}: {got}");
    }
}

#[test]
fn holm_and_bh_match_multipletests() {
    for c in doc()["adjust"].as_array().unwrap() {
        let p = floats(&c["p"]);
        for (got, want) in adjust(&p, Correction::Holm).iter().zip(floats(&c["holm"])) {
            assert!(close(*got, want), "holm {got} vs {want}");
        }
        for (got, want) in adjust(&p, Correction::BenjaminiHochberg)
            .iter()
            .zip(floats(&c["bh"]))
        {
            assert!(close(*got, want), "bh {got} vs {want}");
        }
    }
}

#[test]
fn welch_matches_scipy() {
    use assay_stats::slices::{Moments, welch_test};
    let docs = doc();
    let cases = docs["welch"].as_array().unwrap();
    assert_eq!(cases.len(), 30);
    for c in cases {
        let side = |k: &str| {
            let v = floats(&c[k]);
            Moments::from_sums(v[0], v[1], v[2]).unwrap()
        };
        let (t, p) = welch_test(side("a"), side("b")).unwrap();
        let f = |k: &str| c[k].as_f64().unwrap();
        assert!(close(t, f("t")) && close(p, f("p")), "{c}: t {t} p {p}");
    }
}
