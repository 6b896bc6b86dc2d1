//! An interval on every binary metric, each by the method that suits it:
//!
//! | metrics | method |
//! | --- | --- |
//! | accuracy, precision, recall, specificity, npv, fpr, fnr | Wilson (or Clopper–Pearson) on the counts |
//! | roc_auc | DeLong |
//! | balanced_accuracy, f1, fbeta, mcc, cohen_kappa, kl_divergence | bootstrap over the confusion cells (multinomial: the same as resampling rows), percentile or BCa |
//! | average_precision, pr_auc, log_loss, brier_score, ece | bootstrap over rows (Poisson weights on the sorted scores), percentile |
//! | mce | each calibration bin's Wilson interval at the Bonferroni level (`proportion::mce_interval`) |
//!
//! Intervals need unweighted data: with sample weights the counts are not
//! counts, and the functions here return nothing.

use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryReport, BinaryState};
use assay_metrics::calibration::CalibrationBins;
use assay_metrics::confusion::{BinaryCounts, kl_divergence};
use assay_metrics::ranking::{CurveBuilder, TieGroup};
use assay_metrics::value::Interval;
use rayon::prelude::*;

use crate::bootstrap::{self, CountStatistic, Method};
use crate::{delong, proportion};

/// How intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalSettings {
    /// Confidence level, strictly between 0 and 1.
    pub level: f64,
    /// Bootstrap replicates.
    pub replicates: usize,
    /// Seed of the bootstrap streams.
    pub seed: u64,
    /// Interval for proportions.
    pub proportion: ProportionMethod,
    /// Interval from bootstrap replicates.
    pub bootstrap: Method,
    /// Resample within each true class (cell bootstraps), keeping the class counts.
    pub stratified: bool,
    /// Largest rows × replicates the row bootstrap may cost; past it the
    /// row-based metrics get no interval and a note says so.
    pub row_budget: u64,
}

impl IntervalSettings {
    /// The defaults: 95 %, 2000 replicates, seed 4213, Wilson, percentile,
    /// unstratified, a row budget of 2·10⁸ rows × replicates.
    pub const DEFAULT: IntervalSettings = IntervalSettings {
        level: 0.95,
        replicates: 2000,
        seed: 4213,
        proportion: ProportionMethod::Wilson,
        bootstrap: Method::Percentile,
        stratified: false,
        row_budget: 200_000_000,
    };
}

impl Default for IntervalSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Which interval for a proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum ProportionMethod {
    /// Wilson score interval
    Wilson,
    /// Clopper–Pearson exact interval
    ClopperPearson,
}

impl IntervalSettings {
    /// Percentile interval from the replicate values where the metric was
    /// defined; none when it was undefined in more than half of the replicates.
    pub fn percentile_of(&self, mut values: Vec<f64>) -> Option<Interval> {
        if values.len() * 2 < self.replicates {
            return None;
        }
        bootstrap::percentile(&mut values, self.level)
    }

    /// A row resampling of `n` rows: `evaluate` on each replicate's Poisson
    /// row weights, and — when BCa is asked for — on each grouped-jackknife
    /// deletion (weights 0 for one group, 1 elsewhere). Replicates run on all
    /// cores, in replicate order.
    pub fn resample<T: Send>(
        &self,
        n: usize,
        evaluate: impl Fn(Vec<f64>) -> T + Sync,
    ) -> (Vec<T>, Option<Vec<T>>) {
        let replicates = (0..self.replicates)
            .into_par_iter()
            .map(|r| evaluate(bootstrap::poisson_weights(self.seed, r as u64, n)))
            .collect();
        let jackknife = self.wants_jackknife().then(|| {
            let groups = bootstrap::JACKKNIFE_GROUPS.min(n);
            (0..groups)
                .into_par_iter()
                .map(|g| evaluate(bootstrap::group_weights(n, groups, g)))
                .collect()
        });
        (replicates, jackknife)
    }

    /// Whether row bootstraps need the grouped jackknife (BCa asked for).
    pub fn wants_jackknife(&self) -> bool {
        self.bootstrap == bootstrap::Method::Bca
    }

