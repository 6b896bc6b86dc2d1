//! The plan file as written: serde structs with `deny_unknown_fields`, and
//! `toml::Spanned` on every value that is checked after parsing, so that an
//! error can point at it. The settings are the types their owners define
//! (`assay_eval::Columns`, `assay_model::Color`, `assay_stats::…`).

use assay_data::FormatName;
use assay_eval::Columns;
use assay_metrics::ranking::Curves;
use assay_metrics::{ScoreKind, Task};
use assay_model::{Color, Interpolation, Layout, OnError, ScoreOutput};
use assay_record::Text;
use assay_record::assessment::Party;
use assay_stats::binary::ProportionMethod;
use assay_stats::bootstrap::Method;
use assay_stats::compare::Hypothesis;
use assay_stats::decision::DecisionRule;
use assay_stats::slices::Correction;
use serde::Deserialize;
use toml::Spanned;

/// Identification of the plan itself.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanSection {
    /// The lab's identifier of this plan.
    pub id: String,
    /// The plan's version.
    pub version: String,
    /// A title for reports.
    pub title: Option<Text>,
    /// Standard and edition (default `ISO/IEC TS 4213:2022`; for a
    /// regression task `ISO/IEC DIS 4213`).
    pub standard: Option<Spanned<String>>,
}

/// What the test report says of itself (ISO/IEC 17025 clause 7.8.2.1).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// The report's unique number (default: the plan id and the first
    /// digits of the assessment record's SHA-256).
    pub number: Option<String>,
    /// Who authorises the report.
    pub authoriser: Option<Text>,
    /// The authoriser's function, e.g. "Technical manager".
    pub authoriser_role: Option<Text>,
    /// The date the test items were received (YYYY-MM-DD).
    pub received: Option<Spanned<String>>,
    /// Deviations from the plan or the method, as the lab records them.
    #[serde(default)]
    pub deviations: Vec<Text>,
    /// The languages of the reports `assay run` writes.
    pub languages: Option<Vec<assay_record::Lang>>,
    /// Their formats.
    pub formats: Option<Vec<assay_record::report::Format>>,
}

/// The model under test.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Intended use, as the client states it.
    pub intended_use: Text,
    /// Who made it.
    pub developer: Option<Text>,
    /// Anything else that identifies it.
    pub description: Option<Text>,
    /// The ONNX file to run on the test set (instead of `[data]` predictions).
    pub file: Option<Spanned<String>>,
    /// The model's directory, when it ships as several files: its identity
    /// is then the OpenSSF model-signing manifest root over every file.
    pub directory: Option<Spanned<String>>,
    /// The input that takes the images (default: the only input).
    pub input: Option<String>,
    /// The output holding class scores (default: the first output).
    pub output: Option<String>,
    /// `probabilities` (default) or `logits` (softmax is applied).
    pub scores: Option<ScoreOutput>,
    /// The classes in the model's output order (default: the test set's
    /// class folders or labels, sorted).
    pub classes: Option<Vec<String>>,
}

/// The test set the model runs on.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestSetSection {
    /// An image folder with one sub-folder per class.
    pub folder: Option<Spanned<String>>,
    /// Or a manifest table of image paths and labels.
    pub manifest: Option<Spanned<String>>,
    /// Or a table of feature columns (tabular models).
    pub table: Option<Spanned<String>>,
    /// Table: the feature columns in the model's input order.
    pub features: Option<Vec<String>>,
    /// Table: every column starting with this, in file order, is a feature.
    pub feature_prefix: Option<String>,
    /// Table: the column of item ids (default: the row number).
    pub id_column: Option<String>,
    /// Manifest: the column of image paths (default `path`).
    pub path_column: Option<String>,
    /// Manifest: the column of true classes (default `label`).
    pub label_column: Option<String>,
    /// Manifest: columns copied into the predictions as slices.
    #[serde(default)]
    pub slices: Vec<String>,
    /// `stop` (default) or `skip` undecodable images.
    pub on_error: Option<OnError>,
}

/// Tensor element type.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DtypeName {
    /// 32-bit float (the only one supported).
    Float32,
}

/// Image preprocessing.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PreprocessingSection {
    /// `gray` or `rgb` (default).
    pub color: Option<Color>,
    /// Resize to [width, height].
    pub resize: Option<[u32; 2]>,
    /// Filter of the resize (default `bilinear`).
    pub interpolation: Option<Interpolation>,
    /// Centre crop to [width, height] after the resize.
    pub center_crop: Option<[u32; 2]>,
    /// Factor on 0–255 pixel values (default 1/255).
    pub scale: Option<f32>,
    /// Per-channel mean (one value, or one per channel).
    pub mean: Option<Vec<f32>>,
    /// Per-channel standard deviation.
    pub std: Option<Vec<f32>>,
    /// `nchw` (default) or `nhwc`.
    pub layout: Option<Layout>,
    /// `float32`.
    pub dtype: Option<DtypeName>,
    /// Items per model call (default 32).
    pub batch_size: Option<Spanned<usize>>,
}

