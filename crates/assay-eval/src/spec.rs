//! What to evaluate: the input, the task, the column mapping and the metric settings.

use std::path::PathBuf;

use assay_data::Format;
use assay_metrics::ranking::CurveMode;
pub use assay_metrics::{ScoreKind, Task};
use serde::Deserialize;

/// Where the predictions come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// One table file.
    File {
        /// The file.
        path: PathBuf,
        /// Its format, when the name does not tell.
        format: Option<Format>,
    },
    /// Several files of the same columns read as one table (shards).
    Files {
        /// The files, in reading order.
        paths: Vec<PathBuf>,
        /// Their format, when the names do not tell.
        format: Option<Format>,
    },
    /// Named NPY arrays (`label=y.npy`, `prob=p.npy`, …).
    Npy(Vec<(String, PathBuf)>),
}

impl Input {
    /// Open the input for reading.
    pub fn open(&self) -> Result<assay_data::Reader, assay_data::DataError> {
        match self {
            Input::File { path, format } => assay_data::open(path, *format),
            Input::Files { paths, format } => assay_data::open_many(paths, *format),
            Input::Npy(arrays) => assay_data::open_npy(arrays),
        }
    }

    /// The files or arrays read, as named in the result.
    pub fn names(&self) -> Vec<String> {
        match self {
            Input::File { path, .. } => vec![path.display().to_string()],
            Input::Files { paths, .. } => paths.iter().map(|p| p.display().to_string()).collect(),
            Input::Npy(arrays) => arrays
                .iter()
                .map(|(n, p)| format!("{n}={}", p.display()))
                .collect(),
        }
    }

    /// The file to name in messages.
    pub fn display_path(&self) -> PathBuf {
        match self {
            Input::File { path, .. } => path.clone(),
            Input::Files { paths, .. } => paths.first().cloned().unwrap_or_default(),
            Input::Npy(arrays) => arrays.first().map(|a| a.1.clone()).unwrap_or_default(),
        }
    }
}

/// Which columns hold what: one type for the plan's `[data.columns]` and
/// the command line's column flags. `None` means the default, which this
/// type owns (`label`, `score`, `pred`, `weight`, `prob_`, `true_`,
/// `score_`, `pred_`, `lower`, `upper`, `cluster`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// Truth column [default: label]
    #[cfg_attr(feature = "clap", arg(long, value_name = "COLUMN"))]
    pub truth: Option<String>,
    /// Binary score column: probability or score of the positive class [default: score]
    #[cfg_attr(feature = "clap", arg(long, value_name = "COLUMN"))]
    pub score: Option<String>,
    /// Hard prediction column [default: pred]
    #[cfg_attr(feature = "clap", arg(long = "pred", value_name = "COLUMN"))]
    pub prediction: Option<String>,
    /// Sample-weight column [default: weight, when present]
    #[cfg_attr(feature = "clap", arg(long, value_name = "COLUMN"))]
    pub weight: Option<String>,
    /// Prefix of multi-class probability columns [default: prob_]
    #[cfg_attr(feature = "clap", arg(long = "prob-prefix", value_name = "PREFIX"))]
    pub probability_prefix: Option<String>,
    /// Prefix of multi-label truth columns [default: true_]
    #[cfg_attr(feature = "clap", arg(long = "true-prefix", value_name = "PREFIX"))]
    pub truth_prefix: Option<String>,
    /// Prefix of multi-label score columns [default: score_]
    #[cfg_attr(feature = "clap", arg(long = "score-prefix", value_name = "PREFIX"))]
    pub score_prefix: Option<String>,
    /// Prefix of multi-label prediction columns [default: pred_]
    #[cfg_attr(feature = "clap", arg(long = "pred-prefix", value_name = "PREFIX"))]
    pub prediction_prefix: Option<String>,
    /// Regression: lower bound of the prediction interval [default: lower, when present]
    #[cfg_attr(feature = "clap", arg(long, value_name = "COLUMN"))]
    pub lower: Option<String>,
    /// Regression: upper bound of the prediction interval [default: upper, when present]
    #[cfg_attr(feature = "clap", arg(long, value_name = "COLUMN"))]
    pub upper: Option<String>,
    /// Clustering: the cluster-assignment column [default: cluster]
    #[cfg_attr(feature = "clap", arg(long, value_name = "COLUMN"))]
    pub cluster: Option<String>,
    /// Clustering: prefix of the feature columns for the internal metrics
    /// (silhouette, Davies–Bouldin, Calinski–Harabasz) [default: none]
    #[cfg_attr(feature = "clap", arg(long = "feature-prefix", value_name = "PREFIX"))]
    pub feature_prefix: Option<String>,
}

impl Columns {
    /// The truth column.
    pub fn truth(&self) -> &str {
        self.truth.as_deref().unwrap_or("label")
    }

    /// The binary score column: the one named, or `score` when the file has it.
    pub fn score_in(&self, reader: &assay_data::Reader) -> Option<String> {
        named_or_present(&self.score, "score", reader)
    }

