//! Multi-class classification: one true class per item, class probabilities
//! and/or a hard prediction.
//!
//! One-vs-rest and one-vs-one ROC AUC come from one sorted pass per
//! probability column: walking column `j` from the highest score down gives
//! class `j`'s one-vs-rest curve and, at the same time, the Mann–Whitney count
//! of class `j` against every other class `b` on score `j` — exactly the
//! pairwise AUC `A(j | b)` that Hand & Till's one-vs-one average needs. The
//! trapezoidal ROC area and the tie-corrected Mann–Whitney statistic are the
//! same number, so this equals scikit-learn's `roc_auc_score`.

use rayon::prelude::*;

use crate::batch::{BatchError, Field, check_len, check_scores, check_weights, weight_at};
use crate::binary::clipped_ln;
use crate::calibration::{CalibrationBin, CalibrationBins};
use crate::confusion::ConfusionMatrix;
use crate::ranking::{CurveBuilder, RankingSummary, TieGroup, from_order_key, order_key};
use crate::value::{MetricSet, MetricValue, averaged};

/// Settings of a multi-class assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct MulticlassConfig {
    /// Number of classes (≥ 2).
    pub classes: usize,
    /// k of top-k accuracy; `None` leaves the metric out.
    pub top_k: Option<usize>,
    /// Number of equal-width calibration bins (top-label confidence).
    pub calibration_bins: usize,
    /// Largest allowed |Σ p − 1| per row.
    pub sum_tolerance: f64,
    /// Curve points kept per class for plotting.
    pub max_curve_points: usize,
    /// Hard predictions only: classes are learned as their indices come
    /// (the state grows), and [`MulticlassState::relabel`] puts them in
    /// their final order.
    pub learn_classes: bool,
}

impl MulticlassConfig {
    /// Defaults for `classes` classes: top-2 accuracy when there are more than two.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            top_k: (classes > 2).then_some(2),
            calibration_bins: 10,
            sum_tolerance: 1e-5,
            max_curve_points: 200,
            learn_classes: false,
        }
    }
}

/// Which inputs the assessment has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MulticlassInputs {
    /// One probability column per class.
    pub probabilities: bool,
    /// A hard prediction column.
    pub prediction: bool,
    /// A weight column.
    pub weight: bool,
}

/// One batch of multi-class rows.
#[derive(Debug, Clone, Copy)]
pub struct MulticlassBatch<'a> {
    /// True class index of each item.
    pub truth: &'a [u32],
    /// Row-major probabilities, `classes` per item.
    pub probabilities: Option<&'a [f64]>,
    /// Predicted class index of each item.
    pub prediction: Option<&'a [u32]>,
    /// Sample weights.
    pub weight: Option<&'a [f64]>,
}

/// Mergeable state of a multi-class assessment.
#[derive(Debug, Clone)]
pub struct MulticlassState {
    config: MulticlassConfig,
    inputs: MulticlassInputs,
    confusion: ConfusionMatrix,
    rows: u64,
    log_loss_sum: f64,
    brier_sum: f64,
    top_k_hits: f64,
    calibration: CalibrationBins,
    // Exact ranking store: the rows themselves, probabilities column by column
    // so that each per-class pass reads one contiguous column.
    truth: Vec<u32>,
    columns: Vec<Vec<f64>>,
    weights: Vec<f64>,
    predictions: Vec<u32>,
}

/// Everything computed from a multi-class state.
#[derive(Debug, Clone)]
pub struct MulticlassReport {
    /// Number of rows.
    pub rows: u64,
    /// Metrics by id.
    pub metrics: MetricSet,
    /// Per-class metrics, indexed by class.
    pub per_class: Vec<MetricSet>,
    /// The confusion matrix (rows truth, columns prediction).
    pub confusion: ConfusionMatrix,
    /// One-vs-rest curves per class (when there are probabilities).
    pub curves: Option<Vec<RankingSummary>>,
    /// Top-label calibration bins (when there are probabilities).
    pub calibration: Option<Vec<CalibrationBin>>,
}

/// Every stored row of a multi-class state, owned, as batch columns.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    /// True classes.
    pub truth: Vec<u32>,
    /// Row-major probabilities.
    pub probabilities: Vec<f64>,
    /// Predictions, when there was a prediction column.
    pub prediction: Option<Vec<u32>>,
    /// Weights, when there was a weight column.
    pub weight: Option<Vec<f64>>,
}

