//! The evaluation result: what `assay eval --json` writes (schema
//! `schemas/eval-result.v1.schema.json`).

use assay_metrics::MetricSet;
use assay_metrics::calibration::CalibrationBin;
use assay_metrics::ranking::{CurveMode, GainsCurve, PrCurve, RankingSummary, RocCurve};
use serde::Serialize;

use crate::spec::{ScoreKind, Task};

/// The schema id written into every result.
pub const SCHEMA_ID: &str = "assay/eval-result/v1";

pub use assay_metrics::value::OrderedMap;

/// The tool that computed the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    /// Always `assay`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

/// What was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputInfo {
    /// The file(s) as given.
    pub paths: Vec<String>,
    /// The format.
    pub format: String,
    /// Role → column name(s).
    pub columns: OrderedMap<Vec<String>>,
}

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl IntervalInfo {
    /// Describe the settings.
    pub fn from_settings(s: &assay_stats::binary::IntervalSettings, note: Option<String>) -> Self {
        Self {
            level: s.level,
            bootstrap_replicates: s.replicates,
            seed: s.seed,
            proportion: s.proportion,
            bootstrap: s.bootstrap,
            stratified: s.stratified,
            note,
        }
    }
}

/// Confusion counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl ScoreCurves {
    /// From a ranking summary; curves that are undefined (one class) are left out.
    pub fn from_summary(s: RankingSummary) -> Self {
        let two = s.positive_weight > 0.0 && s.negative_weight > 0.0;
        let any_pos = s.positive_weight > 0.0;
        Self {
            thresholds_total: s.thresholds_total,
            roc: two.then_some(s.roc),
            pr: any_pos.then_some(s.pr),
            gains: any_pos.then_some(s.gains),
        }
    }
}

/// Curves for plots.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
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
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalResult {
    /// Schema id ([`SCHEMA_ID`]).
    pub schema: &'static str,
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
    pub slices: Option<crate::slices::SlicesOut>,
    /// Each acceptance criterion's verdict (when criteria were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<crate::criteria::Judgement>>,
    /// `pass` when every criterion is met, `fail` otherwise (when criteria were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
}

impl EvalResult {
    /// The result as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results hold only finite numbers and strings")
    }
}