/// One file, or several files read as one table (shards), as the plan
/// writes them: `"p.parquet"` or `["part-0.parquet", "part-1.parquet"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Files(pub Vec<String>);

impl<'de> Deserialize<'de> for Files {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Files;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a file path or a list of file paths")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Files, E> {
                Ok(Files(vec![v.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Files, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                if out.is_empty() {
                    return Err(serde::de::Error::custom("the list of files is empty"));
                }
                Ok(Files(out))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The predictions under assessment (a model-run plan may leave the
/// section out).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// The predictions file, or its shards in order, relative to the plan
    /// (absent when `[model] file` names a model to run).
    pub predictions: Option<Spanned<Files>>,
    /// Its format, when the name does not tell.
    pub format: Option<FormatName>,
    /// Field delimiter of delimited text.
    pub delimiter: Option<Spanned<String>>,
    /// The task (detected from the columns when left out).
    pub task: Option<Task>,
    /// Binary: the positive class.
    pub positive: Option<String>,
    /// Multi-class: the classes in order.
    pub classes: Option<Vec<String>>,
    /// The column that identifies an item (joins the baseline).
    pub id_column: Option<String>,
    /// Whether scores are probabilities.
    pub score_kind: Option<ScoreKind>,
    /// Column names.
    #[serde(default)]
    pub columns: Columns,
}

/// Metric settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSection {
    /// The metrics the report presents (all are computed and recorded).
    pub metrics: Option<Vec<Spanned<String>>>,
    /// Decision threshold on scores.
    pub threshold: Option<Spanned<f64>>,
    /// β of the F-beta score.
    pub beta: Option<Spanned<f64>>,
    /// Calibration bins.
    pub calibration_bins: Option<Spanned<usize>>,
    /// k of top-k accuracy.
    pub top_k: Option<Spanned<usize>>,
    /// Largest |Σp − 1| per row.
    pub sum_tolerance: Option<Spanned<f64>>,
    /// Exact or binned curves.
    pub curves: Option<Curves>,
    /// Binned curves: mantissa bits per bucket.
    pub bin_bits: Option<Spanned<u8>>,
    /// Curve points kept for plots.
    pub curve_points: Option<Spanned<usize>>,
    /// Seed of every random stream of the assessment.
    pub seed: Option<u64>,
}

/// Confidence intervals.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntervalsSection {
    /// `false`: point estimates only.
    pub enabled: Option<Spanned<bool>>,
    /// Confidence level.
    pub confidence: Option<Spanned<f64>>,
    /// Bootstrap replicates.
    pub bootstrap: Option<Spanned<usize>>,
    /// Interval for proportions.
    pub proportion: Option<ProportionMethod>,
    /// Interval from bootstrap replicates.
    pub bootstrap_method: Option<Method>,
    /// Resample within each true class.
    pub stratified: Option<bool>,
    /// Largest rows × replicates for the row bootstrap.
    pub row_budget: Option<u64>,
}

/// A slicing: one column, or columns whose combinations form the slices.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Slicing {
    /// One column.
    One(String),
    /// Combined columns.
    Combined(Vec<String>),
}

/// Slices.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlicesSection {
    /// The slicings.
    pub by: Vec<Slicing>,
    /// Multiple-comparison control.
    pub correction: Option<Correction>,
    /// Smaller slices are "insufficient evidence".
    pub min_size: Option<u64>,
    /// Less power than this is "insufficient evidence".
    pub min_power: Option<Spanned<f64>>,
    /// The difference the tests must be able to see.
    pub effect: Option<Spanned<f64>>,
}

/// Acceptance criteria.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CriteriaSection {
    /// How criteria are judged (default `guarded`).
    pub decision_rule: Option<DecisionRule>,
    /// The criteria, e.g. `recall[defect] >= 0.95`.
    pub require: Vec<Spanned<String>>,
}

/// The baseline (4213 clause 5.3.13).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BaselineSection {
    /// The baseline's predictions on the same items (a file or its shards),
    /// relative to the plan.
    pub predictions: Spanned<Files>,
    /// What the baseline is (name, version).
    pub name: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// Why it is an appropriate baseline.
    pub description: Option<String>,
    /// The metric the verdict is about (default `accuracy`).
    pub metric: Option<Spanned<String>>,
    /// Non-inferiority margin on the metric's scale.
    pub margin: Option<Spanned<f64>>,
    /// What the comparison must show (default `non-inferiority`).
    pub hypothesis: Option<Hypothesis>,
}

/// The leakage check (4213 clause 5.3.7).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LeakageSection {
    /// Training-data manifest: a CSV with a `sha256` or `path` column, or a folder.
    pub training: Spanned<String>,
    /// Test-data manifest, in the same forms.
    pub test: Spanned<String>,
}

