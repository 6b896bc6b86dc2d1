//! The eval result (`assay/eval-result/v1`, what `assay eval --json`
//! writes and the assessment record holds under `/evaluation`): metrics with
//! their intervals, per class, confusion counts, curves, slices, criteria;
//! and the comparison with a baseline (`assay/compare-result/v1`).

use assay_metrics::calibration::CalibrationBin;
use assay_metrics::ranking::{CurveMode, GainsCurve, PrCurve, RocCurve};
use assay_metrics::value::Interval;
use assay_metrics::{MetricSet, OrderedMap, ScoreKind, Task};
use assay_stats::compare::{Conclusion, DeLongPaired, Hypothesis, McNemar};
use assay_stats::decision::DecisionRule;
use assay_stats::slices::Correction;
use serde::{Deserialize, Serialize};

/// The schema id of a comparison's result.
pub const COMPARE_SCHEMA: &str = "assay/compare-result/v1";

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Every criterion (and comparison) holds.
    #[serde(rename = "pass")]
    Pass,
    /// One does not.
    #[serde(rename = "fail")]
    Fail,
    /// Nothing was stated to judge.
    #[serde(rename = "not judged")]
    NotJudged,
}

impl Outcome {
    /// `pass` or `fail`.
    pub fn of(passed: bool) -> Outcome {
        if passed { Outcome::Pass } else { Outcome::Fail }
    }

    /// The word in the record: `pass`, `fail`, `not judged`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotJudged => "not judged",
        }
    }
}

impl PartialEq<&str> for Outcome {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The schema id written into every result.
pub const SCHEMA_ID: &str = "assay/eval-result/v1";

/// The tool that computed the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `assay`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// What was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputInfo {
    /// The file(s) as given.
    pub paths: Vec<String>,
    /// The format.
    pub format: String,
    /// Role → column name(s).
    pub columns: OrderedMap<Vec<String>>,
}

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    /// Decision threshold on scores (binary, multi-label).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// β of `fbeta` (binary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Calibration bins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration_bins: Option<usize>,
    /// k of top-k accuracy (multi-class).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<usize>,
    /// Row-sum tolerance for class probabilities (multi-class).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum_tolerance: Option<f64>,
    /// Whether scores are probabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_kind: Option<ScoreKind>,
    /// Exact or binned curves.
    pub curves: CurveMode,
    /// Curve points kept per curve.
    pub curve_points: usize,
    /// How confidence intervals were computed (absent when they were not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intervals: Option<IntervalInfo>,
}

/// The interval settings in force, and what was left without one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalInfo {
    /// Confidence level.
    pub level: f64,
    /// Bootstrap replicates.
    pub bootstrap_replicates: usize,
    /// Seed of the bootstrap streams.
    pub seed: u64,
    /// `wilson` or `clopper-pearson`.
    pub proportion: assay_stats::binary::ProportionMethod,
    /// `percentile` or `bca`.
    pub bootstrap: assay_stats::bootstrap::Method,
    /// Whether cell bootstraps resample within each true class.
    pub stratified: bool,
    /// Why some or all metrics have no interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Confusion counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionOut {
    /// Class (or label) names, in matrix order.
    pub labels: Vec<String>,
    /// Binary / multi-class: rows are the truth, columns the prediction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<Vec<Vec<f64>>>,
    /// Multi-label: per label `[[tn, fp], [fn, tp]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_label: Option<Vec<[[f64; 2]; 2]>>,
}

/// One score's curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCurves {
    /// Distinct thresholds in the data (before thinning for plots).
    pub thresholds_total: usize,
    /// ROC points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc: Option<RocCurve>,
    /// Precision–recall points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr: Option<PrCurve>,
    /// Cumulative gains and lift.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gains: Option<GainsCurve>,
}

