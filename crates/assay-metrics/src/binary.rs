//! Binary classification: one positive class, a score and/or a hard prediction.

use crate::batch::{BatchError, Field, check_len, check_scores, check_weights, weight_at};
use crate::calibration::{CalibrationBin, CalibrationBins};
use crate::confusion::{BinaryCounts, kl_divergence};
use crate::ranking::{CurveMode, RankingState, RankingSummary};
use crate::value::{MetricSet, MetricValue};

/// Settings of a binary assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryConfig {
    /// Scores at or above this are predicted positive (when no prediction column is given).
    pub threshold: f64,
    /// β of the F-beta score.
    pub beta: f64,
    /// Number of equal-width calibration bins.
    pub calibration_bins: usize,
    /// Whether scores are probabilities of the positive class (enables log loss,
    /// Brier score and calibration; scores must then lie in [0, 1]).
    pub probabilities: bool,
    /// Exact or binned curves.
    pub curve_mode: CurveMode,
    /// Curve points kept for plotting.
    pub max_curve_points: usize,
    /// Keep the rows (for intervals on weighted data, which resample them).
    pub keep_rows: bool,
}

impl Default for BinaryConfig {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            beta: 1.0,
            calibration_bins: 10,
            probabilities: true,
            curve_mode: CurveMode::Exact,
            max_curve_points: 1000,
            keep_rows: false,
        }
    }
}

/// Which inputs the assessment has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinaryInputs {
    /// A score column.
    pub score: bool,
    /// A hard prediction column.
    pub prediction: bool,
    /// A weight column.
    pub weight: bool,
}

/// One batch of binary rows. All slices have the truth's length.
#[derive(Debug, Clone, Copy)]
pub struct BinaryBatch<'a> {
    /// Whether each item is positive.
    pub truth: &'a [bool],
    /// Score of the positive class.
    pub score: Option<&'a [f64]>,
    /// Hard prediction: positive or not.
    pub prediction: Option<&'a [bool]>,
    /// Sample weights.
    pub weight: Option<&'a [f64]>,
}

/// Mergeable state of a binary assessment.
#[derive(Debug, Clone)]
pub struct BinaryState {
    config: BinaryConfig,
    inputs: BinaryInputs,
    rows: u64,
    counts: BinaryCounts,
    log_loss_sum: f64,
    brier_sum: f64,
    /// Sums of squared per-item losses (weighted), for large-sample intervals.
    log_loss_sq: f64,
    brier_sq: f64,
    calibration: CalibrationBins,
    ranking: RankingState,
    kept: KeptRows,
}

/// Rows kept for resampling.
#[derive(Debug, Clone, Default)]
struct KeptRows {
    truth: Vec<bool>,
    score: Vec<f64>,
    prediction: Vec<bool>,
    weight: Vec<f64>,
}

/// The rows a state kept (`keep_rows`); absent inputs are `None`.
#[derive(Debug, Clone, Copy)]
pub struct StoredRows<'a> {
    /// Truth.
    pub truth: &'a [bool],
    /// Scores.
    pub score: Option<&'a [f64]>,
    /// Predictions.
    pub prediction: Option<&'a [bool]>,
    /// Weights.
    pub weight: Option<&'a [f64]>,
}

/// Everything computed from a binary state.
#[derive(Debug, Clone)]
pub struct BinaryReport {
    /// Number of rows.
    pub rows: u64,
    /// Metrics by id.
    pub metrics: MetricSet,
    /// The confusion counts at the decision threshold.
    pub counts: BinaryCounts,
    /// Curves and ranking metrics (when there is a score).
    pub ranking: Option<RankingSummary>,
    /// Non-empty calibration bins (when scores are probabilities).
    pub calibration: Option<Vec<CalibrationBin>>,
}

/// Rows picked out of a binary batch (owned).
#[derive(Debug, Clone, Default)]
pub struct BinaryRows {
    truth: Vec<bool>,
    score: Option<Vec<f64>>,
    prediction: Option<Vec<bool>>,
    weight: Option<Vec<f64>>,
}

crate::state::delegate_state!(
    BinaryState,
    BinaryConfig,
    BinaryInputs,
    BinaryBatch,
    BinaryRows,
    BinaryReport,
    {
        fn pick(_: &BinaryConfig, batch: &BinaryBatch<'_>, rows: &[usize]) -> BinaryRows {
            use crate::state::pick;
            BinaryRows {
                truth: pick(batch.truth, rows),
                score: batch.score.map(|s| pick(s, rows)),
                prediction: batch.prediction.map(|p| pick(p, rows)),
                weight: batch.weight.map(|w| pick(w, rows)),
            }
        }

        fn batch(rows: &BinaryRows) -> BinaryBatch<'_> {
            BinaryBatch {
                truth: &rows.truth,
                score: rows.score.as_deref(),
                prediction: rows.prediction.as_deref(),
                weight: rows.weight.as_deref(),
            }
        }
    }
);

