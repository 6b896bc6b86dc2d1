//! Intervals for the multi-class metrics that depend only on the confusion
//! matrix:
//!
//! | metrics | method |
//! | --- | --- |
//! | accuracy (= micro precision, recall, F1 and weighted recall), per-class precision, recall, specificity | Wilson (or Clopper–Pearson) |
//! | balanced_accuracy, macro and weighted precision / recall / F1, specificity_macro, mcc, cohen_kappa, kl_divergence, per-class F1 | bootstrap over the confusion cells (multinomial), percentile or BCa |
//!
//! | per-class roc_auc | DeLong (one class against the rest) |
//! | top-k accuracy | Wilson (or Clopper–Pearson): a proportion of items |
//! | mce | each top-label bin's Wilson interval at the Bonferroni level (`proportion::mce_interval`) |
//! | roc_auc_ovr_macro / _weighted, roc_auc_ovo_macro, log_loss, brier_score, ece | bootstrap over rows (Poisson weights; each column's sort is done once), percentile, within the row budget; past it the AUC averages by the jackknife (`jackknife.rs`) and the others by large-sample methods |
//!
//! Weighted data: every interval by the row bootstrap through the metric
//! state itself (weights × Poisson draws).

use assay_metrics::calibration::CalibrationBins;
use assay_metrics::confusion::ConfusionMatrix;
use assay_metrics::multiclass::{
    MulticlassBatch, MulticlassReport, MulticlassState, argmax, confusion_metrics, in_top_k,
};
use assay_metrics::value::Interval;
use rayon::prelude::*;

use crate::binary::IntervalSettings;

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

