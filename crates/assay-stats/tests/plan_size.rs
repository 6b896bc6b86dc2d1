//! Sample sizes against the textbook search in `tools/fixtures/plan_size.py`
//! (statsmodels' intervals; Hanley & McNeil's AUC standard error).

use assay_stats::binary::ProportionMethod;
use assay_stats::sample_size::{Quantity, required};
use serde_json::Value;

#[test]
fn required_sizes_match_the_reference() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/plan_size_reference.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    for case in doc["cases"].as_array().unwrap() {
        let f = |k: &str| case[k].as_f64().unwrap();
        let quantity = match case["kind"].as_str().unwrap() {
            "auc" => Quantity::Auc {
                prevalence: f("prevalence"),
            },
            _ => Quantity::Proportion(match case["method"].as_str().unwrap() {
                "wilson" => ProportionMethod::Wilson,
                _ => ProportionMethod::ClopperPearson,
            }),
        };
        let d = required(quantity, f("expected"), f("target"), f("level")).unwrap();
        assert_eq!(d.items, case["required"].as_u64().unwrap(), "{case}");
        assert!(
            (d.low - f("low_at_required")).abs() < 1e-9,
            "{case}: low {}",
            d.low
        );
    }
}
