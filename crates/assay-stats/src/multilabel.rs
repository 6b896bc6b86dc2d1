//! Intervals for the multi-label metrics:
//!
//! | metrics | method |
//! | --- | --- |
//! | exact_match, per-label precision, recall, specificity | Wilson (or Clopper–Pearson) |
//! | per-label roc_auc | DeLong |
//! | everything else (Hamming loss, Jaccard, averaged precision / recall / F1, macro AUC and AP, per-label F1 and AP) | bootstrap over rows: each replicate is the metric state itself, fed the rows with Poisson weights, percentile |
//!
//! Labels of one item are correlated, so the row is the unit of resampling.
//! Needs the state's kept rows. Past the row budget the same metrics take
//! the delete-a-group jackknife (20 to 100 groups, Student's t). Weighted
//! data: every interval from the row resampling (weights × Poisson draws,
//! or × group weights).

use assay_metrics::multilabel::{
    MultilabelBatch, MultilabelConfig, MultilabelReport, MultilabelState, StoredRows,
};
use assay_metrics::value::Interval;
use rayon::prelude::*;

use crate::binary::IntervalSettings;
use crate::bootstrap;

/// Intervals by metric id, per label (by label index), and a note.
pub type MultilabelIntervals = (
    Vec<(String, Interval)>,
    Vec<Vec<(String, Interval)>>,
    Option<String>,
);

/// Intervals by metric id.
type Global = Vec<(String, Interval)>;
/// Intervals per label.
type PerLabel = Vec<Vec<(String, Interval)>>;

/// What the resampling methods work on.
#[derive(Clone, Copy)]
struct Resampled<'a> {
    report: &'a MultilabelReport,
    /// Items.
    n: usize,
    weighted: bool,
    settings: &'a IntervalSettings,
}

/// Intervals for `report`, computed from the rows `state` kept.
pub fn intervals(
    state: &MultilabelState,
    report: &MultilabelReport,
    settings: &IntervalSettings,
) -> MultilabelIntervals {
    let l = report.per_label.len();
    let mut global = Vec::new();
    let mut per_label: PerLabel = vec![Vec::new(); l];
    let Some(rows) = state.stored_rows() else {
        return (
            global,
            per_label,
            Some("intervals need the rows kept (keep_rows)".into()),
        );
    };
    let weighted = rows.weight.is_some();
    let n = rows.truth.len() / l.max(1);
    if !weighted {
        closed_forms(&rows, report, settings, &mut global, &mut per_label);
    }
    let config = MultilabelConfig {
        keep_rows: false,
        ..state.config().clone()
    };
    let evaluate = |mut weights: Vec<f64>| -> Option<MultilabelReport> {
        if let Some(w) = rows.weight {
            weights.iter_mut().zip(w).for_each(|(p, w)| *p *= w);
        }
        MultilabelState::evaluate(
            config.clone(),
            &MultilabelBatch {
                truth: rows.truth,
                scores: rows.scores,
                prediction: rows.prediction,
                weight: Some(&weights),
            },
        )
        .ok()
    };
    let data = Resampled {
        report,
        n,
        weighted,
        settings,
    };
    let cost = (n * l) as u64 * settings.replicates as u64;
    if cost > settings.row_budget {
        let groups = grouped_jackknife(&data, evaluate, &mut global, &mut per_label);
        let note = format!(
            "large sample ({n} rows × {l} labels × {} replicates over the row budget of {}): the row-based metrics by the delete-a-group jackknife ({groups} groups, Student's t)",
            settings.replicates, settings.row_budget
        );
        return (global, per_label, Some(note));
    }
    row_bootstrap(&data, evaluate, &mut global, &mut per_label);
    let note = weighted.then(|| {
        "weighted data: every interval is a row bootstrap (weights × Poisson draws)".to_owned()
    });
    (global, per_label, note)
}

/// The closed forms on unweighted data: exact match and per-label
/// precision, recall, specificity as proportions, per-label AUC by DeLong.
fn closed_forms(
    rows: &StoredRows<'_>,
    report: &MultilabelReport,
    settings: &IntervalSettings,
    global: &mut Global,
    per_label: &mut PerLabel,
) {
    let l = report.per_label.len();
    let n = rows.truth.len() / l.max(1);
    // Exact match: a proportion of items.
    if let Some(v) = report.metrics.get("exact_match").and_then(|m| m.value) {
        let x = (v * n as f64).round();
        global.extend(
            settings
                .proportion(x, n as f64)
                .map(|ci| ("exact_match".to_owned(), ci)),
        );
    }
    for (j, slot) in per_label.iter_mut().enumerate() {
        let c = report.counts[j];
        for (id, x, d) in [
            ("precision", c.tp, c.tp + c.fp),
            ("recall", c.tp, c.tp + c.fn_),
            ("specificity", c.tn, c.tn + c.fp),
        ] {
            slot.extend(settings.proportion(x, d).map(|ci| (id.to_owned(), ci)));
        }
        if let Some(scores) = rows.scores {
            let (mut pos, mut neg) = (Vec::new(), Vec::new());
            for i in 0..n {
                let s = scores[i * l + j];
                if rows.truth[i * l + j] {
                    pos.push(s)
                } else {
                    neg.push(s)
                }
            }
            pos.sort_by(f64::total_cmp);
            neg.sort_by(f64::total_cmp);
            if let Some((auc, var)) = crate::delong::auc_variance(&pos, &neg) {
                let var = var.unwrap_or(0.0);
                slot.push((
                    "roc_auc".to_owned(),
                    crate::delong::interval(
                        auc,
                        var,
                        pos.len() as f64,
                        neg.len() as f64,
                        settings.level,
                    ),
                ));
            }
        }
    }
}

