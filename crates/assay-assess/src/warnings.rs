//! The warnings of a record: what its reader must know to read the results
//! rightly (class imbalance, few items, small slices, intervals left out,
//! criteria not judged, leakage, undisclosed control criteria).

use assay_eval::Task;
use assay_eval::slices::SliceStatus;
use assay_record::EvalResult;
use assay_record::assessment::{
    Disclosure, DisclosureStatus, LeakageReport, RobustnessRecord, Warning, WarningCode,
};
use serde_json::{Value, json};

/// A warning with the values its message is made of.
fn warning(code: WarningCode, message: String, params: Value) -> Warning {
    Warning {
        code,
        message,
        params: match params {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        },
    }
}

/// Warnings a reader of the record must see.
pub(crate) fn warnings(
    result: &EvalResult,
    leakage: Option<&LeakageReport>,
    disclosures: &[Disclosure],
    robustness: Option<&RobustnessRecord>,
) -> Vec<Warning> {
    let mut out = Vec::new();
    // Class balance: the support of each class (binary, multi-class) or
    // the positives of each label (multi-label).
    let table = match result.task {
        Task::Multilabel => &result.per_label,
        _ => &result.per_class,
    };
    let supports: Vec<(String, f64)> = table
        .as_ref()
        .map(|t| {
            t.0.iter()
                .filter_map(|(k, s)| {
                    s.get("support")
                        .and_then(|v| v.value)
                        .map(|v| (k.clone(), v))
                })
                .collect()
        })
        .unwrap_or_default();
    let total = result.total_weight.unwrap_or(result.n as f64);
    let classes = supports.len().max(1) as f64;
    if total > 0.0 {
        for (class, support) in &supports {
            let share = support / total;
            // A fifth of the even share: 10 % of two classes, 2 % of ten.
            if share < 0.2 / classes {
                out.push(warning(
                    WarningCode::ClassImbalance,
                    format!(
                        "class '{class}' is {:.1} % of the items; metrics that average over items say little about it — read its per-class results and intervals",
                        share * 100.0
                    ),
                    json!({ "class": class, "percent": share * 100.0 }),
                ));
            }
            if *support < 30.0 {
                out.push(warning(
                    WarningCode::FewItems,
                    format!(
                        "class '{class}' has {support} items; its per-class intervals are wide"
                    ),
                    json!({ "class": class, "items": support }),
                ));
            }
        }
    }
    if let Some(slices) = &result.slices {
        // Which it is: too few items for the test, or enough items but too
        // little power to see the stated difference (with the power).
        let small: Vec<String> = slices
            .groups
            .iter()
            .filter_map(|g| {
                let weakest = g
                    .tests
                    .0
                    .iter()
                    .filter(|(_, t)| t.status == SliceStatus::InsufficientEvidence)
                    .map(|(_, t)| t.power)
                    .min_by(|a, b| a.unwrap_or(0.0).total_cmp(&b.unwrap_or(0.0)))?;
                let key: Vec<String> = g.key.0.iter().map(|(c, v)| format!("{c}={v}")).collect();
                let why = if g.n < slices.min_size {
                    format!("too small, n = {} < {}", g.n, slices.min_size)
                } else {
                    match weakest {
                        Some(p) => format!(
                            "n = {}, under-powered: power {p:.2} < {} to see a difference of {}",
                            g.n,
                            slices.min_power,
                            three_digits(slices.effect)
                        ),
                        None => format!("n = {}", g.n),
                    }
                };
                Some(format!("{} ({why})", key.join(", ")))
            })
            .collect();
        if !small.is_empty() {
            out.push(warning(
                WarningCode::SmallSlices,
                format!(
                    "{} slice(s) too small or too weakly powered to support a conclusion (marked \"insufficient evidence\"): {}",
                    small.len(),
                    small.join("; ")
                ),
                json!({ "count": small.len(), "slices": small }),
            ));
        }
    }
    if let Some(note) = result
        .parameters
        .intervals
        .as_ref()
        .and_then(|i| i.note.clone())
    {
        out.push(warning(WarningCode::Intervals, note, Value::Null));
    }
    not_judged(result.criteria.as_deref().unwrap_or(&[]), &mut out);
    if let Some(l) = leakage
        && l.leaked > 0
    {
        out.push(warning(
            WarningCode::Leakage,
            format!(
                "{} of {} test items have the same content as a training item (ISO/IEC TS 4213 clause 5.3.7); results on them overstate performance",
                l.leaked, l.test.items
            ),
            json!({ "leaked": l.leaked, "items": l.test.items }),
        ));
    }
    let missing: Vec<&Disclosure> = disclosures
        .iter()
        .filter(|d| d.status == DisclosureStatus::NotDisclosed)
        .collect();
    if !missing.is_empty() {
        let named: Vec<String> = missing
            .iter()
            .map(|d| format!("{} {}", d.clause, d.title))
            .collect();
        let clauses: Vec<&str> = missing.iter().map(|d| d.clause.as_str()).collect();
        out.push(warning(
            WarningCode::NotDisclosed,
            format!(
                "{} control criteria of ISO/IEC TS 4213 clause 5.3 are not disclosed: {}",
                missing.len(),
                named.join("; ")
            ),
            json!({ "count": missing.len(), "clauses": clauses }),
        ));
    }
    // Robustness criteria come last: they are judged after the rest.
    not_judged(robustness.map_or(&[][..], |r| &r.criteria[..]), &mut out);
    out
}

/// A warning for each criterion that could not be judged.
fn not_judged(judgements: &[assay_record::eval::Judgement], out: &mut Vec<Warning>) {
    for j in judgements {
        if let Some(reason) = &j.reason {
            // Why, as a word a report can translate: the metric has no
            // value, or the guarded rule found no interval.
            let cause = if j.value.is_none() {
                "undefined"
            } else {
                "no-interval"
            };
            out.push(warning(
                WarningCode::CriterionNotJudged,
                format!("criterion \"{}\": {reason}", j.criterion.expression),
                json!({ "criterion": j.criterion.expression, "cause": cause }),
            ));
        }
    }
}

/// `x` to three significant digits, written shortest (0.05, 0.0651).
fn three_digits(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}