    /// The interval of a row-bootstrapped metric: BCa when asked for and the
    /// estimate and every grouped-jackknife value are defined (the
    /// acceleration from the [`bootstrap::JACKKNIFE_GROUPS`] leave-a-group-out
    /// values), else percentile.
    pub fn row_interval(
        &self,
        estimate: Option<f64>,
        replicates: Vec<f64>,
        jackknife: Option<Vec<Option<f64>>>,
    ) -> Option<Interval> {
        if replicates.len() * 2 < self.replicates {
            return None;
        }
        let jackknife: Option<Vec<(f64, f64)>> = jackknife
            .filter(|_| self.wants_jackknife())
            .and_then(|j| j.into_iter().map(|v| v.map(|v| (v, 1.0))).collect());
        match (estimate, jackknife) {
            (Some(est), Some(jk)) => {
                let mut replicates = replicates;
                bootstrap::bca(est, &mut replicates, &jk, self.level)
            }
            _ => self.percentile_of(replicates),
        }
    }

    /// Intervals for every defined metric of `estimate`, from the same
    /// metrics in each replicate's set, BCa from the grouped-jackknife sets
    /// when given and asked for (`skip` leaves metrics out).
    pub fn per_metric<'a>(
        &self,
        estimate: &assay_metrics::MetricSet,
        replicates: impl Iterator<Item = &'a assay_metrics::MetricSet> + Clone,
        jackknife: Option<&[Option<&assay_metrics::MetricSet>]>,
        skip: impl Fn(&str) -> bool,
    ) -> Vec<(String, Interval)> {
        estimate
            .iter()
            .filter(|(id, m)| m.value.is_some() && !skip(id))
            .filter_map(|(id, m)| {
                let values = replicates
                    .clone()
                    .filter_map(|r| r.get(id).and_then(|v| v.value))
                    .collect();
                let jk = jackknife.map(|j| {
                    j.iter()
                        .map(|s| s.and_then(|s| s.get(id)).and_then(|v| v.value))
                        .collect()
                });
                self.row_interval(m.value, values, jk)
                    .map(|ci| (id.to_owned(), ci))
            })
            .collect()
    }

    /// Bootstrap intervals of several statistics of one table of counts
    /// at once (multinomial replicates over its cells, `strata` groups
    /// when stratified), percentile or BCa (from the leave-one-out
    /// tables): one interval or none per value `statistics` returns.
    pub fn cells_intervals(
        &self,
        cells: &[u64],
        strata: usize,
        statistics: &(dyn Fn(&[u64]) -> Vec<Option<f64>> + Sync),
    ) -> Vec<Option<Interval>> {
        let estimate = statistics(cells);
        let replicates = bootstrap::multinomial_replicates_multi(
            cells,
            self.strata(strata),
            self.replicates,
            self.seed,
            statistics,
        );
        let jackknife = (self.bootstrap == Method::Bca)
            .then(|| bootstrap::jackknife_counts_multi(cells, statistics));
        estimate
            .iter()
            .enumerate()
            .map(|(m, est)| {
                let est = (*est)?;
                let mut reps: Vec<f64> = replicates.iter().filter_map(|r| r[m]).collect();
                if reps.len() * 2 < self.replicates {
                    return None;
                }
                match &jackknife {
                    None => bootstrap::percentile(&mut reps, self.level),
                    Some(jk) => {
                        let values: Option<Vec<(f64, f64)>> =
                            jk.iter().map(|(v, c)| v[m].map(|x| (x, *c))).collect();
                        values.and_then(|v| bootstrap::bca(est, &mut reps, &v, self.level))
                    }
                }
            })
            .collect()
    }

    /// The number of strata to use: `classes` when stratified, else one.
    pub fn strata(&self, classes: usize) -> usize {
        if self.stratified { classes } else { 1 }
    }

    /// The proportion interval for `x` of `n`.
    pub fn proportion(&self, x: f64, n: f64) -> Option<Interval> {
        match self.proportion {
            ProportionMethod::Wilson => proportion::wilson(x, n, self.level),
            ProportionMethod::ClopperPearson => proportion::clopper_pearson(x, n, self.level),
        }
    }

    /// Bootstrap interval of a statistic of counts (multinomial replicates),
    /// with `strata` equal groups of cells (one per true class) resampled
    /// separately when the settings ask for a stratified bootstrap.
    pub fn counts_interval(
        &self,
        counts: &[u64],
        strata: usize,
        statistic: &CountStatistic<'_>,
    ) -> Option<Interval> {
        let estimate = statistic(counts)?;
        let mut reps = bootstrap::multinomial_replicates(
            counts,
            self.strata(strata),
            self.replicates,
            self.seed,
            statistic,
        );
        match self.bootstrap {
            Method::Percentile => bootstrap::percentile(&mut reps, self.level),
            Method::Bca => {
                let jackknife = bootstrap::jackknife_counts(counts, statistic)?;
                bootstrap::bca(estimate, &mut reps, &jackknife, self.level)
            }
        }
    }
}

