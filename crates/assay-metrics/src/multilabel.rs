//! Multi-label classification: every item carries a set of labels; per label a
//! truth, a score and/or a hard prediction.
//!
//! Conventions, as scikit-learn computes them with the `zero_division`
//! setting named: per-label and micro/macro/weighted precision, recall and F1
//! leave undefined labels out of the average (`zero_division=nan`); `samples`
//! averages and every Jaccard score count an empty true and empty predicted
//! set as a perfect match (`zero_division=1`).

use crate::batch::{BatchError, Field, check_len, check_scores, check_weights, weight_at};
use crate::confusion::BinaryCounts;
use crate::ranking::{CurveMode, RankingState, RankingSummary};
use crate::value::{MetricSet, MetricValue, averaged};

/// Settings of a multi-label assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct MultilabelConfig {
    /// Number of labels (≥ 1).
    pub labels: usize,
    /// Scores at or above this are predicted present (when no prediction columns are given).
    pub threshold: f64,
    /// Whether scores are probabilities (then they must lie in [0, 1]).
    pub probabilities: bool,
    /// Exact or binned curves.
    pub curve_mode: CurveMode,
    /// Curve points kept per label for plotting.
    pub max_curve_points: usize,
    /// Keep the rows (for intervals that resample them); memory grows with the rows.
    pub keep_rows: bool,
}

impl MultilabelConfig {
    /// Defaults for `labels` labels.
    pub fn new(labels: usize) -> Self {
        Self {
            labels,
            threshold: 0.5,
            probabilities: true,
            curve_mode: CurveMode::Exact,
            max_curve_points: 200,
            keep_rows: false,
        }
    }
}

/// Which inputs the assessment has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultilabelInputs {
    /// One score column per label.
    pub scores: bool,
    /// One prediction column per label.
    pub prediction: bool,
    /// A weight column.
    pub weight: bool,
}

/// One batch of multi-label rows, row-major with `labels` entries per item.
#[derive(Debug, Clone, Copy)]
pub struct MultilabelBatch<'a> {
    /// Whether each label is present in the truth.
    pub truth: &'a [bool],
    /// Score of each label.
    pub scores: Option<&'a [f64]>,
    /// Whether each label is predicted.
    pub prediction: Option<&'a [bool]>,
    /// Sample weights, one per item.
    pub weight: Option<&'a [f64]>,
}

/// Kept rows of a multi-label state, row-major.
#[derive(Debug, Clone, Copy)]
pub struct StoredRows<'a> {
    /// Truth flags.
    pub truth: &'a [bool],
    /// Scores, when the state has them.
    pub scores: Option<&'a [f64]>,
    /// Predictions, when the state has them.
    pub prediction: Option<&'a [bool]>,
    /// Weights, when the state has them.
    pub weight: Option<&'a [f64]>,
}

/// Mergeable state of a multi-label assessment.
#[derive(Debug, Clone)]
pub struct MultilabelState {
    config: MultilabelConfig,
    inputs: MultilabelInputs,
    rows: u64,
    weight_sum: f64,
    counts: Vec<BinaryCounts>,
    ranking: Vec<RankingState>,
    mismatches: f64,
    exact: f64,
    jaccard_samples: f64,
    precision_samples: f64,
    recall_samples: f64,
    f1_samples: f64,
    kept: KeptRows,
}

/// Rows kept for resampling (row-major, `labels` per row).
#[derive(Debug, Clone, Default)]
struct KeptRows {
    truth: Vec<bool>,
    scores: Vec<f64>,
    prediction: Vec<bool>,
    weight: Vec<f64>,
}

/// Everything computed from a multi-label state.
#[derive(Debug, Clone)]
pub struct MultilabelReport {
    /// Number of items.
    pub rows: u64,
    /// Metrics by id.
    pub metrics: MetricSet,
    /// Per-label metrics, indexed by label.
    pub per_label: Vec<MetricSet>,
    /// Per-label confusion counts.
    pub counts: Vec<BinaryCounts>,
    /// Per-label curves (when there are scores).
    pub curves: Option<Vec<RankingSummary>>,
}