/// Curves for plots.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CurvesOut {
    /// Binary: curves of the score.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub score: Option<ScoreCurves>,
    /// Binary, unweighted: pointwise confidence band of the ROC curve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_band: Option<assay_stats::roc_band::RocBand>,
    /// Reliability diagram bins (binary: positive-class probability; multi-class: top-label confidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Vec<CalibrationBin>>,
    /// Multi-class: one-vs-rest curves per class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_class: Option<OrderedMap<ScoreCurves>>,
    /// Multi-label: curves per label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_label: Option<OrderedMap<ScoreCurves>>,
    /// Regression: points for the predicted-against-true and residual plots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression: Option<RegressionCurves>,
    /// Clustering: the clusters' sizes, the contingency table and the
    /// silhouette per cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustering: Option<ClusteringCurves>,
}

/// Clustering: what the tables and plots show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusteringCurves {
    /// The clusters, sorted (integers ascending, then texts).
    pub clusters: Vec<String>,
    /// Items per cluster, in that order.
    pub sizes: Vec<u64>,
    /// The ground-truth classes, sorted (empty without them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Items of each class (rows) in each cluster (columns), when there
    /// are classes and at most 10 000 cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contingency: Option<Vec<Vec<u64>>>,
    /// The mean silhouette of each cluster's points (`None` for a cluster
    /// with none among the points it was computed over), when there are features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silhouette: Option<Vec<Option<f64>>>,
    /// Points the silhouette was computed over, and whether they are a
    /// seeded sample of the items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silhouette_points: Option<SilhouettePoints>,
}

/// The points the silhouette was computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilhouettePoints {
    /// How many.
    pub points: u64,
    /// Whether a seeded sample of the items (else all of them).
    pub sampled: bool,
}

/// Regression: what the plots draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionCurves {
    /// (target, prediction) of at most 2000 rows, taken evenly over the
    /// rows in their order.
    pub points: Vec<[f64; 2]>,
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalResult {
    /// Schema id ([`SCHEMA_ID`]).
    pub schema: String,
    /// The tool and version.
    pub tool: Tool,
    /// The task.
    pub task: Task,
    /// Number of items (rows).
    pub n: u64,
    /// Sum of the sample weights, when a weight column was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_weight: Option<f64>,
    /// Classes (binary: negative then positive; multi-label: the labels).
    pub classes: Vec<String>,
    /// Binary: the positive class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    /// What was read.
    pub input: InputInfo,
    /// The settings in force.
    pub parameters: Parameters,
    /// Metric id → value.
    pub metrics: MetricSet,
    /// Binary and multi-class: metrics per class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_class: Option<OrderedMap<MetricSet>>,
    /// Multi-label: metrics per label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_label: Option<OrderedMap<MetricSet>>,
    /// Confusion counts.
    pub confusion_matrix: ConfusionOut,
    /// Curves for plots.
    pub curves: CurvesOut,
    /// Metrics per slice, each slice tested against the rest (binary, with --slice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slices: Option<SlicesOut>,
    /// Each acceptance criterion's verdict (when criteria were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<Judgement>>,
    /// `pass` when every criterion is met, `fail` otherwise (when criteria were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Outcome>,
}

impl EvalResult {
    /// The value a criterion is about: the metric overall, or of its class
    /// (or label).
    pub fn criterion_metric(&self, criterion: &Criterion) -> Option<&assay_metrics::MetricValue> {
        match &criterion.class {
            None => self.metrics.get(&criterion.metric),
            Some(class) => self
                .per_class
                .as_ref()
                .or(self.per_label.as_ref())
                .and_then(|t| t.get(class))
                .and_then(|s| s.get(&criterion.metric)),
        }
    }

    /// The result as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results hold only finite numbers and strings")
    }
}

/// One slice against the rest on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceTest {
    /// The slice's value.
    pub slice: Option<f64>,
    /// The value on all other items.
    pub rest: Option<f64>,
    /// Power to see the stated effect (proportions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<f64>,
    /// Unadjusted two-sided p-value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// p-value after the multiple-comparison correction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted_p: Option<f64>,
    /// What the test shows.
    pub status: SliceStatus,
}

/// What a slice's test against the rest shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SliceStatus {
    /// The slice differs from the rest (after the correction).
    #[serde(rename = "differs")]
    Differs,
    /// The test was made and shows no difference.
    #[serde(rename = "no difference shown")]
    NoDifferenceShown,
    /// Too few items or too little power to support a conclusion.
    #[serde(rename = "insufficient evidence")]
    InsufficientEvidence,
}