/// Cells in the order [tn, fp, fn, tp].
fn counts_of(cells: &[u64]) -> BinaryCounts {
    BinaryCounts {
        tn: cells[0] as f64,
        fp: cells[1] as f64,
        fn_: cells[2] as f64,
        tp: cells[3] as f64,
    }
}

/// Intervals for the binary metrics of `report` (plus `f1_negative`, the F1
/// of the negative class for the per-class table), and a note on what was left
/// without one. `state` must be the state the report was computed from;
/// nothing is returned for weighted data.
pub fn intervals(
    state: &mut BinaryState,
    report: &BinaryReport,
    settings: &IntervalSettings,
) -> (Vec<(&'static str, Interval)>, Option<String>) {
    let mut out = Vec::new();
    let mut note = None;
    if state.inputs().weight {
        return weighted_intervals(state, report, settings);
    }
    let c = report.counts;
    let cells = [c.tn as u64, c.fp as u64, c.fn_ as u64, c.tp as u64];
    let n = c.total();
    let mut push = |id: &'static str, ci: Option<Interval>| {
        if let Some(ci) = ci {
            out.push((id, ci));
        }
    };
    push("accuracy", settings.proportion(c.tp + c.tn, n));
    push("precision", settings.proportion(c.tp, c.tp + c.fp));
    push("recall", settings.proportion(c.tp, c.tp + c.fn_));
    push("specificity", settings.proportion(c.tn, c.tn + c.fp));
    push("npv", settings.proportion(c.tn, c.tn + c.fn_));
    push("fpr", settings.proportion(c.fp, c.fp + c.tn));
    push("fnr", settings.proportion(c.fn_, c.fn_ + c.tp));
    let beta = state.config().beta;
    let by_counts: [(&'static str, &CountStatistic<'_>); 7] = [
        ("balanced_accuracy", &|k| {
            counts_of(k).matrix().balanced_accuracy().value
        }),
        ("f1", &|k| counts_of(k).fbeta(1.0).value),
        // F1 of the negative class, for the per-class table.
        ("f1_negative", &|k| {
            let c = counts_of(k);
            BinaryCounts {
                tp: c.tn,
                tn: c.tp,
                fp: c.fn_,
                fn_: c.fp,
            }
            .fbeta(1.0)
            .value
        }),
        ("fbeta", &|k| counts_of(k).fbeta(beta).value),
        ("mcc", &|k| counts_of(k).matrix().mcc().value),
        ("cohen_kappa", &|k| {
            counts_of(k).matrix().cohen_kappa().value
        }),
        ("kl_divergence", &|k| {
            let c = counts_of(k);
            kl_divergence(&[c.tn + c.fp, c.tp + c.fn_], &[c.tn + c.fn_, c.tp + c.fp]).value
        }),
    ];
    for (id, statistic) in by_counts {
        // Cells [tn, fp | fn, tp]: two strata, one per true class.
        push(id, settings.counts_interval(&cells, 2, statistic));
    }
    if state.inputs().score {
        let Some((pos, neg)) = state.ranking_mut().sorted_scores() else {
            // Binned curves keep no rows; the loss sums still give the means' intervals.
            if state.config().probabilities {
                for (id, ci) in moment_intervals(state, report, n, settings.level) {
                    push(id, ci);
                }
            }
            let note = "binned curves keep no rows: log loss and Brier take the normal interval of a mean; roc_auc, average precision, PR AUC, ECE and MCE have no interval";
            return (out, Some(note.into()));
        };
        // Too few items of a class for DeLong's variance: the largest
        // variance any distributions allow (see `delong::interval`).
        if let Some((auc, variance)) = delong::auc_variance(&pos, &neg) {
            let variance = variance.unwrap_or(0.0);
            push(
                "roc_auc",
                Some(delong::interval(
                    auc,
                    variance,
                    pos.len() as f64,
                    neg.len() as f64,
                    settings.level,
                )),
            );
        }
        let probabilities = state.config().probabilities;
        let bins = state.config().calibration_bins;
        let cost = (pos.len() + neg.len()) as u64 * settings.replicates as u64;
        // MCE, a maximum over bins: from the bins' own intervals, whatever
        // the sample size (pushed last, it is the one kept).
        let mce = report
            .calibration
            .as_deref()
            .and_then(|b| crate::proportion::mce_interval(b, settings.level));
        if cost <= settings.row_budget {
            for (id, ci) in row_bootstrap(&pos, &neg, probabilities, bins, settings) {
                push(id, ci);
            }
        } else {
            // Large samples: the normal interval of a mean for log loss and
            // Brier, and the logit interval of Boyd, Eng & Page (2013) for
            // average precision and PR AUC.
            let n = (pos.len() + neg.len()) as f64;
            if probabilities {
                for (id, ci) in moment_intervals(state, report, n, settings.level) {
                    push(id, ci);
                }
            }
            let positives = pos.len() as f64;
            for id in ["average_precision", "pr_auc"] {
                if let Some(ap) = report.metrics.get(id).and_then(|m| m.value) {
                    push(id, logit_interval(ap, positives, settings.level));
                }
            }
            if probabilities {
                let (ece, mce) = calibration_bootstrap(
                    pos.iter()
                        .map(|p| (*p, true))
                        .chain(neg.iter().map(|p| (*p, false))),
                    state.config().calibration_bins,
                    settings,
                );
                push("ece", ece);
                push("mce", mce);
            }
            note = Some(format!(
                "large sample ({} rows × {} replicates over the row budget of {}): log loss and Brier by the normal interval of a mean, average precision and PR AUC by the logit interval (Boyd et al. 2013), ECE by a Poisson bootstrap of the bin sums (exact in bins under {SMALL_BIN} items, normal approximation above)",
                pos.len() + neg.len(),
                settings.replicates,
                settings.row_budget
            ));
        }
        if probabilities && mce.is_some() {
            push("mce", mce);
        }
    }
    (out, note)
}