/// The empirical robustness assessment (ISO/IEC TR 24029-1): the model run
/// again on perturbed copies of the test images.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RobustnessSection {
    /// Perturbations (default all: noise, blur, brightness, contrast, jpeg,
    /// occlusion, rotation).
    pub perturbations: Option<Vec<Spanned<String>>>,
    /// Severities 1–5 (default all).
    pub severities: Option<Vec<Spanned<u8>>>,
    /// Metrics whose value and drop are reported (default: accuracy).
    pub metrics: Option<Vec<Spanned<String>>>,
}

/// The 4213 clause 5.3 control criteria, each a statement by the lab.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Disclosures {
    /// 5.3.2 Data representativeness and bias.
    pub data_representativeness: Option<Text>,
    /// 5.3.3 Preprocessing.
    pub preprocessing: Option<Text>,
    /// 5.3.4 Training data.
    pub training_data: Option<Text>,
    /// 5.3.5 Test and validation data.
    pub test_data: Option<Text>,
    /// 5.3.6 Cross-validation.
    pub cross_validation: Option<Text>,
    /// 5.3.7 Limiting information leakage.
    pub leakage: Option<Text>,
    /// 5.3.8 Limiting channel effects.
    pub channel_effects: Option<Text>,
    /// 5.3.9 Ground truth.
    pub ground_truth: Option<Text>,
    /// 5.3.10 Machine learning algorithms, hyperparameters and parameters.
    pub algorithms: Option<Text>,
    /// 5.3.11 Evaluation environment.
    pub evaluation_environment: Option<Text>,
    /// 5.3.12 Acceleration.
    pub acceleration: Option<Text>,
    /// 5.3.13 Appropriate baselines.
    pub baselines: Option<Text>,
    /// 5.3.14 Machine learning classification performance context.
    pub performance_context: Option<Text>,
}

impl Disclosures {
    /// (key, clause, title, statement) for every control criterion, in clause order.
    pub fn entries(&self) -> [(&'static str, &'static str, &'static str, Option<&Text>); 13] {
        [
            (
                "data_representativeness",
                "5.3.2",
                "Data representativeness and bias",
                self.data_representativeness.as_ref(),
            ),
            (
                "preprocessing",
                "5.3.3",
                "Preprocessing",
                self.preprocessing.as_ref(),
            ),
            (
                "training_data",
                "5.3.4",
                "Training data",
                self.training_data.as_ref(),
            ),
            (
                "test_data",
                "5.3.5",
                "Test and validation data",
                self.test_data.as_ref(),
            ),
            (
                "cross_validation",
                "5.3.6",
                "Cross-validation",
                self.cross_validation.as_ref(),
            ),
            (
                "leakage",
                "5.3.7",
                "Limiting information leakage",
                self.leakage.as_ref(),
            ),
            (
                "channel_effects",
                "5.3.8",
                "Limiting channel effects",
                self.channel_effects.as_ref(),
            ),
            (
                "ground_truth",
                "5.3.9",
                "Ground truth",
                self.ground_truth.as_ref(),
            ),
            (
                "algorithms",
                "5.3.10",
                "Machine learning algorithms, hyperparameters and parameters",
                self.algorithms.as_ref(),
            ),
            (
                "evaluation_environment",
                "5.3.11",
                "Evaluation environment",
                self.evaluation_environment.as_ref(),
            ),
            (
                "acceleration",
                "5.3.12",
                "Acceleration",
                self.acceleration.as_ref(),
            ),
            (
                "baselines",
                "5.3.13",
                "Appropriate baselines",
                self.baselines.as_ref(),
            ),
            (
                "performance_context",
                "5.3.14",
                "Machine learning classification performance context",
                self.performance_context.as_ref(),
            ),
        ]
    }
}

/// The plan file as written.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// `assay/plan/v1` (optional).
    pub schema: Option<Spanned<String>>,
    /// The plan's identification.
    pub plan: PlanSection,
    /// The testing laboratory.
    pub lab: Party,
    /// The client.
    pub client: Party,
    /// The model under test.
    pub model: ModelSection,
    /// What the test report says of itself.
    #[serde(default)]
    pub report: ReportSection,
    /// The predictions.
    #[serde(default)]
    pub data: DataSection,
    /// The test set a model runs on.
    pub test_set: Option<TestSetSection>,
    /// The preprocessing of its images.
    pub preprocessing: Option<Spanned<PreprocessingSection>>,
    /// Metric settings.
    #[serde(default)]
    pub evaluation: EvaluationSection,
    /// Confidence intervals.
    #[serde(default)]
    pub intervals: IntervalsSection,
    /// Slices.
    pub slices: Option<SlicesSection>,
    /// Acceptance criteria.
    pub criteria: Option<CriteriaSection>,
    /// The baseline comparison.
    pub baseline: Option<BaselineSection>,
    /// The leakage check.
    pub leakage: Option<LeakageSection>,
    /// Robustness runs.
    pub robustness: Option<RobustnessSection>,
    /// The clause 5.3 disclosures.
    #[serde(default)]
    pub disclosures: Disclosures,
}