/// Natural log of `p` clipped to [ε, 1 − ε] with ε the f64 machine epsilon, as scikit-learn's `log_loss`.
#[inline]
pub(crate) fn clipped_ln(p: f64) -> f64 {
    p.clamp(f64::EPSILON, 1.0 - f64::EPSILON).ln()
}

impl BinaryState {
    /// The one-shot form: a fresh state, one update, one compute. The same
    /// code path as streaming use, so both give the same numbers.
    pub fn evaluate(
        config: BinaryConfig,
        batch: &BinaryBatch<'_>,
    ) -> Result<BinaryReport, BatchError> {
        let inputs = BinaryInputs {
            score: batch.score.is_some(),
            prediction: batch.prediction.is_some(),
            weight: batch.weight.is_some(),
        };
        let mut state = Self::new(config, inputs)?;
        state.update(batch)?;
        Ok(state.compute())
    }

    /// An empty state. At least a score or a prediction is required.
    pub fn new(config: BinaryConfig, inputs: BinaryInputs) -> Result<Self, BatchError> {
        if !inputs.score && !inputs.prediction {
            return Err(BatchError::Inputs("needs a score or a prediction column"));
        }
        Ok(Self {
            calibration: CalibrationBins::new(config.calibration_bins),
            ranking: RankingState::new(config.curve_mode),
            config,
            inputs,
            rows: 0,
            counts: BinaryCounts::default(),
            log_loss_sum: 0.0,
            brier_sum: 0.0,
            log_loss_sq: 0.0,
            brier_sq: 0.0,
            kept: KeptRows::default(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &BinaryConfig {
        &self.config
    }

    /// Sums of the per-item log loss and Brier score and of their squares,
    /// `[(Σ log loss, Σ log loss²), (Σ brier, Σ brier²)]`, for large-sample
    /// intervals of the means.
    pub fn loss_moments(&self) -> [(f64, f64); 2] {
        [
            (self.log_loss_sum, self.log_loss_sq),
            (self.brier_sum, self.brier_sq),
        ]
    }

    /// The stored scores (for intervals that need the rows).
    pub fn ranking_mut(&mut self) -> &mut RankingState {
        &mut self.ranking
    }

    /// The kept rows, with `keep_rows`.
    pub fn stored_rows(&self) -> Option<StoredRows<'_>> {
        self.config.keep_rows.then(|| StoredRows {
            truth: &self.kept.truth,
            score: self.inputs.score.then_some(self.kept.score.as_slice()),
            prediction: self
                .inputs
                .prediction
                .then_some(self.kept.prediction.as_slice()),
            weight: self.inputs.weight.then_some(self.kept.weight.as_slice()),
        })
    }

    /// Which inputs the state was built for.
    pub fn inputs(&self) -> BinaryInputs {
        self.inputs
    }

    /// Check a batch without changing the state.
    pub fn validate(&self, batch: &BinaryBatch<'_>) -> Result<(), BatchError> {
        let n = batch.truth.len();
        if batch.score.is_some() != self.inputs.score
            || batch.prediction.is_some() != self.inputs.prediction
            || batch.weight.is_some() != self.inputs.weight
        {
            return Err(BatchError::Inputs(
                "does not carry the columns the state was built for",
            ));
        }
        if let Some(s) = batch.score {
            check_len(Field::Score(None), n, s.len())?;
            check_scores(s, 1, self.config.probabilities)?;
        }
        if let Some(p) = batch.prediction {
            check_len(Field::Prediction(None), n, p.len())?;
        }
        check_weights(batch.weight, n)
    }

    /// Add a batch. On error nothing is added.
    pub fn update(&mut self, batch: &BinaryBatch<'_>) -> Result<(), BatchError> {
        self.validate(batch)?;
        let probabilities = self.config.probabilities;
        for (i, &truth) in batch.truth.iter().enumerate() {
            let w = weight_at(batch.weight, i);
            let predicted = match (batch.prediction, batch.score) {
                (Some(p), _) => p[i],
                (None, Some(s)) => s[i] >= self.config.threshold,
                (None, None) => unreachable!("validated: a score or a prediction is present"),
            };
            self.counts.add(truth, predicted, w);
            if let Some(s) = batch.score {
                let p = s[i];
                self.ranking.push(p, truth, w);
                if probabilities {
                    let loss = -if truth {
                        clipped_ln(p)
                    } else {
                        clipped_ln(1.0 - p)
                    };
                    self.log_loss_sum += w * loss;
                    self.log_loss_sq += w * loss * loss;
                    let y = if truth { 1.0 } else { 0.0 };
                    let brier = (y - p) * (y - p);
                    self.brier_sum += w * brier;
                    self.brier_sq += w * brier * brier;
                    self.calibration.push(p, truth, w);
                }
            }
        }
        self.rows += batch.truth.len() as u64;
        if self.config.keep_rows {
            self.kept.truth.extend_from_slice(batch.truth);
            self.kept
                .score
                .extend_from_slice(batch.score.unwrap_or(&[]));
            self.kept
                .prediction
                .extend_from_slice(batch.prediction.unwrap_or(&[]));
            self.kept
                .weight
                .extend_from_slice(batch.weight.unwrap_or(&[]));
        }
        Ok(())
    }

    /// Fold in another state built with the same settings and inputs.
    pub fn merge(&mut self, other: BinaryState) -> Result<(), crate::MergeError> {
        if other.config != self.config || other.inputs != self.inputs {
            return Err(crate::MergeError::ConfigMismatch);
        }
        self.rows += other.rows;
        self.counts.merge(&other.counts);
        self.log_loss_sum += other.log_loss_sum;
        self.brier_sum += other.brier_sum;
        self.log_loss_sq += other.log_loss_sq;
        self.brier_sq += other.brier_sq;
        self.calibration.merge(&other.calibration)?;
        self.kept.truth.extend(other.kept.truth);
        self.kept.score.extend(other.kept.score);
        self.kept.prediction.extend(other.kept.prediction);
        self.kept.weight.extend(other.kept.weight);
        self.ranking.merge(other.ranking)
    }

    /// Compute every binary metric. Sorts stored scores in place; the state
    /// stays usable.
    pub fn compute(&mut self) -> BinaryReport {
        let c = self.counts;
        let mut m = MetricSet::new();
        let total = c.total();
        m.insert(
            "accuracy",
            MetricValue::ratio(c.tp + c.tn, total, "there are no items"),
        );
        m.insert("balanced_accuracy", c.matrix().balanced_accuracy());
        m.insert("precision", c.precision());
        m.insert("recall", c.recall());
        m.insert("specificity", c.specificity());
        m.insert("fpr", c.fpr());
        m.insert("fnr", c.fnr());
        m.insert("npv", c.npv());
        m.insert("f1", c.fbeta(1.0));
        m.insert("fbeta", c.fbeta(self.config.beta));
        m.insert("mcc", c.matrix().mcc());
        m.insert("cohen_kappa", c.matrix().cohen_kappa());

        let ranking = self
            .inputs
            .score
            .then(|| self.ranking.summarize(self.config.max_curve_points));
        let no_score = "needs a score column";
        match &ranking {
            Some(r) => {
                let mut auc = MetricValue::from_option(r.roc_auc, one_class_reason(r));
                if let Some(b) = r.roc_auc_error_bound {
                    auc = auc.with_error_bound(b);
                }
                m.insert("roc_auc", auc);
                m.insert(
                    "average_precision",
                    MetricValue::from_option(
                        r.average_precision,
                        "no item is positive in the truth",
                    ),
                );
                m.insert(
                    "pr_auc",
                    MetricValue::from_option(r.pr_auc, "no item is positive in the truth"),
                );
            }
            None => {
                for id in ["roc_auc", "average_precision", "pr_auc"] {
                    m.insert(id, MetricValue::undefined(no_score));
                }
            }
        }
        let probabilistic = self.inputs.score && self.config.probabilities;
        if probabilistic {
            m.insert(
                "log_loss",
                MetricValue::ratio(self.log_loss_sum, total, "there are no items"),
            );
            m.insert(
                "brier_score",
                MetricValue::ratio(self.brier_sum, total, "there are no items"),
            );
            m.insert(
                "ece",
                MetricValue::from_option(self.calibration.ece(), "there are no items"),
            );
            m.insert(
                "mce",
                MetricValue::from_option(self.calibration.mce(), "there are no items"),
            );
        } else {
            let reason = if self.inputs.score {
                "needs scores that are probabilities"
            } else {
                no_score
            };
            for id in ["log_loss", "brier_score", "ece", "mce"] {
                m.insert(id, MetricValue::undefined(reason));
            }
        }
        m.insert(
            "kl_divergence",
            kl_divergence(&[c.tn + c.fp, c.tp + c.fn_], &[c.tn + c.fn_, c.tp + c.fp]),
        );
        BinaryReport {
            rows: self.rows,
            metrics: m,
            counts: c,
            ranking,
            calibration: probabilistic.then(|| self.calibration.table()),
        }
    }
}

pub(crate) fn one_class_reason(r: &RankingSummary) -> &'static str {
    if r.positive_weight == 0.0 && r.negative_weight == 0.0 {
        "there are no items"
    } else if r.positive_weight == 0.0 {
        "only negative items are present in the truth"
    } else {
        "only positive items are present in the truth"
    }
}