/// Large samples: the delete-a-group jackknife, as many groups as the
/// budget pays for (20 to 100), with Student's t on groups − 1 degrees of
/// freedom. Returns the number of groups.
fn grouped_jackknife(
    data: &Resampled<'_>,
    evaluate: impl Fn(Vec<f64>) -> Option<MultilabelReport> + Sync,
    global: &mut Global,
    per_label: &mut PerLabel,
) -> usize {
    let Resampled {
        report,
        n,
        weighted,
        settings,
    } = *data;
    let l = report.per_label.len();
    let groups = ((settings.row_budget / (n * l).max(1) as u64) as usize)
        .clamp(20, 100)
        .min(n);
    let jackknife: Vec<Option<MultilabelReport>> = (0..groups)
        .into_par_iter()
        .map(|g| evaluate(bootstrap::group_weights(n, groups, g)))
        .collect();
    let interval = |estimate: Option<f64>, values: Vec<Option<f64>>| {
        let values: Option<Vec<f64>> = values.into_iter().collect();
        grouped_jackknife_interval(estimate?, &values?, settings.level)
    };
    let skip_global = |id: &str| id == "exact_match" && !weighted;
    for (id, m) in report.metrics.iter() {
        if m.value.is_none() || skip_global(id) {
            continue;
        }
        let values = jackknife
            .iter()
            .map(|r| {
                r.as_ref()
                    .and_then(|r| r.metrics.get(id))
                    .and_then(|v| v.value)
            })
            .collect();
        global.extend(interval(m.value, values).map(|ci| (id.to_owned(), ci)));
    }
    for (j, slot) in per_label.iter_mut().enumerate() {
        for &id in per_label_ids(weighted) {
            let estimate = report.per_label[j].get(id).and_then(|v| v.value);
            let values = jackknife
                .iter()
                .map(|r| {
                    r.as_ref()
                        .and_then(|r| r.per_label[j].get(id))
                        .and_then(|v| v.value)
                })
                .collect();
            slot.extend(interval(estimate, values).map(|ci| (id.to_owned(), ci)));
        }
    }
    groups
}

/// The row bootstrap (Poisson weights; the jackknife too for BCa) of the
/// metrics without a closed form.
fn row_bootstrap(
    data: &Resampled<'_>,
    evaluate: impl Fn(Vec<f64>) -> Option<MultilabelReport> + Sync,
    global: &mut Global,
    per_label: &mut PerLabel,
) {
    let Resampled {
        report,
        n,
        weighted,
        settings,
    } = *data;
    let (reports, jackknife) = settings.resample(n, evaluate);
    let jk_sets: Option<Vec<Option<&assay_metrics::MetricSet>>> = jackknife
        .as_ref()
        .map(|j| j.iter().map(|r| r.as_ref().map(|r| &r.metrics)).collect());
    global.extend(settings.per_metric(
        &report.metrics,
        reports.iter().flatten().map(|r| &r.metrics),
        jk_sets.as_deref(),
        |id| id == "exact_match" && !weighted,
    ));
    for (j, slot) in per_label.iter_mut().enumerate() {
        let ids = per_label_ids(weighted);
        let jk_sets: Option<Vec<Option<&assay_metrics::MetricSet>>> =
            jackknife.as_ref().map(|jk| {
                jk.iter()
                    .map(|r| r.as_ref().map(|r| &r.per_label[j]))
                    .collect()
            });
        slot.extend(settings.per_metric(
            &report.per_label[j],
            reports.iter().flatten().map(|r| &r.per_label[j]),
            jk_sets.as_deref(),
            |id| !ids.contains(&id),
        ));
    }
}

/// Per-label metrics a row resampling gives intervals to (the others have
/// closed forms on unweighted data).
fn per_label_ids(weighted: bool) -> &'static [&'static str] {
    if weighted {
        &[
            "precision",
            "recall",
            "specificity",
            "f1",
            "roc_auc",
            "average_precision",
        ]
    } else {
        &["f1", "average_precision"]
    }
}

/// Interval from delete-a-group jackknife values: the estimate ± t · SE with
/// SE² = (G − 1)/G · Σ (θ₍g₎ − θ̄)², t on G − 1 degrees of freedom, clipped
/// to [0, 1] (every multi-label metric lies there).
pub fn grouped_jackknife_interval(estimate: f64, values: &[f64], level: f64) -> Option<Interval> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let g = values.len();
    if g < 2 {
        return None;
    }
    let gf = g as f64;
    let mean = values.iter().sum::<f64>() / gf;
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    let se = ((gf - 1.0) / gf * ss).sqrt();
    let t = StudentsT::new(0.0, 1.0, gf - 1.0)
        .ok()?
        .inverse_cdf(1.0 - (1.0 - level) / 2.0);
    Some(Interval {
        low: (estimate - t * se).max(0.0),
        high: (estimate + t * se).min(1.0),
        level,
        method: assay_metrics::value::IntervalMethod::Jackknife,
    })
}