/// Intervals by metric id.
type Global = Vec<(String, Interval)>;
/// Intervals per class.
type PerClass = Vec<Vec<(&'static str, Interval)>>;

/// Intervals for `report` (unweighted data only). `state` is the state the
/// report came from (for the metrics that need the rows).
pub fn intervals(
    state: &MulticlassState,
    report: &MulticlassReport,
    weighted: bool,
    settings: &IntervalSettings,
) -> MulticlassIntervals {
    if weighted {
        return weighted_intervals(state, report, settings);
    }
    let k = report.confusion.classes();
    let mut global = Vec::new();
    let mut per_class: PerClass = vec![Vec::new(); k];
    proportions(&report.confusion, settings, &mut global, &mut per_class);
    cell_bootstrap(&report.confusion, settings, &mut global, &mut per_class);
    let note = row_intervals(state, report, settings, &mut global, &mut per_class);
    (global, per_class, note)
}

/// The proportions: accuracy (and the averages equal to it), per-class
/// precision, recall and specificity.
fn proportions(
    cm: &ConfusionMatrix,
    settings: &IntervalSettings,
    global: &mut Global,
    per_class: &mut PerClass,
) {
    if let Some(ci) = settings.proportion(cm.correct(), cm.total()) {
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
}

/// The metrics of the confusion matrix, bootstrapped over its cells
/// (multinomial), percentile or BCa.
fn cell_bootstrap(
    cm: &ConfusionMatrix,
    settings: &IntervalSettings,
    global: &mut Global,
    per_class: &mut PerClass,
) {
    let k = cm.classes();
    let cells: Vec<u64> = cm.rows().iter().flatten().map(|&c| c as u64).collect();
    let cis = settings.cells_intervals(&cells, k, &|x| statistics(x, k));
    for (m, ci) in cis.into_iter().enumerate() {
        let Some(ci) = ci else { continue };
        if m < CELL_METRICS.len() - 1 {
            global.push((CELL_METRICS[m].to_owned(), ci));
        } else {
            per_class[m - (CELL_METRICS.len() - 1)].push(("f1", ci));
        }
    }
}

/// The metrics of the scores (when the state kept its rows): per-class
/// DeLong, then the row bootstrap within the budget or the large-sample
/// methods past it (which say so in the note).
fn row_intervals(
    state: &MulticlassState,
    report: &MulticlassReport,
    settings: &IntervalSettings,
    global: &mut Global,
    per_class: &mut PerClass,
) -> Option<String> {
    let (truth, columns) = state.stored_rows()?;
    let n = truth.len() as u64;
    let k = columns.len() as u64;
    // Per-class DeLong from the placement values the metric pass summed
    // while walking each sorted column (no second sort).
    let per_class_auc = report.curves.iter().flatten().map(|c| {
        let [s10, q10, s01, q01] = c.placement_moments?;
        let (m, n) = (c.positive_weight, c.negative_weight);
        // Too few items of a class for DeLong's variance: the largest
        // variance any distributions allow (see `delong::interval`).
        let var = if m < 2.0 || n < 2.0 {
            0.0
        } else {
            (q10 - s10 * s10 / m) / (m - 1.0) / m + (q01 - s01 * s01 / n) / (n - 1.0) / n
        };
        Some(crate::delong::interval(
            c.roc_auc?,
            var,
            m,
            n,
            settings.level,
        ))
    });
    for (slot, ci) in per_class.iter_mut().zip(per_class_auc) {
        slot.extend(ci.map(|ci| ("roc_auc", ci)));
    }
    let config = state.config();
    let q = row_quantities(truth, columns, config.top_k);
    // Top-k accuracy is a proportion of items: its interval is the
    // proportion's (a bootstrap of a proportion at 1 would be a point).
    if let Some(tk) = config.top_k {
        let hits = q.hit.iter().filter(|h| **h).count() as f64;
        global.extend(
            settings
                .proportion(hits, n as f64)
                .map(|ci| (format!("top_{tk}_accuracy"), ci)),
        );
    }
    if n * k * settings.replicates as u64 <= settings.row_budget {
        global.extend(row_bootstrap(
            truth,
            columns,
            config.calibration_bins,
            settings,
        ));
        global.extend(boundary_auc_averages(
            truth,
            k as usize,
            report,
            settings.level,
        ));
        global.extend(mce_from_bins(report, settings.level));
        return None;
    }
    // Large samples: log loss and Brier by the normal interval of a
    // mean, ECE by the Poisson bootstrap of the bin sums (MCE from its
    // bins, below).
    let level = settings.level;
    global.extend(
        crate::binary::mean_interval(q.loss.iter().copied(), level)
            .map(|ci| ("log_loss".to_owned(), ci)),
    );
    global.extend(
        crate::binary::mean_interval(q.brier.iter().copied(), level)
            .map(|ci| ("brier_score".to_owned(), ci)),
    );
    let (ece, mce) = crate::binary::calibration_bootstrap(
        q.top.iter().copied(),
        config.calibration_bins,
        settings,
    );
    global.extend(ece.map(|ci| ("ece".to_owned(), ci)));
    global.extend(mce.map(|ci| ("mce".to_owned(), ci)));
    let averages = crate::jackknife::auc_averages(truth, columns, level);
    if let Some([ovr_macro, ovr_weighted, ovo_macro]) = averages.clone() {
        global.push(("roc_auc_ovr_macro".to_owned(), ovr_macro));
        global.push(("roc_auc_ovr_weighted".to_owned(), ovr_weighted));
        global.push(("roc_auc_ovo_macro".to_owned(), ovo_macro));
    }
    global.extend(boundary_auc_averages(truth, k as usize, report, level));
    global.extend(mce_from_bins(report, level));
    Some(format!(
        "large sample ({n} rows × {k} classes × {} replicates over the row budget of {}): log loss and Brier by the normal interval of a mean, top-k accuracy by the proportion interval, ECE by a Poisson bootstrap of the bin sums, {}",
        settings.replicates,
        settings.row_budget,
        if averages.is_some() {
            "the one-vs-rest and one-vs-one AUC averages by the jackknife"
        } else {
            "no interval for the AUC averages (a class has fewer than two items)"
        }
    ))
}

/// MCE, a maximum over the top-label bins: from the bins' own intervals
/// (`proportion::mce_interval`), kept over the bootstrap's.
fn mce_from_bins(report: &MulticlassReport, level: f64) -> Option<(String, Interval)> {
    let bins = report.calibration.as_deref()?;
    crate::proportion::mce_interval(bins, level).map(|ci| ("mce".to_owned(), ci))
}

/// The AUC averages at a boundary (every class separated perfectly, or
/// inverted), where every resample gives the same value and the bootstrap
/// or jackknife interval is a point: each class's (or pair's) AUC takes
/// the interval of the largest variance (see `delong::interval`) at the
/// Bonferroni-adjusted level, and the average of the bounds bounds the
/// average — conservative, and never a point.
fn boundary_auc_averages(
    truth: &[u32],
    k: usize,
    report: &MulticlassReport,
    level: f64,
) -> Vec<(String, Interval)> {
    let n = truth.len() as f64;
    let mut counts = vec![0.0f64; k];
    for &t in truth {
        counts[t as usize] += 1.0;
    }
    let value = |id: &str| report.metrics.get(id).and_then(|m| m.value);
    let bound = |v: f64, effective: f64, level: f64| {
        crate::proportion::wilson(v * effective, effective, level).map(|ci| (ci.low, ci.high))
    };
    let mut out = Vec::new();
    let mut push = |id: &str, bounds: Option<Vec<(f64, f64, f64)>>| {
        let Some(b) = bounds else { return };
        let total: f64 = b.iter().map(|(w, _, _)| w).sum();
        if total <= 0.0 {
            return;
        }
        let low = b.iter().map(|(w, l, _)| w * l).sum::<f64>() / total;
        let high = b.iter().map(|(w, _, h)| w * h).sum::<f64>() / total;
        out.push((
            id.to_owned(),
            Interval {
                low,
                high,
                level,
                method: assay_metrics::value::IntervalMethod::MaxVariance,
            },
        ));
    };
    let classes_level = 1.0 - (1.0 - level) / k as f64;
    for (id, weighted) in [("roc_auc_ovr_macro", false), ("roc_auc_ovr_weighted", true)] {
        let Some(v) = value(id).filter(|v| *v == 0.0 || *v == 1.0) else {
            continue;
        };
        let bounds = counts
            .iter()
            .map(|&m| {
                let (l, h) = bound(v, m.min(n - m), classes_level)?;
                Some((if weighted { m } else { 1.0 }, l, h))
            })
            .collect();
        push(id, bounds);
    }
    if let Some(v) = value("roc_auc_ovo_macro").filter(|v| *v == 0.0 || *v == 1.0) {
        let pairs = k * (k - 1) / 2;
        let pairs_level = 1.0 - (1.0 - level) / pairs.max(1) as f64;
        let bounds = (0..k)
            .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
            .map(|(i, j)| {
                let (l, h) = bound(v, counts[i].min(counts[j]), pairs_level)?;
                Some((1.0, l, h))
            })
            .collect();
        push("roc_auc_ovo_macro", bounds);
    }
    out
}

/// Weighted data: every interval from the row bootstrap through the metric
/// state itself (weights × Poisson draws), percentile, within the row budget.
fn weighted_intervals(
    state: &MulticlassState,
    report: &MulticlassReport,
    settings: &IntervalSettings,
) -> MulticlassIntervals {
    let k = report.confusion.classes();
    let mut per_class: Vec<Vec<(&'static str, Interval)>> = vec![Vec::new(); k];
    let Some(stored) = state.stored_batch() else {
        let note = "intervals on weighted data need probability columns (the rows are kept only with them)";
        return (Vec::new(), per_class, Some(note.into()));
    };
    let (truth, rows, prediction) = (stored.truth, stored.probabilities, stored.prediction);
    let weights = stored.weight.unwrap_or_else(|| vec![1.0; truth.len()]);
    let cost = (truth.len() * k) as u64 * settings.replicates as u64;
    if cost > settings.row_budget {
        let note = format!(
            "no intervals: weighted data need the row bootstrap, which would cost {} rows × {k} classes × {} replicates, over the budget of {} (raise it with --row-bootstrap-budget)",
            truth.len(),
            settings.replicates,
            settings.row_budget
        );
        return (Vec::new(), per_class, Some(note));
    }
    let config = state.config().clone();
    let n = truth.len();
    let evaluate = |draws: Vec<f64>| {
        let w: Vec<f64> = draws.iter().zip(&weights).map(|(p, w)| p * w).collect();
        let batch = MulticlassBatch {
            truth: &truth,
            probabilities: Some(&rows),
            prediction: prediction.as_deref(),
            weight: Some(&w),
        };
        MulticlassState::evaluate(config.clone(), &batch).ok()
    };
    let (reports, jackknife) = settings.resample(n, evaluate);
    let jk_sets: Option<Vec<Option<&assay_metrics::MetricSet>>> = jackknife
        .as_ref()
        .map(|j| j.iter().map(|r| r.as_ref().map(|r| &r.metrics)).collect());
    let global = settings.per_metric(
        &report.metrics,
        reports.iter().flatten().map(|r| &r.metrics),
        jk_sets.as_deref(),
        |_| false,
    );
    for (c, slot) in per_class.iter_mut().enumerate() {
        let jk_sets: Option<Vec<Option<&assay_metrics::MetricSet>>> = jackknife.as_ref().map(|j| {
            j.iter()
                .map(|r| r.as_ref().map(|r| &r.per_class[c]))
                .collect()
        });
        slot.extend(
            settings
                .per_metric(
                    &report.per_class[c],
                    reports.iter().flatten().map(|r| &r.per_class[c]),
                    jk_sets.as_deref(),
                    |id| !["precision", "recall", "specificity", "f1", "roc_auc"].contains(&id),
                )
                .into_iter()
                .filter_map(|(id, ci)| {
                    ["precision", "recall", "specificity", "f1", "roc_auc"]
                        .into_iter()
                        .find(|x| *x == id)
                        .map(|id| (id, ci))
                }),
        );
    }
    let note = "weighted data: every interval is a row bootstrap (weights × Poisson draws)";
    (global, per_class, Some(note.into()))
}

/// Per-row quantities that do not change under resampling: log loss, Brier
/// score, top-k hit, and the top label's confidence and correctness.
struct RowQuantities {
    loss: Vec<f64>,
    brier: Vec<f64>,
    hit: Vec<bool>,
    top: Vec<(f64, bool)>,
}

fn row_quantities(truth: &[u32], columns: &[Vec<f64>], top_k: Option<usize>) -> RowQuantities {
    let k = columns.len();
    let n = truth.len();
    let mut loss = Vec::with_capacity(n);
    let mut brier = Vec::with_capacity(n);
    let mut hit = Vec::with_capacity(n);
    let mut top = Vec::with_capacity(n);
    let scale = if k < 3 { 0.5 } else { 1.0 };
    let mut row = vec![0.0; k];
    for (i, &t) in truth.iter().enumerate() {
        for (j, c) in columns.iter().enumerate() {
            row[j] = c[i];
        }
        let t = t as usize;
        loss.push(-row[t].clamp(f64::EPSILON, 1.0 - f64::EPSILON).ln());
        brier.push(
            scale
                * row
                    .iter()
                    .enumerate()
                    .map(|(j, p)| if j == t { (1.0 - p) * (1.0 - p) } else { p * p })
                    .sum::<f64>(),
        );
        hit.push(top_k.is_some_and(|tk| in_top_k(&row, t, tk)));
        let best = argmax(&row);
        top.push((row[best], best == t));
    }
    RowQuantities {
        loss,
        brier,
        hit,
        top,
    }
}

/// Percentile intervals for the probability-based metrics by a Poisson
/// bootstrap over rows; each column is sorted once and walked per replicate.
fn row_bootstrap(
    truth: &[u32],
    columns: &[Vec<f64>],
    bins: usize,
    settings: &IntervalSettings,
) -> Vec<(String, Interval)> {
    let k = columns.len();
    let n = truth.len();
    let RowQuantities {
        loss, brier, top, ..
    } = row_quantities(truth, columns, None);
    let orders = descending_orders(columns);
    let mut ids: Vec<String> = vec!["log_loss".into(), "brier_score".into()];
    ids.extend(
        [
            "ece",
            "mce",
            "roc_auc_ovr_macro",
            "roc_auc_ovr_weighted",
            "roc_auc_ovo_macro",
        ]
        .map(String::from),
    );
    let compute = |w: &[f64]| -> Vec<Option<f64>> {
        let total: f64 = w.iter().sum();
        if total == 0.0 {
            return vec![None; ids.len()];
        }
        let mut class_w = vec![0.0; k];
        for (i, &t) in truth.iter().enumerate() {
            class_w[t as usize] += w[i];
        }
        let mut out = vec![
            Some(loss.iter().zip(w).map(|(l, w)| l * w).sum::<f64>() / total),
            Some(brier.iter().zip(w).map(|(b, w)| b * w).sum::<f64>() / total),
        ];
        let mut cal = CalibrationBins::new(bins);
        for (i, &(conf, correct)) in top.iter().enumerate() {
            if w[i] > 0.0 {
                cal.push(conf, correct, w[i]);
            }
        }
        out.push(cal.ece());
        out.push(cal.mce());
        out.extend(auc_averages(&orders, truth, &class_w, w));
        out
    };
    let (all, jackknife) = settings.resample(n, |w| compute(&w));
    let estimate = jackknife.as_ref().map(|_| compute(&vec![1.0; n]));
    ids.into_iter()
        .enumerate()
        .filter_map(|(m, id)| {
            settings
                .row_interval(
                    estimate.as_ref().and_then(|e| e[m]),
                    all.iter().filter_map(|r| r[m]).collect(),
                    jackknife.as_ref().map(|j| j.iter().map(|v| v[m]).collect()),
                )
                .map(|ci| (id, ci))
        })
        .collect()
}

/// Each column's order, descending, with tie-group starts marked.
fn descending_orders(columns: &[Vec<f64>]) -> Vec<Vec<(u32, bool)>> {
    columns
        .par_iter()
        .map(|c| {
            let mut idx: Vec<u32> = (0..c.len() as u32).collect();
            idx.sort_by(|&a, &b| c[b as usize].total_cmp(&c[a as usize]));
            idx.iter()
                .enumerate()
                .map(|(r, &i)| (i, r == 0 || c[idx[r - 1] as usize] != c[i as usize]))
                .collect()
        })
        .collect()
}

/// The AUC averages under weights `w` (one-vs-rest macro and weighted,
/// one-vs-one macro): one walk per sorted column gives class j's
/// one-vs-rest AUC and its pairwise counts.
fn auc_averages(
    orders: &[Vec<(u32, bool)>],
    truth: &[u32],
    class_w: &[f64],
    w: &[f64],
) -> [Option<f64>; 3] {
    let k = orders.len();
    let n = truth.len();
    let total: f64 = w.iter().sum();
    let mut ovr = vec![None; k];
    let mut pair = vec![vec![0.0; k]; k];
    for (j, order) in orders.iter().enumerate() {
        let mut above = 0.0; // weight of class j strictly above the current group
        let mut start = 0;
        while start < n {
            let mut end = start + 1;
            while end < n && !order[end].1 {
                end += 1;
            }
            let j_here: f64 = order[start..end]
                .iter()
                .filter(|(i, _)| truth[*i as usize] as usize == j)
                .map(|(i, _)| w[*i as usize])
                .sum();
            for &(i, _) in &order[start..end] {
                let b = truth[i as usize] as usize;
                if b != j {
                    pair[j][b] += w[i as usize] * (above + 0.5 * j_here);
                }
            }
            above += j_here;
            start = end;
        }
        let pos = class_w[j];
        let neg = total - pos;
        if pos > 0.0 && neg > 0.0 {
            ovr[j] = Some(pair[j].iter().sum::<f64>() / (pos * neg));
        }
    }
    let Some(a) = ovr.iter().copied().collect::<Option<Vec<f64>>>() else {
        return [None, None, None];
    };
    let mut sum = 0.0;
    for a_ in 0..k {
        for b_ in a_ + 1..k {
            let pw = class_w[a_] * class_w[b_];
            sum += (pair[a_][b_] / pw + pair[b_][a_] / pw) / 2.0;
        }
    }
    [
        Some(a.iter().sum::<f64>() / k as f64),
        Some(a.iter().zip(class_w).map(|(x, w)| x * w).sum::<f64>() / total),
        Some(sum / (k * (k - 1) / 2) as f64),
    ]
}