/// Rows picked out of a multi-label batch (owned, row-major).
#[derive(Debug, Clone, Default)]
pub struct MultilabelRows {
    truth: Vec<bool>,
    scores: Option<Vec<f64>>,
    prediction: Option<Vec<bool>>,
    weight: Option<Vec<f64>>,
}

crate::state::delegate_state!(
    MultilabelState,
    MultilabelConfig,
    MultilabelInputs,
    MultilabelBatch,
    MultilabelRows,
    MultilabelReport,
    {
        fn pick(
            config: &MultilabelConfig,
            batch: &MultilabelBatch<'_>,
            rows: &[usize],
        ) -> MultilabelRows {
            use crate::state::{pick, pick_rows};
            let width = config.labels;
            MultilabelRows {
                truth: pick_rows(batch.truth, width, rows),
                scores: batch.scores.map(|s| pick_rows(s, width, rows)),
                prediction: batch.prediction.map(|p| pick_rows(p, width, rows)),
                weight: batch.weight.map(|w| pick(w, rows)),
            }
        }

        fn batch(rows: &MultilabelRows) -> MultilabelBatch<'_> {
            MultilabelBatch {
                truth: &rows.truth,
                scores: rows.scores.as_deref(),
                prediction: rows.prediction.as_deref(),
                weight: rows.weight.as_deref(),
            }
        }
    }
);

impl MultilabelState {
    /// The one-shot form: a fresh state, one update, one compute. The same
    /// code path as streaming use, so both give the same numbers.
    pub fn evaluate(
        config: MultilabelConfig,
        batch: &MultilabelBatch<'_>,
    ) -> Result<MultilabelReport, BatchError> {
        let inputs = MultilabelInputs {
            scores: batch.scores.is_some(),
            prediction: batch.prediction.is_some(),
            weight: batch.weight.is_some(),
        };
        let mut state = Self::new(config, inputs)?;
        state.update(batch)?;
        Ok(state.compute())
    }

    /// An empty state.
    pub fn new(config: MultilabelConfig, inputs: MultilabelInputs) -> Result<Self, BatchError> {
        if !inputs.scores && !inputs.prediction {
            return Err(BatchError::Inputs(
                "needs score columns or prediction columns",
            ));
        }
        if config.labels == 0 {
            return Err(BatchError::Inputs("needs at least one label"));
        }
        Ok(Self {
            counts: vec![BinaryCounts::default(); config.labels],
            ranking: (0..config.labels)
                .map(|_| RankingState::new(config.curve_mode))
                .collect(),
            config,
            inputs,
            rows: 0,
            weight_sum: 0.0,
            mismatches: 0.0,
            exact: 0.0,
            jaccard_samples: 0.0,
            precision_samples: 0.0,
            recall_samples: 0.0,
            f1_samples: 0.0,
            kept: KeptRows::default(),
        })
    }

    /// Check a batch without changing the state.
    pub fn validate(&self, batch: &MultilabelBatch<'_>) -> Result<(), BatchError> {
        let l = self.config.labels;
        if batch.scores.is_some() != self.inputs.scores
            || batch.prediction.is_some() != self.inputs.prediction
            || batch.weight.is_some() != self.inputs.weight
        {
            return Err(BatchError::Inputs(
                "does not carry the columns the state was built for",
            ));
        }
        if !batch.truth.len().is_multiple_of(l) {
            return Err(BatchError::Length {
                field: Field::Truth(None),
                expected: l,
                got: batch.truth.len() % l,
            });
        }
        let n = batch.truth.len() / l;
        if let Some(s) = batch.scores {
            check_len(Field::Score(None), n * l, s.len())?;
            check_scores(s, l, self.config.probabilities)?;
        }
        if let Some(p) = batch.prediction {
            check_len(Field::Prediction(None), n * l, p.len())?;
        }
        check_weights(batch.weight, n)
    }