    /// The hard prediction column: the one named, or `pred` when the file has it.
    pub fn prediction_in(&self, reader: &assay_data::Reader) -> Option<String> {
        named_or_present(&self.prediction, "pred", reader)
    }

    /// The interval's lower-bound column: the one named, or `lower` when the file has it.
    pub fn lower_in(&self, reader: &assay_data::Reader) -> Option<String> {
        named_or_present(&self.lower, "lower", reader)
    }

    /// The interval's upper-bound column: the one named, or `upper` when the file has it.
    pub fn upper_in(&self, reader: &assay_data::Reader) -> Option<String> {
        named_or_present(&self.upper, "upper", reader)
    }

    /// The cluster-assignment column.
    pub fn cluster(&self) -> &str {
        self.cluster.as_deref().unwrap_or("cluster")
    }

    /// The weight column: the one named, or `weight` when the file has it.
    pub fn weight_in(&self, reader: &assay_data::Reader) -> Option<String> {
        named_or_present(&self.weight, "weight", reader)
    }

    /// The hard prediction column's name, whether or not a file has it.
    pub fn prediction(&self) -> &str {
        self.prediction.as_deref().unwrap_or("pred")
    }

    /// Prefix of multi-class probability columns.
    pub fn probability_prefix(&self) -> &str {
        self.probability_prefix.as_deref().unwrap_or("prob_")
    }

    /// Prefix of multi-label truth columns.
    pub fn truth_prefix(&self) -> &str {
        self.truth_prefix.as_deref().unwrap_or("true_")
    }

    /// Prefix of multi-label score columns.
    pub fn score_prefix(&self) -> &str {
        self.score_prefix.as_deref().unwrap_or("score_")
    }

    /// Prefix of multi-label prediction columns.
    pub fn prediction_prefix(&self) -> &str {
        self.prediction_prefix.as_deref().unwrap_or("pred_")
    }
}

/// The column named, or `default` when the file has it.
fn named_or_present(
    named: &Option<String>,
    default: &str,
    reader: &assay_data::Reader,
) -> Option<String> {
    named
        .clone()
        .or_else(|| reader.has_column(default).then(|| default.to_owned()))
}

/// The defaults of an evaluation's settings, one place for the plan, the
/// command line and [`EvalSpec::new`].
pub mod defaults {
    /// Scores at or above this are predicted positive.
    pub const THRESHOLD: f64 = 0.5;
    /// β of the F-beta score.
    pub const BETA: f64 = 1.0;
    /// Equal-width calibration bins.
    pub const CALIBRATION_BINS: usize = 10;
    /// Largest allowed |Σ p − 1| per row of class probabilities.
    pub const SUM_TOLERANCE: f64 = 1e-5;
    /// Curve points kept for plotting.
    pub const CURVE_POINTS: usize = 1000;
}

/// Everything an evaluation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalSpec {
    /// The predictions.
    pub input: Input,
    /// The task; detected from the columns when `None`.
    pub task: Option<Task>,
    /// Column names.
    pub columns: Columns,
    /// Binary: the positive label (default: 1 / true for 0/1 or true/false labels).
    pub positive: Option<String>,
    /// Multi-class: the classes, in order (default: from the probability columns).
    pub classes: Option<Vec<String>>,
    /// Binary and multi-label: score at or above which an item is predicted positive.
    pub threshold: f64,
    /// β of the F-beta score.
    pub beta: f64,
    /// Calibration bins.
    pub calibration_bins: usize,
    /// k of top-k accuracy (default 2 when there are more than 2 classes).
    pub top_k: Option<usize>,
    /// Largest allowed |Σ p − 1| for a row of class probabilities.
    pub sum_tolerance: f64,
    /// Whether scores are probabilities.
    pub score_kind: ScoreKind,
    /// Exact or binned curves.
    pub curve_mode: CurveMode,
    /// Curve points kept for plotting.
    pub curve_points: usize,
    /// Rows per batch.
    pub batch_rows: usize,
    /// Slices: metrics per value of these columns, each tested against the rest.
    pub slices: Option<crate::slices::SliceSettings>,
    /// Acceptance criteria, e.g. `recall[defect] >= 0.95`.
    pub criteria: Vec<String>,
    /// How criteria are judged.
    pub decision_rule: crate::criteria::DecisionRule,
    /// Confidence intervals; `None` computes point estimates only.
    pub intervals: Option<assay_stats::binary::IntervalSettings>,
    /// How the user names the settings, so that an error says what to
    /// change where the user writes it (a flag, or a key of the plan).
    pub voice: Voice,
}

/// Where the settings come from: `assay eval`'s flags, or a test plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Voice {
    /// Command-line flags.
    #[default]
    Flags,
    /// A test plan's keys.
    Plan,
}

/// A setting an error may tell the user to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The truth column.
    Truth,
    /// The score column.
    Score,
    /// The hard-prediction column.
    Prediction,
    /// The weight column.
    Weight,
    /// The slice columns.
    Slice,
    /// The id column.
    Id,
    /// Whether scores are probabilities.
    ScoreKind,
    /// The task.
    Task,
    /// Regression: the prediction interval's lower-bound column.
    Lower,
    /// Regression: the prediction interval's upper-bound column.
    Upper,
    /// Clustering: the cluster-assignment column.
    Cluster,
    /// Clustering: the feature columns' prefix.
    Features,
}