/// One row in a per-column pass: order key of the score, true class, row.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    key: u64,
    class: u32,
    row: u32,
}

/// Rows picked out of a multi-class batch (owned, probabilities row-major).
#[derive(Debug, Clone, Default)]
pub struct MulticlassRows {
    truth: Vec<u32>,
    probabilities: Option<Vec<f64>>,
    prediction: Option<Vec<u32>>,
    weight: Option<Vec<f64>>,
}

crate::state::delegate_state!(
    MulticlassState,
    MulticlassConfig,
    MulticlassInputs,
    MulticlassBatch,
    MulticlassRows,
    MulticlassReport,
    {
        fn pick(
            config: &MulticlassConfig,
            batch: &MulticlassBatch<'_>,
            rows: &[usize],
        ) -> MulticlassRows {
            use crate::state::{pick, pick_rows};
            MulticlassRows {
                truth: pick(batch.truth, rows),
                probabilities: batch
                    .probabilities
                    .map(|p| pick_rows(p, config.classes, rows)),
                prediction: batch.prediction.map(|p| pick(p, rows)),
                weight: batch.weight.map(|w| pick(w, rows)),
            }
        }

        fn batch(rows: &MulticlassRows) -> MulticlassBatch<'_> {
            MulticlassBatch {
                truth: &rows.truth,
                probabilities: rows.probabilities.as_deref(),
                prediction: rows.prediction.as_deref(),
                weight: rows.weight.as_deref(),
            }
        }
    }
);

/// Every multi-class metric that depends only on the confusion matrix, and
/// the per-class rates: one definition for the point estimates and for the
/// bootstrap replicates of their intervals.
pub fn confusion_metrics(cm: &ConfusionMatrix) -> (MetricSet, Vec<MetricSet>) {
    let k = cm.classes();
    let total = cm.total();
    let truth_totals = cm.truth_totals();
    let mut m = MetricSet::new();
    m.insert("accuracy", cm.accuracy());
    m.insert("balanced_accuracy", cm.balanced_accuracy());

    let ovr = cm.all_one_vs_rest();
    let value = |v: MetricValue| v.value;
    let precision: Vec<_> = ovr.iter().map(|c| value(c.precision())).collect();
    let recall: Vec<_> = ovr.iter().map(|c| value(c.recall())).collect();
    let f1: Vec<_> = ovr.iter().map(|c| value(c.fbeta(1.0))).collect();
    let specificity: Vec<_> = ovr.iter().map(|c| value(c.specificity())).collect();
    let micro = MetricValue::ratio(cm.correct(), total, "there are no items");
    for (name, values) in [("precision", &precision), ("recall", &recall), ("f1", &f1)] {
        m.insert(
            format!("{name}_macro"),
            averaged(values, None, name, "class"),
        );
        m.insert(format!("{name}_micro"), micro.clone());
        m.insert(
            format!("{name}_weighted"),
            averaged(values, Some(&truth_totals), name, "class"),
        );
    }
    m.insert(
        "specificity_macro",
        averaged(&specificity, None, "specificity", "class"),
    );
    m.insert("mcc", cm.mcc());
    m.insert("cohen_kappa", cm.cohen_kappa());

    let per_class: Vec<MetricSet> = (0..k)
        .map(|c| {
            let mut s = MetricSet::new();
            s.insert("precision", ovr[c].precision());
            s.insert("recall", ovr[c].recall());
            s.insert("specificity", ovr[c].specificity());
            s.insert("f1", ovr[c].fbeta(1.0));
            s.insert("support", MetricValue::defined(truth_totals[c]));
            s
        })
        .collect();
    (m, per_class)
}

/// Index of the first largest value (numpy's `argmax`).
#[inline]
pub fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] {
            best = j;
        }
    }
    best
}

/// Whether class `c` is among the top `k` of `row`, breaking ties as
/// scikit-learn's `top_k_accuracy_score` does (a reversed stable argsort:
/// among equal scores the higher class index ranks first).
#[inline]
pub fn in_top_k(row: &[f64], c: usize, k: usize) -> bool {
    let sc = row[c];
    let ahead = row
        .iter()
        .enumerate()
        .filter(|&(j, &s)| s > sc || (s == sc && j > c))
        .count();
    ahead < k
}

