//! The warnings of a record: what its reader must know to read the results
//! rightly (class imbalance, few items, small slices, intervals left out,
//! criteria not judged, leakage, undisclosed control criteria).

use assay_eval::Task;
use assay_eval::slices::SliceStatus;
use assay_record::EvalResult;
use assay_record::assessment::{
    Disclosure, DisclosureStatus, LeakageReport, RobustnessRecord, Warning, WarningCode,
};

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
                out.push(Warning {
                    code: WarningCode::ClassImbalance,
                    message: format!(
                        "class '{class}' is {:.1} % of the items; metrics that average over items say little about it — read its per-class results and intervals",
                        share * 100.0
                    ),
                });
            }
            if *support < 30.0 {
                out.push(Warning {
                    code: WarningCode::FewItems,
                    message: format!(
                        "class '{class}' has {support} items; its per-class intervals are wide"
                    ),
                });
            }
        }
    }
    if let Some(slices) = &result.slices {
        let small: Vec<String> = slices
            .groups
            .iter()
            .filter(|g| {
                g.tests
                    .0
                    .iter()
                    .any(|(_, t)| t.status == SliceStatus::InsufficientEvidence)
            })
            .map(|g| {
                let key: Vec<String> = g.key.0.iter().map(|(c, v)| format!("{c}={v}")).collect();
                format!("{} (n = {})", key.join(", "), g.n)
            })
            .collect();
        if !small.is_empty() {
            out.push(Warning {
                code: WarningCode::SmallSlices,
                message: format!(
                    "{} slice(s) too small or too weakly powered to support a conclusion (marked \"insufficient evidence\"): {}",
                    small.len(),
                    small.join("; ")
                ),
            });
        }
    }
    if let Some(note) = result
        .parameters
        .intervals
        .as_ref()
        .and_then(|i| i.note.clone())
    {
        out.push(Warning {
            code: WarningCode::Intervals,
            message: note,
        });
    }
    not_judged(result.criteria.as_deref().unwrap_or(&[]), &mut out);
    if let Some(l) = leakage
        && l.leaked > 0
    {
        out.push(Warning {
            code: WarningCode::Leakage,
            message: format!(
                "{} of {} test items have the same content as a training item (ISO/IEC TS 4213 clause 5.3.7); results on them overstate performance",
                l.leaked, l.test.items
            ),
        });
    }
    let missing: Vec<String> = disclosures
        .iter()
        .filter(|d| d.status == DisclosureStatus::NotDisclosed)
        .map(|d| format!("{} {}", d.clause, d.title))
        .collect();
    if !missing.is_empty() {
        out.push(Warning {
            code: WarningCode::NotDisclosed,
            message: format!(
                "{} control criteria of ISO/IEC TS 4213 clause 5.3 are not disclosed: {}",
                missing.len(),
                missing.join("; ")
            ),
        });
    }
    // Robustness criteria come last: they are judged after the rest.
    not_judged(robustness.map_or(&[][..], |r| &r.criteria[..]), &mut out);
    out
}

/// A warning for each criterion that could not be judged.
fn not_judged(judgements: &[assay_record::eval::Judgement], out: &mut Vec<Warning>) {
    for j in judgements {
        if let Some(reason) = &j.reason {
            out.push(Warning {
                code: WarningCode::CriterionNotJudged,
                message: format!("criterion \"{}\": {reason}", j.criterion.expression),
            });
        }
    }
}