/// Weighted data: counts are not counts, so every metric's interval comes
/// from the row bootstrap through the metric state itself (weights times
/// Poisson draws), percentile. Needs the rows kept (`keep_rows`).
fn weighted_intervals(
    state: &BinaryState,
    report: &BinaryReport,
    settings: &IntervalSettings,
) -> (Vec<(&'static str, Interval)>, Option<String>) {
    let Some(rows) = state.stored_rows() else {
        return (
            Vec::new(),
            Some("intervals on weighted data need the rows kept".into()),
        );
    };
    let n = rows.truth.len();
    if n as u64 * settings.replicates as u64 > settings.row_budget {
        let note = format!(
            "no intervals: weighted data need the row bootstrap, which would cost {n} rows × {} replicates, over the budget of {} (raise it with --row-bootstrap-budget)",
            settings.replicates, settings.row_budget
        );
        return (Vec::new(), Some(note));
    }
    let config = BinaryConfig {
        keep_rows: false,
        ..state.config().clone()
    };
    let weights = rows.weight.unwrap_or(&[]);
    let evaluate = |draws: Vec<f64>| {
        let w: Vec<f64> = draws.iter().zip(weights).map(|(p, w)| p * w).collect();
        BinaryState::evaluate(
            config.clone(),
            &BinaryBatch {
                truth: rows.truth,
                score: rows.score,
                prediction: rows.prediction,
                weight: Some(&w),
            },
        )
        .ok()
        .map(|rep| rep.metrics)
    };
    let (all, jackknife) = settings.resample(n, evaluate);
    let jk_sets: Option<Vec<Option<&assay_metrics::MetricSet>>> = jackknife
        .as_ref()
        .map(|j| j.iter().map(Option::as_ref).collect());
    let out = settings
        .per_metric(
            &report.metrics,
            all.iter().flatten(),
            jk_sets.as_deref(),
            |_| false,
        )
        .into_iter()
        // Metric ids are the metric crate's static names.
        .filter_map(|(id, ci)| STATIC_IDS.iter().find(|s| **s == id).map(|s| (*s, ci)))
        .collect();
    (
        out,
        Some("weighted data: every interval is a row bootstrap (weights × Poisson draws)".into()),
    )
}

const STATIC_IDS: [&str; 20] = [
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "specificity",
    "fpr",
    "fnr",
    "npv",
    "f1",
    "fbeta",
    "mcc",
    "cohen_kappa",
    "roc_auc",
    "average_precision",
    "pr_auc",
    "log_loss",
    "brier_score",
    "ece",
    "mce",
    "kl_divergence",
];

/// Normal intervals of the mean log loss and Brier score from the state's
/// sums of the per-item losses and of their squares.
fn moment_intervals(
    state: &BinaryState,
    report: &BinaryReport,
    n: f64,
    level: f64,
) -> Vec<(&'static str, Option<Interval>)> {
    let z = crate::normal_quantile(1.0 - (1.0 - level) / 2.0);
    ["log_loss", "brier_score"]
        .into_iter()
        .zip(state.loss_moments())
        .map(|(id, (sum, sq))| {
            let ci = report
                .metrics
                .get(id)
                .and_then(|m| m.value)
                .filter(|_| n > 1.0)
                .map(|mean| {
                    let var = ((sq - sum * sum / n) / (n - 1.0)).max(0.0);
                    let half = z * (var / n).sqrt();
                    Interval {
                        low: mean - half,
                        high: mean + half,
                        level,
                        method: assay_metrics::value::IntervalMethod::Normal,
                    }
                });
            (id, ci)
        })
        .collect()
}

/// Bins with fewer items than this are resampled row by row; larger ones
/// through the normal approximation of their Poisson-bootstrap sums.
pub(crate) const SMALL_BIN: usize = 1000;

/// The normal interval of a mean from its values.
pub(crate) fn mean_interval(values: impl Iterator<Item = f64>, level: f64) -> Option<Interval> {
    let (mut n, mut sum, mut sq) = (0.0, 0.0, 0.0);
    for v in values {
        n += 1.0;
        sum += v;
        sq += v * v;
    }
    if n < 2.0 {
        return None;
    }
    let mean = sum / n;
    let var = ((sq - sum * sum / n) / (n - 1.0)).max(0.0);
    let half = crate::normal_quantile(1.0 - (1.0 - level) / 2.0) * (var / n).sqrt();
    Some(Interval {
        low: mean - half,
        high: mean + half,
        level,
        method: assay_metrics::value::IntervalMethod::Normal,
    })
}

/// ECE and MCE intervals for large samples: the Poisson bootstrap of each
/// calibration bin's sums (items, Σ confidence, Σ outcome). In a bin of m
/// items those sums are, by the central limit theorem, normal with the mean
/// of the data and covariance `[[m, Σc, Σo], [Σc, Σc², Σco], [Σo, Σco, Σo]]`;
/// bins under `SMALL_BIN` items are resampled exactly, row by row.
pub(crate) fn calibration_bootstrap(
    items: impl Iterator<Item = (f64, bool)>,
    bins: usize,
    settings: &IntervalSettings,
) -> (Option<Interval>, Option<Interval>) {
    use rand_distr::{Distribution, StandardNormal};
    let layout = CalibrationBins::new(bins);
    let k = layout.len();
    // Per bin: count, Σc, Σo, Σc², Σco, and the rows of small bins.
    let mut m = vec![[0.0f64; 5]; k];
    let mut rows: Vec<Vec<(f64, bool)>> = vec![Vec::new(); k];
    for (p, y) in items {
        let b = layout.bin_of(p);
        let o = if y { 1.0 } else { 0.0 };
        let s = &mut m[b];
        s[0] += 1.0;
        s[1] += p;
        s[2] += o;
        s[3] += p * p;
        s[4] += p * o;
        if rows[b].len() <= SMALL_BIN {
            rows[b].push((p, y));
        }
    }
    let small: Vec<bool> = m.iter().map(|s| (s[0] as usize) < SMALL_BIN).collect();
    // Cholesky factor of each large bin's covariance (jitter-free: clamp at 0).
    let chol: Vec<[f64; 6]> = m
        .iter()
        .map(|s| {
            let (a, b, c, d, e, f) = (s[0], s[1], s[2], s[3], s[4], s[2]);
            let l11 = a.max(0.0).sqrt();
            let l21 = if l11 > 0.0 { b / l11 } else { 0.0 };
            let l31 = if l11 > 0.0 { c / l11 } else { 0.0 };
            let l22 = (d - l21 * l21).max(0.0).sqrt();
            let l32 = if l22 > 0.0 {
                (e - l31 * l21) / l22
            } else {
                0.0
            };
            let l33 = (f - l31 * l31 - l32 * l32).max(0.0).sqrt();
            [l11, l21, l22, l31, l32, l33]
        })
        .collect();
    let replicate = |r: usize| -> [Option<f64>; 2] {
        let mut rng =
            bootstrap::replicate_rng(settings.seed ^ bootstrap::ROW_STREAM ^ 0xCA1B, r as u64);
        let mut sums = vec![[0.0f64; 3]; k];
        for b in 0..k {
            if small[b] {
                for &(p, y) in &rows[b] {
                    let w = f64::from(bootstrap::poisson_one(rand::RngExt::random::<f64>(
                        &mut rng,
                    )));
                    sums[b][0] += w;
                    sums[b][1] += w * p;
                    sums[b][2] += if y { w } else { 0.0 };
                }
            } else {
                let z: [f64; 3] = [
                    StandardNormal.sample(&mut rng),
                    StandardNormal.sample(&mut rng),
                    StandardNormal.sample(&mut rng),
                ];
                let [l11, l21, l22, l31, l32, l33] = chol[b];
                sums[b][0] = (m[b][0] + l11 * z[0]).max(0.0);
                sums[b][1] = (m[b][1] + l21 * z[0] + l22 * z[1]).max(0.0);
                sums[b][2] = (m[b][2] + l31 * z[0] + l32 * z[1] + l33 * z[2]).max(0.0);
            }
        }
        let total: f64 = sums.iter().map(|s| s[0]).sum();
        if total <= 0.0 {
            return [None, None];
        }
        let ece = sums.iter().map(|s| (s[2] - s[1]).abs()).sum::<f64>() / total;
        let mce = sums
            .iter()
            .filter(|s| s[0] > 0.0)
            .map(|s| ((s[2] - s[1]) / s[0]).abs())
            .reduce(f64::max);
        [Some(ece), mce]
    };
    let all: Vec<[Option<f64>; 2]> = (0..settings.replicates)
        .into_par_iter()
        .map(replicate)
        .collect();
    (
        settings.percentile_of(all.iter().filter_map(|r| r[0]).collect()),
        settings.percentile_of(all.iter().filter_map(|r| r[1]).collect()),
    )
}

/// The logit interval for average precision (Boyd, Eng & Page 2013):
/// `logit(AP) ± z / sqrt(n₊ · AP · (1 − AP))`, mapped back. `None` at AP of 0 or 1.
pub fn logit_interval(ap: f64, positives: f64, level: f64) -> Option<Interval> {
    if !(ap > 0.0 && ap < 1.0 && positives > 0.0) {
        return None;
    }
    let z = crate::normal_quantile(1.0 - (1.0 - level) / 2.0);
    let tau = 1.0 / (positives * ap * (1.0 - ap)).sqrt();
    let logit = (ap / (1.0 - ap)).ln();
    let inv = |x: f64| 1.0 / (1.0 + (-x).exp());
    Some(Interval {
        low: inv(logit - z * tau),
        high: inv(logit + z * tau),
        level,
        method: assay_metrics::value::IntervalMethod::Logit,
    })
}

/// Rows in descending score order with their class.
fn merged_descending(pos: &[f64], neg: &[f64]) -> Vec<(f64, bool)> {
    let mut rows = Vec::with_capacity(pos.len() + neg.len());
    let (mut i, mut j) = (pos.len(), neg.len());
    while i > 0 || j > 0 {
        if j == 0 || (i > 0 && pos[i - 1] >= neg[j - 1]) {
            rows.push((pos[i - 1], true));
            i -= 1;
        } else {
            rows.push((neg[j - 1], false));
            j -= 1;
        }
    }
    rows
}

const ROW_METRICS: [&str; 6] = [
    "average_precision",
    "pr_auc",
    "log_loss",
    "brier_score",
    "ece",
    "mce",
];

/// Percentile intervals for the metrics that need the rows, from Poisson
/// bootstrap weights on the rows in their (fixed) sorted order.
fn row_bootstrap(
    pos: &[f64],
    neg: &[f64],
    probabilities: bool,
    bins: usize,
    settings: &IntervalSettings,
) -> Vec<(&'static str, Option<Interval>)> {
    let rows = merged_descending(pos, neg);
    let compute = |weights: &[f64]| -> [Option<f64>; 6] {
        let (mut total_pos, mut total_neg) = (0.0, 0.0);
        for ((_, y), w) in rows.iter().zip(weights) {
            if *y { total_pos += w } else { total_neg += w }
        }
        let mut builder = CurveBuilder::new(total_pos, total_neg, 2, false);
        let (mut log_loss, mut brier) = (0.0, 0.0);
        let mut calibration = CalibrationBins::new(bins);
        let mut k = 0;
        while k < rows.len() {
            let s = rows[k].0;
            let mut group = TieGroup {
                threshold: s,
                positive: 0.0,
                negative: 0.0,
            };
            while k < rows.len() && rows[k].0 == s {
                let (p, y) = rows[k];
                let w = weights[k];
                if y {
                    group.positive += w
                } else {
                    group.negative += w
                }
                if probabilities && w > 0.0 {
                    let clipped = p.clamp(f64::EPSILON, 1.0 - f64::EPSILON);
                    log_loss -= w * if y {
                        clipped.ln()
                    } else {
                        (1.0 - clipped).ln()
                    };
                    let t = if y { 1.0 } else { 0.0 };
                    brier += w * (t - p) * (t - p);
                    calibration.push(p, y, w);
                }
                k += 1;
            }
            builder.push(group);
        }
        let summary = builder.finish();
        let total = total_pos + total_neg;
        let mean = |x: f64| (total > 0.0).then(|| x / total);
        [
            summary.average_precision,
            summary.pr_auc,
            if probabilities { mean(log_loss) } else { None },
            if probabilities { mean(brier) } else { None },
            if probabilities {
                calibration.ece()
            } else {
                None
            },
            if probabilities {
                calibration.mce()
            } else {
                None
            },
        ]
    };
    let (all, jackknife) = settings.resample(rows.len(), |w| compute(&w));
    let estimate = jackknife.as_ref().map(|_| compute(&vec![1.0; rows.len()]));
    ROW_METRICS
        .iter()
        .enumerate()
        .map(|(m, id)| {
            (
                *id,
                settings.row_interval(
                    estimate.and_then(|e| e[m]),
                    all.iter().filter_map(|r| r[m]).collect(),
                    jackknife.as_ref().map(|j| j.iter().map(|v| v[m]).collect()),
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_descending_order() {
        let rows = merged_descending(&[0.2, 0.8], &[0.1, 0.5, 0.9]);
        let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(scores, [0.9, 0.8, 0.5, 0.2, 0.1]);
    }
}