impl MulticlassState {
    /// The one-shot form: a fresh state, one update, one compute. The same
    /// code path as streaming use, so both give the same numbers.
    pub fn evaluate(
        config: MulticlassConfig,
        batch: &MulticlassBatch<'_>,
    ) -> Result<MulticlassReport, BatchError> {
        let inputs = MulticlassInputs {
            probabilities: batch.probabilities.is_some(),
            prediction: batch.prediction.is_some(),
            weight: batch.weight.is_some(),
        };
        let mut state = Self::new(config, inputs)?;
        state.update(batch)?;
        Ok(state.compute())
    }

    /// An empty state.
    pub fn new(config: MulticlassConfig, inputs: MulticlassInputs) -> Result<Self, BatchError> {
        if !inputs.probabilities && !inputs.prediction {
            return Err(BatchError::Inputs(
                "needs probability columns or a prediction column",
            ));
        }
        if config.learn_classes && inputs.probabilities {
            return Err(BatchError::Inputs(
                "learns its classes only from hard predictions",
            ));
        }
        if config.classes < 2 && !config.learn_classes {
            return Err(BatchError::Inputs("needs at least two classes"));
        }
        Ok(Self {
            confusion: ConfusionMatrix::new(config.classes),
            calibration: CalibrationBins::new(config.calibration_bins),
            config,
            inputs,
            rows: 0,
            log_loss_sum: 0.0,
            brier_sum: 0.0,
            top_k_hits: 0.0,
            truth: Vec::new(),
            columns: Vec::new(),
            weights: Vec::new(),
            predictions: Vec::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &MulticlassConfig {
        &self.config
    }

    /// The stored rows (probabilities given, no weights): the true class of
    /// each row and the probabilities column by column, for intervals that
    /// resample rows.
    pub fn stored_rows(&self) -> Option<(&[u32], &[Vec<f64>])> {
        (self.inputs.probabilities && !self.inputs.weight)
            .then_some((self.truth.as_slice(), self.columns.as_slice()))
    }

    /// Every stored row as a batch (row-major probabilities), weights and
    /// predictions included: `None` without probabilities (nothing is kept).
    pub fn stored_batch(&self) -> Option<StoredBatch> {
        if !self.inputs.probabilities {
            return None;
        }
        let k = self.config.classes;
        let n = self.truth.len();
        let mut rows = Vec::with_capacity(n * k);
        for i in 0..n {
            rows.extend(self.columns.iter().map(|c| c[i]));
        }
        Some(StoredBatch {
            truth: self.truth.clone(),
            probabilities: rows,
            prediction: self.inputs.prediction.then(|| self.predictions.clone()),
            weight: self.inputs.weight.then(|| self.weights.clone()),
        })
    }

    /// Check a batch without changing the state.
    pub fn validate(&self, batch: &MulticlassBatch<'_>) -> Result<(), BatchError> {
        let n = batch.truth.len();
        let k = self.config.classes;
        if batch.probabilities.is_some() != self.inputs.probabilities
            || batch.prediction.is_some() != self.inputs.prediction
            || batch.weight.is_some() != self.inputs.weight
        {
            return Err(BatchError::Inputs(
                "does not carry the columns the state was built for",
            ));
        }
        let check_classes = |field: Field, v: &[u32]| {
            if self.config.learn_classes {
                return Ok(());
            }
            v.iter()
                .enumerate()
                .find(|(_, c)| **c as usize >= k)
                .map_or(Ok(()), |(row, &index)| {
                    Err(BatchError::ClassIndex {
                        row,
                        field,
                        index,
                        classes: k,
                    })
                })
        };
        check_classes(Field::Truth(None), batch.truth)?;
        if let Some(p) = batch.prediction {
            check_len(Field::Prediction(None), n, p.len())?;
            check_classes(Field::Prediction(None), p)?;
        }
        if let Some(p) = batch.probabilities {
            check_len(Field::Score(None), n * k, p.len())?;
            check_scores(p, k, true)?;
            for (row, r) in p.chunks_exact(k).enumerate() {
                let sum: f64 = r.iter().sum();
                if (sum - 1.0).abs() > self.config.sum_tolerance {
                    return Err(BatchError::RowSum {
                        row,
                        sum,
                        tolerance: self.config.sum_tolerance,
                    });
                }
            }
        }
        check_weights(batch.weight, n)
    }

    /// Add a batch. On error nothing is added.
    pub fn update(&mut self, batch: &MulticlassBatch<'_>) -> Result<(), BatchError> {
        self.validate(batch)?;
        if self.config.learn_classes {
            let seen = batch
                .truth
                .iter()
                .chain(batch.prediction.unwrap_or(&[]))
                .max()
                .map_or(0, |&c| c as usize + 1);
            if seen > self.config.classes {
                self.confusion.grow(seen);
                self.config.classes = seen;
            }
        }
        let k = self.config.classes;
        let scale = if k < 3 { 0.5 } else { 1.0 };
        for (i, &t) in batch.truth.iter().enumerate() {
            let t = t as usize;
            let w = weight_at(batch.weight, i);
            let row = batch.probabilities.map(|p| &p[i * k..(i + 1) * k]);
            let predicted = match (batch.prediction, row) {
                (Some(p), _) => p[i] as usize,
                (None, Some(r)) => argmax(r),
                (None, None) => {
                    unreachable!("validated: probabilities or a prediction are present")
                }
            };
            self.confusion.add(t, predicted, w);
            if let Some(r) = row {
                self.log_loss_sum -= w * clipped_ln(r[t]);
                let sq: f64 = r
                    .iter()
                    .enumerate()
                    .map(|(j, p)| if j == t { (1.0 - p) * (1.0 - p) } else { p * p })
                    .sum();
                self.brier_sum += w * scale * sq;
                if let Some(top) = self.config.top_k
                    && in_top_k(r, t, top)
                {
                    self.top_k_hits += w;
                }
                let best = argmax(r);
                self.calibration.push(r[best], best == t, w);
            }
        }
        if let Some(p) = batch.probabilities {
            self.truth.extend_from_slice(batch.truth);
            self.columns.resize_with(k, Vec::new);
            for (j, column) in self.columns.iter_mut().enumerate() {
                column.extend(p.iter().skip(j).step_by(k));
            }
            if let Some(w) = batch.weight {
                self.weights.extend_from_slice(w);
            }
            if let Some(p) = batch.prediction {
                self.predictions.extend_from_slice(p);
            }
        }
        self.rows += batch.truth.len() as u64;
        Ok(())
    }

    /// Fold in another state built with the same settings and inputs.
    pub fn merge(&mut self, other: MulticlassState) -> Result<(), crate::MergeError> {
        if other.config != self.config || other.inputs != self.inputs {
            return Err(crate::MergeError::ConfigMismatch);
        }
        self.confusion.merge(&other.confusion)?;
        self.calibration.merge(&other.calibration)?;
        self.rows += other.rows;
        self.log_loss_sum += other.log_loss_sum;
        self.brier_sum += other.brier_sum;
        self.top_k_hits += other.top_k_hits;
        self.truth.extend(other.truth);
        self.columns.resize_with(self.config.classes, Vec::new);
        for (a, b) in self.columns.iter_mut().zip(other.columns) {
            a.extend(b);
        }
        self.weights.extend(other.weights);
        self.predictions.extend(other.predictions);
        Ok(())
    }

    /// Put learned classes in their final order: class `i` becomes
    /// `order[i]` (a permutation of the classes seen). Only a state that
    /// learns its classes can be relabelled; it then has `order.len()`
    /// classes and learns no more, with `top_k` for its top-k accuracy.
    pub fn relabel(&mut self, order: &[usize], top_k: Option<usize>) -> Result<(), BatchError> {
        if !self.config.learn_classes {
            return Err(BatchError::Inputs("has fixed classes"));
        }
        let k = order.len();
        if k < self.config.classes || order.iter().any(|&o| o >= k) {
            return Err(BatchError::Inputs("cannot be relabelled by that order"));
        }
        self.confusion.grow(k);
        self.confusion = self.confusion.permuted(order);
        self.config.classes = k;
        self.config.learn_classes = false;
        self.config.top_k = top_k;
        Ok(())
    }

    /// One sorted pass over probability column `j`: the one-vs-rest summary
    /// of class `j` and `u[b]` = weighted count of (item of class j, item of
    /// class b) pairs ranked correctly by score j, ties counting one half.
    fn column_pass(
        &self,
        j: usize,
        class_weight: &[f64],
        order: &mut Vec<Ranked>,
    ) -> (RankingSummary, Vec<f64>) {
        let k = self.config.classes;
        let weighted = !self.weights.is_empty();
        // The class travels with the key, so the walk below reads the sorted
        // buffer alone (no random access into the truth).
        order.clear();
        // An empty state has no columns yet: no rows to rank.
        order.extend(
            self.columns
                .get(j)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .zip(&self.truth)
                .enumerate()
                .map(|(i, (&p, &t))| Ranked {
                    key: order_key(p),
                    class: t,
                    row: i as u32,
                }),
        );
        order.sort_unstable_by_key(|e| e.key);
        let pos_total = class_weight[j];
        let neg_total: f64 = class_weight.iter().sum::<f64>() - pos_total;
        let mut builder =
            CurveBuilder::new(pos_total, neg_total, self.config.max_curve_points, false);
        let mut u = vec![0.0; k];
        let mut j_above = 0.0;
        // DeLong's placement values, summed as we go: each positive's share of
        // negatives below it, each negative's share of positives above it
        // (ties one half), with their squares.
        let mut others_above = 0.0;
        let mut moments = [0.0f64; 4];
        let mut end = order.len();
        let w_of = |e: &Ranked| {
            if weighted {
                self.weights[e.row as usize]
            } else {
                1.0
            }
        };
        while end > 0 {
            let key = order[end - 1].key;
            let mut start = end - 1;
            while start > 0 && order[start - 1].key == key {
                start -= 1;
            }
            let score = from_order_key(key);
            let group = &order[start..end];
            let mut j_here = 0.0;
            let mut others = 0.0;
            for e in group {
                if e.class as usize == j {
                    j_here += w_of(e);
                } else {
                    others += w_of(e);
                }
            }
            let credit = j_above + 0.5 * j_here;
            for e in group {
                if e.class as usize != j {
                    u[e.class as usize] += w_of(e) * credit;
                }
            }
            if neg_total > 0.0 && pos_total > 0.0 {
                let v10 = (neg_total - others_above - 0.5 * others) / neg_total;
                let v01 = credit / pos_total;
                moments[0] += j_here * v10;
                moments[1] += j_here * v10 * v10;
                moments[2] += others * v01;
                moments[3] += others * v01 * v01;
            }
            j_above += j_here;
            others_above += others;
            builder.push(TieGroup {
                threshold: score,
                positive: j_here,
                negative: others,
            });
            end = start;
        }
        let mut summary = builder.finish();
        summary.placement_moments = Some(moments);
        (summary, u)
    }

    /// Compute every multi-class metric.
    pub fn compute(&mut self) -> MulticlassReport {
        let total = self.confusion.total();
        let (mut m, mut per_class) = confusion_metrics(&self.confusion);

        let mut curves = None;
        let mut calibration = None;
        let no_probs = "needs probability columns";
        if self.inputs.probabilities {
            m.insert(
                "log_loss",
                MetricValue::ratio(self.log_loss_sum, total, "there are no items"),
            );
            m.insert(
                "brier_score",
                MetricValue::ratio(self.brier_sum, total, "there are no items"),
            );
            let auc = self.auc_metrics(&mut m, &mut per_class);
            curves = Some(auc);
            if let Some(top) = self.config.top_k {
                m.insert(
                    format!("top_{top}_accuracy"),
                    MetricValue::ratio(self.top_k_hits, total, "there are no items"),
                );
            }
            m.insert(
                "ece",
                MetricValue::from_option(self.calibration.ece(), "there are no items"),
            );
            m.insert(
                "mce",
                MetricValue::from_option(self.calibration.mce(), "there are no items"),
            );
            calibration = Some(self.calibration.table());
        } else {
            for id in [
                "log_loss",
                "brier_score",
                "roc_auc_ovr_macro",
                "roc_auc_ovr_weighted",
                "roc_auc_ovo_macro",
            ] {
                m.insert(id, MetricValue::undefined(no_probs));
            }
            if let Some(top) = self.config.top_k {
                m.insert(
                    format!("top_{top}_accuracy"),
                    MetricValue::undefined(no_probs),
                );
            }
            m.insert("ece", MetricValue::undefined(no_probs));
            m.insert("mce", MetricValue::undefined(no_probs));
        }
        m.insert("kl_divergence", self.confusion.kl_divergence());
        MulticlassReport {
            rows: self.rows,
            metrics: m,
            per_class,
            confusion: self.confusion.clone(),
            curves,
            calibration,
        }
    }

    fn auc_metrics(&self, m: &mut MetricSet, per_class: &mut [MetricSet]) -> Vec<RankingSummary> {
        let k = self.config.classes;
        // Class weights of the stored rows (equal to the confusion row sums up to rounding).
        let mut class_weight = vec![0.0; k];
        for (i, &t) in self.truth.iter().enumerate() {
            class_weight[t as usize] += if self.weights.is_empty() {
                1.0
            } else {
                self.weights[i]
            };
        }
        let passes: Vec<(RankingSummary, Vec<f64>)> = (0..k)
            .into_par_iter()
            .map_init(Vec::new, |order, j| {
                self.column_pass(j, &class_weight, order)
            })
            .collect();
        let missing: Vec<usize> = (0..k).filter(|&c| class_weight[c] == 0.0).collect();
        for (c, (summary, _)) in passes.iter().enumerate() {
            per_class[c].insert(
                "roc_auc",
                MetricValue::from_option(summary.roc_auc, crate::binary::one_class_reason(summary)),
            );
        }
        if missing.is_empty() {
            let ovr: Vec<Option<f64>> = passes.iter().map(|(s, _)| s.roc_auc).collect();
            m.insert(
                "roc_auc_ovr_macro",
                averaged(&ovr, None, "roc_auc", "class"),
            );
            m.insert(
                "roc_auc_ovr_weighted",
                averaged(&ovr, Some(&class_weight), "roc_auc", "class"),
            );
            let mut pair_sum = 0.0;
            let mut pairs = 0usize;
            for a in 0..k {
                for b in a + 1..k {
                    let pair_weight = class_weight[a] * class_weight[b];
                    let a_vs_b = passes[a].1[b] / pair_weight;
                    let b_vs_a = passes[b].1[a] / pair_weight;
                    pair_sum += (a_vs_b + b_vs_a) / 2.0;
                    pairs += 1;
                }
            }
            m.insert(
                "roc_auc_ovo_macro",
                MetricValue::ratio(pair_sum, pairs as f64, "there are no class pairs"),
            );
        } else {
            let reason = format!(
                "{} class(es) have no items in the truth (first: class #{}), so one-vs-rest AUC is undefined for them",
                missing.len(),
                missing[0]
            );
            for id in [
                "roc_auc_ovr_macro",
                "roc_auc_ovr_weighted",
                "roc_auc_ovo_macro",
            ] {
                m.insert(id, MetricValue::undefined(reason.clone()));
            }
        }
        passes.into_iter().map(|(s, _)| s).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_state_computes_without_rows() {
        // A partition with no rows (or a dry run) must merge and compute.
        let inputs = MulticlassInputs {
            probabilities: true,
            prediction: false,
            weight: false,
        };
        let mut state = MulticlassState::new(MulticlassConfig::new(3), inputs).unwrap();
        let report = state.compute();
        assert!(
            report
                .metrics
                .get("accuracy")
                .is_some_and(|m| m.value.is_none())
        );
        assert!(report.metrics.get("roc_auc_ovr_macro").is_some());
    }

    #[test]
    fn top_k_ties_follow_reversed_stable_argsort() {
        // Scores tie between classes 0 and 2: class 2 ranks first.
        let row = [0.4, 0.2, 0.4];
        assert!(in_top_k(&row, 2, 1));
        assert!(!in_top_k(&row, 0, 1));
        assert!(in_top_k(&row, 0, 2));
    }

    #[test]
    fn argmax_takes_first_of_ties() {
        assert_eq!(argmax(&[0.3, 0.4, 0.4, 0.1]), 1);
    }
}