impl SliceStatus {
    /// The words in the record.
    pub fn name(self) -> &'static str {
        match self {
            SliceStatus::Differs => "differs",
            SliceStatus::NoDifferenceShown => "no difference shown",
            SliceStatus::InsufficientEvidence => "insufficient evidence",
        }
    }
}

impl std::fmt::Display for SliceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceResult {
    /// Column → value.
    pub key: OrderedMap<String>,
    /// Items in the slice.
    pub n: u64,
    /// Every binary metric of the slice, with intervals.
    pub metrics: MetricSet,
    /// Tests against the rest, by metric.
    pub tests: OrderedMap<SliceTest>,
}

/// All slices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlicesOut {
    /// The slicings (columns of each).
    pub slicings: Vec<Vec<String>>,
    /// Multiple-comparison control.
    pub correction: Correction,
    /// Significance level after correction.
    pub alpha: f64,
    /// Minimum slice size.
    pub min_size: u64,
    /// Minimum power.
    pub min_power: f64,
    /// The effect the power is computed for.
    pub effect: f64,
    /// The slices, in key order.
    pub groups: Vec<SliceResult>,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// `>=`
    #[serde(rename = ">=")]
    AtLeast,
    /// `>`
    #[serde(rename = ">")]
    Above,
    /// `<=`
    #[serde(rename = "<=")]
    AtMost,
    /// `<`
    #[serde(rename = "<")]
    Below,
}

impl Comparison {
    /// Whether `value` stands on the accepted side of `threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= threshold,
            Comparison::Above => value > threshold,
            Comparison::AtMost => value <= threshold,
            Comparison::Below => value < threshold,
        }
    }

    /// Whether larger values are the favourable side.
    pub fn higher_is_better(self) -> bool {
        matches!(self, Comparison::AtLeast | Comparison::Above)
    }
}

/// A parsed criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// The text as given.
    pub expression: String,
    /// Metric id.
    pub metric: String,
    /// Class or label, for a per-class metric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// The comparison.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: f64,
}

/// The verdict on one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// The criterion.
    #[serde(flatten)]
    pub criterion: Criterion,
    /// The rule applied.
    pub rule: DecisionRule,
    /// The point estimate (absent when the metric is undefined).
    pub value: Option<f64>,
    /// The number compared with the threshold: the estimate (simple) or the interval bound (guarded).
    pub compared: Option<f64>,
    /// Whether the criterion is met.
    pub passed: bool,
    /// Probability of accepting although the true value fails the criterion:
    /// at most (1 − level) / 2 under the guarded rule; under the simple rule a
    /// normal approximation from the interval, when there is one.
    pub false_accept_risk: Option<f64>,
    /// Why the criterion could not be judged as met, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One metric compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Metric id.
    pub metric: String,
    /// Candidate's value.
    pub candidate: Option<f64>,
    /// Baseline's value.
    pub baseline: Option<f64>,
    /// candidate − baseline.
    pub difference: Option<f64>,
    /// Interval for the difference.
    pub interval: Option<Interval>,
    /// What the interval shows against the margin.
    pub conclusion: Option<Conclusion>,
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareResult {
    /// [`COMPARE_SCHEMA`].
    pub schema: String,
    /// Paired items.
    pub n: u64,
    /// `binary` or `multiclass`.
    pub task: Task,
    /// Binary: the positive class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    /// Multi-class: the classes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
    /// Files compared.
    pub candidate: String,
    /// Files compared.
    pub baseline: String,
    /// McNemar's test on the paired correctness.
    pub mcnemar: McNemar,
    /// DeLong's paired AUC test (with scores in both files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<DeLongPaired>,
    /// Metric differences.
    pub differences: Vec<Difference>,
    /// The non-inferiority margin.
    pub margin: f64,
    /// The hypothesis the verdict tests.
    pub hypothesis: Hypothesis,
    /// The metric the verdict is about.
    pub primary: String,
    /// `pass` or `fail`.
    pub verdict: Outcome,
}