impl Voice {
    /// How to change `setting`, in the user's words: `--truth`, or
    /// `truth = "…" under [data.columns]`.
    pub fn say(self, setting: Setting) -> &'static str {
        match (self, setting) {
            (Voice::Flags, Setting::Truth) => "--truth",
            (Voice::Flags, Setting::Score) => "--score",
            (Voice::Flags, Setting::Prediction) => "--pred",
            (Voice::Flags, Setting::Weight) => "--weight",
            (Voice::Flags, Setting::Slice) => "--slice",
            (Voice::Flags, Setting::Id) => "--id",
            (Voice::Flags, Setting::ScoreKind) => "--score-kind score",
            (Voice::Flags, Setting::Task) => "--task",
            (Voice::Flags, Setting::Lower) => "--lower",
            (Voice::Flags, Setting::Upper) => "--upper",
            (Voice::Flags, Setting::Cluster) => "--cluster",
            (Voice::Flags, Setting::Features) => "--feature-prefix",
            (Voice::Plan, Setting::Truth) => "truth = \"…\" under [data.columns]",
            (Voice::Plan, Setting::Score) => "score = \"…\" under [data.columns]",
            (Voice::Plan, Setting::Prediction) => "prediction = \"…\" under [data.columns]",
            (Voice::Plan, Setting::Weight) => "weight = \"…\" under [data.columns]",
            (Voice::Plan, Setting::Slice) => "by = [\"…\"] under [slices]",
            (Voice::Plan, Setting::Id) => "id_column = \"…\" under [data]",
            (Voice::Plan, Setting::ScoreKind) => "score_kind = \"score\" under [data]",
            (Voice::Plan, Setting::Task) => "task = \"…\" under [data]",
            (Voice::Plan, Setting::Lower) => "lower = \"…\" under [data.columns]",
            (Voice::Plan, Setting::Upper) => "upper = \"…\" under [data.columns]",
            (Voice::Plan, Setting::Cluster) => "cluster = \"…\" under [data.columns]",
            (Voice::Plan, Setting::Features) => "feature_prefix = \"…\" under [data.columns]",
        }
    }

    /// A column's role for its "missing column" error: `the truth column;
    /// set it with --truth`.
    pub fn role(self, what: &str, setting: Setting) -> String {
        format!("{what}; set it with {}", self.say(setting))
    }
}

impl EvalSpec {
    /// A spec with every default, for this input.
    pub fn new(input: Input) -> Self {
        Self {
            input,
            task: None,
            columns: Columns::default(),
            positive: None,
            classes: None,
            threshold: defaults::THRESHOLD,
            beta: defaults::BETA,
            calibration_bins: defaults::CALIBRATION_BINS,
            top_k: None,
            sum_tolerance: defaults::SUM_TOLERANCE,
            score_kind: ScoreKind::Probability,
            curve_mode: CurveMode::Exact,
            curve_points: defaults::CURVE_POINTS,
            batch_rows: assay_data::DEFAULT_BATCH_ROWS,
            intervals: Some(assay_stats::binary::IntervalSettings::default()),
            criteria: Vec::new(),
            slices: None,
            decision_rule: crate::criteria::DecisionRule::Guarded,
            voice: Voice::Flags,
        }
    }

    /// Check the settings that do not depend on the data.
    pub fn validate(&self) -> Result<(), crate::EvalError> {
        let bad = |m: String| Err(crate::EvalError::Settings(m));
        if !self.threshold.is_finite() {
            return bad(format!(
                "--threshold must be a finite number, not {}",
                self.threshold
            ));
        }
        if !(self.beta.is_finite() && self.beta > 0.0) {
            return bad(format!(
                "--beta must be a positive number, not {}",
                self.beta
            ));
        }
        if self.calibration_bins == 0 || self.calibration_bins > 10_000 {
            return bad(format!(
                "--bins must be between 1 and 10000, not {}",
                self.calibration_bins
            ));
        }
        if self.top_k == Some(0) {
            return bad("--top-k must be at least 1".into());
        }
        if !(self.sum_tolerance.is_finite() && self.sum_tolerance >= 0.0) {
            return bad(format!(
                "--sum-tolerance must be a non-negative number, not {}",
                self.sum_tolerance
            ));
        }
        if let CurveMode::Binned { bits } = self.curve_mode
            && !(1..=52).contains(&bits)
        {
            return bad(format!("--bin-bits must be between 1 and 52, not {bits}"));
        }
        if let Some(i) = &self.intervals {
            if assay_stats::check_level(i.level).is_err() {
                return bad(format!(
                    "--confidence must lie strictly between 0 and 1, not {}",
                    i.level
                ));
            }
            if i.replicates < 100 {
                return bad(format!(
                    "--bootstrap needs at least 100 replicates, not {}",
                    i.replicates
                ));
            }
        }
        if self.curve_points < 2 {
            return bad("--curve-points must be at least 2".into());
        }
        Ok(())
    }
}
