//! Intervals for the multi-class metrics that depend only on the confusion
//! matrix:
//!
//! | metrics | method |
//! | --- | --- |
//! | accuracy (= micro precision, recall, F1 and weighted recall), per-class precision, recall, specificity | Wilson (or Clopper–Pearson) |
//! | balanced_accuracy, macro and weighted precision / recall / F1, specificity_macro, mcc, cohen_kappa, kl_divergence, per-class F1 | bootstrap over the confusion cells (multinomial), percentile or BCa |
//!
//! The probability-based metrics (one-vs-rest and one-vs-one AUC, log loss,
//! Brier, top-k accuracy, ECE) have no interval yet. Nothing is returned for
//! weighted data.

use assay_metrics::confusion::ConfusionMatrix;
use assay_metrics::multiclass::{MulticlassReport, confusion_metrics};
use assay_metrics::value::Interval;

use crate::binary::IntervalSettings;
use crate::bootstrap::{self, Method};

/// Metrics bootstrapped over the cells.
const CELL_METRICS: [&str; 11] = [
    "balanced_accuracy",
    "precision_macro",
    "precision_weighted",
    "recall_macro",
    "f1_macro",
    "f1_weighted",
    "specificity_macro",
    "mcc",
    "cohen_kappa",
    "kl_divergence",
    "per_class_f1",
];

/// Intervals by metric id, intervals per class (by class index), and a note
/// on what has none.
pub type MulticlassIntervals = (
    Vec<(String, Interval)>,
    Vec<Vec<(&'static str, Interval)>>,
    Option<String>,
);

/// All cell-bootstrapped statistics of one table: the global ones in
/// `CELL_METRICS` order (without the last), then one F1 per class.
fn statistics(cells: &[u64], k: usize) -> Vec<Option<f64>> {
    let cm = ConfusionMatrix::from_cells(k, cells.iter().map(|&c| c as f64).collect());
    let (m, per_class) = confusion_metrics(&cm);
    let mut out: Vec<Option<f64>> = CELL_METRICS[..CELL_METRICS.len() - 1]
        .iter()
        .map(|id| {
            if *id == "kl_divergence" {
                cm.kl_divergence().value
            } else {
                m.get(id).and_then(|v| v.value)
            }
        })
        .collect();
    out.extend(per_class.iter().map(|s| s.get("f1").and_then(|v| v.value)));
    out
}

/// Intervals for `report` (unweighted data only).
pub fn intervals(
    report: &MulticlassReport,
    weighted: bool,
    settings: &IntervalSettings,
) -> MulticlassIntervals {
    let k = report.confusion.classes();
    let mut global = Vec::new();
    let mut per_class: Vec<Vec<(&'static str, Interval)>> = vec![Vec::new(); k];
    if weighted {
        return (
            global,
            per_class,
            Some("intervals are not computed for weighted data yet".into()),
        );
    }
    let cm = &report.confusion;
    let total = cm.total();
    if let Some(ci) = settings.proportion(cm.correct(), total) {
        // Micro averages and weighted recall equal accuracy exactly.
        for id in [
            "accuracy",
            "precision_micro",
            "recall_micro",
            "f1_micro",
            "recall_weighted",
        ] {
            global.push((id.to_owned(), ci.clone()));
        }
    }
    for (c, slot) in per_class.iter_mut().enumerate() {
        let o = cm.one_vs_rest(c);
        for (id, x, n) in [
            ("precision", o.tp, o.tp + o.fp),
            ("recall", o.tp, o.tp + o.fn_),
            ("specificity", o.tn, o.tn + o.fp),
        ] {
            if let Some(ci) = settings.proportion(x, n) {
                slot.push((id, ci));
            }
        }
    }
    let cells: Vec<u64> = cm.rows().iter().flatten().map(|&c| c as u64).collect();
    let estimate = statistics(&cells, k);
    let replicates: Vec<Vec<Option<f64>>> =
        bootstrap::multinomial_replicates_multi(&cells, settings.replicates, settings.seed, &|x| {
            statistics(x, k)
        });
    let jackknife = (settings.bootstrap == Method::Bca)
        .then(|| bootstrap::jackknife_counts_multi(&cells, &|x| statistics(x, k)));
    for (m, est) in estimate.iter().enumerate() {
        let Some(est) = *est else { continue };
        let mut reps: Vec<f64> = replicates.iter().filter_map(|r| r[m]).collect();
        if reps.len() * 2 < settings.replicates {
            continue;
        }
        let ci = match &jackknife {
            None => bootstrap::percentile(&mut reps, settings.level),
            Some(jk) => {
                let values: Option<Vec<(f64, f64)>> =
                    jk.iter().map(|(v, c)| v[m].map(|x| (x, *c))).collect();
                values.and_then(|values| bootstrap::bca(est, &mut reps, &values, settings.level))
            }
        };
        let Some(ci) = ci else { continue };
        if m < CELL_METRICS.len() - 1 {
            global.push((CELL_METRICS[m].to_owned(), ci));
        } else {
            per_class[m - (CELL_METRICS.len() - 1)].push(("f1", ci));
        }
    }
    let note = "no interval yet for the probability-based metrics (AUC, log loss, Brier, top-k accuracy, ECE, MCE)";
    (global, per_class, Some(note.into()))
}