    /// Add a batch. On error nothing is added.
    pub fn update(&mut self, batch: &MultilabelBatch<'_>) -> Result<(), BatchError> {
        self.validate(batch)?;
        let l = self.config.labels;
        let n = batch.truth.len() / l;
        for i in 0..n {
            let w = weight_at(batch.weight, i);
            let (mut tp, mut t_count, mut p_count, mut mismatches) =
                (0usize, 0usize, 0usize, 0usize);
            for j in 0..l {
                let idx = i * l + j;
                let truth = batch.truth[idx];
                let predicted = match (batch.prediction, batch.scores) {
                    (Some(p), _) => p[idx],
                    (None, Some(s)) => s[idx] >= self.config.threshold,
                    (None, None) => unreachable!("validated: scores or predictions are present"),
                };
                self.counts[j].add(truth, predicted, w);
                if let Some(s) = batch.scores {
                    self.ranking[j].push(s[idx], truth, w);
                }
                tp += usize::from(truth && predicted);
                t_count += usize::from(truth);
                p_count += usize::from(predicted);
                mismatches += usize::from(truth != predicted);
            }
            let ratio = |num: usize, den: usize| {
                if den == 0 {
                    1.0
                } else {
                    num as f64 / den as f64
                }
            };
            self.mismatches += w * mismatches as f64;
            if mismatches == 0 {
                self.exact += w;
            }
            self.jaccard_samples += w * ratio(tp, t_count + p_count - tp);
            self.precision_samples += w * ratio(tp, p_count);
            self.recall_samples += w * ratio(tp, t_count);
            self.f1_samples += w * ratio(2 * tp, t_count + p_count);
            self.weight_sum += w;
        }
        self.rows += n as u64;
        if self.config.keep_rows {
            self.kept.truth.extend_from_slice(batch.truth);
            if let Some(s) = batch.scores {
                self.kept.scores.extend_from_slice(s);
            }
            if let Some(p) = batch.prediction {
                self.kept.prediction.extend_from_slice(p);
            }
            if let Some(w) = batch.weight {
                self.kept.weight.extend_from_slice(w);
            }
        }
        Ok(())
    }

    /// The settings.
    pub fn config(&self) -> &MultilabelConfig {
        &self.config
    }

    /// The kept rows (with `keep_rows`): truth, scores and predictions
    /// row-major, and weights; absent inputs are `None`.
    pub fn stored_rows(&self) -> Option<StoredRows<'_>> {
        self.config.keep_rows.then(|| StoredRows {
            truth: &self.kept.truth,
            scores: self.inputs.scores.then_some(self.kept.scores.as_slice()),
            prediction: self
                .inputs
                .prediction
                .then_some(self.kept.prediction.as_slice()),
            weight: self.inputs.weight.then_some(self.kept.weight.as_slice()),
        })
    }

    /// Fold in another state built with the same settings and inputs.
    pub fn merge(&mut self, other: MultilabelState) -> Result<(), crate::MergeError> {
        if other.config != self.config || other.inputs != self.inputs {
            return Err(crate::MergeError::ConfigMismatch);
        }
        self.rows += other.rows;
        self.weight_sum += other.weight_sum;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            a.merge(b);
        }
        for (a, b) in self.ranking.iter_mut().zip(other.ranking) {
            a.merge(b)?;
        }
        self.mismatches += other.mismatches;
        self.exact += other.exact;
        self.jaccard_samples += other.jaccard_samples;
        self.precision_samples += other.precision_samples;
        self.recall_samples += other.recall_samples;
        self.f1_samples += other.f1_samples;
        self.kept.truth.extend(other.kept.truth);
        self.kept.scores.extend(other.kept.scores);
        self.kept.prediction.extend(other.kept.prediction);
        self.kept.weight.extend(other.kept.weight);
        Ok(())
    }

    /// Compute every multi-label metric.
    pub fn compute(&mut self) -> MultilabelReport {
        let l = self.config.labels;
        let ws = self.weight_sum;
        let none = "there are no items";
        let mut m = MetricSet::new();
        m.insert(
            "hamming_loss",
            MetricValue::ratio(self.mismatches, ws * l as f64, none),
        );
        m.insert("exact_match", MetricValue::ratio(self.exact, ws, none));
        m.insert(
            "jaccard_samples",
            MetricValue::ratio(self.jaccard_samples, ws, none),
        );
        let jaccard: Vec<Option<f64>> = self.counts.iter().map(|c| Some(c.jaccard())).collect();
        m.insert(
            "jaccard_macro",
            averaged(&jaccard, None, "jaccard", "label"),
        );
        let mut sum = BinaryCounts::default();
        for c in &self.counts {
            sum.merge(c);
        }
        m.insert("jaccard_micro", MetricValue::defined(sum.jaccard()));

        let support: Vec<f64> = self.counts.iter().map(|c| c.tp + c.fn_).collect();
        let precision: Vec<_> = self.counts.iter().map(|c| c.precision().value).collect();
        let recall: Vec<_> = self.counts.iter().map(|c| c.recall().value).collect();
        let f1: Vec<_> = self.counts.iter().map(|c| c.fbeta(1.0).value).collect();
        let samples = [self.precision_samples, self.recall_samples, self.f1_samples];
        let micro = [sum.precision(), sum.recall(), sum.fbeta(1.0)];
        for (i, (name, values)) in [("precision", &precision), ("recall", &recall), ("f1", &f1)]
            .into_iter()
            .enumerate()
        {
            m.insert(
                format!("{name}_macro"),
                averaged(values, None, name, "label"),
            );
            m.insert(format!("{name}_micro"), micro[i].clone());
            m.insert(
                format!("{name}_weighted"),
                averaged(values, Some(&support), name, "label"),
            );
            m.insert(
                format!("{name}_samples"),
                MetricValue::ratio(samples[i], ws, none),
            );
        }

        let mut per_label: Vec<MetricSet> = self
            .counts
            .iter()
            .map(|c| {
                let mut s = MetricSet::new();
                s.insert("precision", c.precision());
                s.insert("recall", c.recall());
                s.insert("specificity", c.specificity());
                s.insert("f1", c.fbeta(1.0));
                s.insert("support", MetricValue::defined(c.tp + c.fn_));
                s
            })
            .collect();

        let curves = self.inputs.scores.then(|| {
            let max_points = self.config.max_curve_points;
            let summaries: Vec<RankingSummary> = self
                .ranking
                .iter_mut()
                .map(|r| r.summarize(max_points))
                .collect();
            let mut auc_all = Vec::with_capacity(l);
            let mut ap_all = Vec::with_capacity(l);
            for (j, s) in summaries.iter().enumerate() {
                let mut auc =
                    MetricValue::from_option(s.roc_auc, crate::binary::one_class_reason(s));
                if let Some(b) = s.roc_auc_error_bound {
                    auc = auc.with_error_bound(b);
                }
                per_label[j].insert("roc_auc", auc);
                per_label[j].insert(
                    "average_precision",
                    MetricValue::from_option(
                        s.average_precision,
                        "no item has this label in the truth",
                    ),
                );
                auc_all.push(s.roc_auc);
                ap_all.push(s.average_precision);
            }
            m.insert(
                "roc_auc_macro",
                all_or_nothing(&auc_all, "roc_auc", "has only one class in the truth"),
            );
            m.insert(
                "average_precision_macro",
                all_or_nothing(
                    &ap_all,
                    "average_precision",
                    "has no positive item in the truth",
                ),
            );
            summaries
        });
        if curves.is_none() {
            for id in ["roc_auc_macro", "average_precision_macro"] {
                m.insert(id, MetricValue::undefined("needs score columns"));
            }
        }
        MultilabelReport {
            rows: self.rows,
            metrics: m,
            per_label,
            counts: self.counts.clone(),
            curves,
        }
    }
}

/// Mean of the values, undefined when any one is (scikit-learn raises there).
fn all_or_nothing(values: &[Option<f64>], what: &str, why: &str) -> MetricValue {
    match values.iter().position(Option::is_none) {
        Some(j) => {
            MetricValue::undefined(format!("{what} is undefined for label #{j}, which {why}"))
        }
        None => {
            let sum: f64 = values.iter().flatten().sum();
            MetricValue::defined(sum / values.len() as f64)
        }
    }
}
