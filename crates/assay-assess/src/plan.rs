//! The test plan (`assay.toml`): what is assessed, by whom, with which data,
//! settings and criteria, and the ISO/IEC TS 4213 clause 5.3 disclosures.
//!
//! Parsing keeps the byte span of every value that can be wrong, so that an
//! error (unknown key, wrong type, a value out of range, an unknown metric, a
//! file that does not exist) names the plan's line and column and puts a
//! caret under the offending text.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use assay_eval::criteria::{Criterion, DecisionRule};
use assay_eval::spec::{EvalSpec, Input, ScoreKind, Task};

/// The schema id a plan may declare (`schema = "assay/plan/v1"`).
pub const PLAN_SCHEMA: &str = "assay/plan/v1";
/// The standard assessed against, unless the plan names another edition.
pub const DEFAULT_STANDARD: &str = "ISO/IEC TS 4213:2022";

/// A plan that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file cannot be read.
    #[error("cannot read the plan {}: {source}", path.display())]
    Read {
        /// The plan file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Something at a known place in the plan.
    #[error("{}:{line}:{column}: {message}\n{excerpt}", path.display())]
    At {
        /// The plan file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is wrong and what to do.
        message: String,
        /// The line of the plan with a caret under the offending text.
        excerpt: String,
    },
}

/// Identification of the plan itself.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanSection {
    /// The lab's identifier of this plan.
    pub id: String,
    /// The plan's version.
    pub version: String,
    /// A title for reports.
    pub title: Option<String>,
    /// Standard and edition (default `ISO/IEC TS 4213:2022`).
    pub standard: Option<String>,
}

/// A lab or a client.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Short identifier (the lab's certificate prefix, for a lab).
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Postal address.
    pub address: Option<String>,
    /// Accreditation and its scope (labs).
    pub accreditation: Option<String>,
}

/// What the test report says of itself (ISO/IEC 17025 clause 7.8.2.1).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// The report's unique number (default: the plan id and the first
    /// digits of the assessment record's SHA-256).
    pub number: Option<String>,
    /// Who authorises the report.
    pub authoriser: Option<String>,
    /// The authoriser's function, e.g. "Technical manager".
    pub authoriser_role: Option<String>,
    /// The date the test items were received (YYYY-MM-DD).
    #[serde(serialize_with = "serialize_spanned_option")]
    pub received: Option<Spanned<String>>,
    /// Deviations from the plan or the method, as the lab records them.
    #[serde(default)]
    pub deviations: Vec<String>,
}

fn serialize_spanned_option<S: serde::Serializer>(
    value: &Option<Spanned<String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serializer.serialize_some(v.get_ref()),
        None => serializer.serialize_none(),
    }
}

/// The model under test.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Intended use, as the client states it.
    pub intended_use: String,
    /// Who made it.
    pub developer: Option<String>,
    /// Anything else that identifies it.
    pub description: Option<String>,
    /// The ONNX file to run on the test set (instead of `[data]` predictions).
    #[serde(skip_serializing)]
    pub file: Option<Spanned<String>>,
    /// The model's directory, when it ships as several files: its identity
    /// is then the OpenSSF model-signing manifest root over every file.
    #[serde(skip_serializing)]
    pub directory: Option<Spanned<String>>,
    /// The input that takes the images (default: the only input).
    #[serde(skip_serializing)]
    pub input: Option<String>,
    /// The output holding class scores (default: the first output).
    #[serde(skip_serializing)]
    pub output: Option<String>,
    /// `probabilities` (default) or `logits` (softmax is applied).
    #[serde(skip_serializing)]
    pub scores: Option<ScoresName>,
    /// The classes in the model's output order (default: the test set's
    /// class folders or labels, sorted).
    #[serde(skip_serializing)]
    pub classes: Option<Vec<String>>,
}

/// What a model output holds.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScoresName {
    /// Probabilities.
    Probabilities,
    /// Logits.
    Logits,
}

/// What to do with an undecodable image.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnErrorName {
    /// Stop with an error.
    Stop,
    /// Skip, list and count it.
    Skip,
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
    pub on_error: Option<OnErrorName>,
}

/// Colour mode, as a plan names it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColorName {
    /// Grey.
    Gray,
    /// Red, green, blue.
    Rgb,
}

/// Resize filter, as a plan names it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InterpolationName {
    /// Nearest neighbour.
    Nearest,
    /// Bilinear.
    Bilinear,
    /// Bicubic (Catmull–Rom).
    Bicubic,
    /// Lanczos, window 3.
    Lanczos3,
}

/// Tensor layout, as a plan names it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LayoutName {
    /// Batch, channel, height, width.
    Nchw,
    /// Batch, height, width, channel.
    Nhwc,
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
    pub color: Option<ColorName>,
    /// Resize to [width, height].
    pub resize: Option<[u32; 2]>,
    /// Filter of the resize (default `bilinear`).
    pub interpolation: Option<InterpolationName>,
    /// Centre crop to [width, height] after the resize.
    pub center_crop: Option<[u32; 2]>,
    /// Factor on 0–255 pixel values (default 1/255).
    pub scale: Option<f32>,
    /// Per-channel mean (one value, or one per channel).
    pub mean: Option<Vec<f32>>,
    /// Per-channel standard deviation.
    pub std: Option<Vec<f32>>,
    /// `nchw` (default) or `nhwc`.
    pub layout: Option<LayoutName>,
    /// `float32`.
    pub dtype: Option<DtypeName>,
    /// Items per model call (default 32).
    pub batch_size: Option<Spanned<usize>>,
}

/// File formats a plan can name.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FormatName {
    /// Comma-separated (or `delimiter`).
    Csv,
    /// Tab-separated.
    Tsv,
    /// JSON Lines.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC.
    Arrow,
}

/// The task, as a plan names it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TaskName {
    /// Two classes.
    Binary,
    /// One of several classes.
    Multiclass,
    /// Any subset of several labels.
    Multilabel,
}

/// Whether scores are probabilities.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScoreKindName {
    /// Probabilities in [0, 1].
    Probability,
    /// Any real score.
    Score,
}

/// Column names (defaults as in `assay eval`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ColumnsSection {
    /// Truth column.
    pub truth: Option<String>,
    /// Binary score column.
    pub score: Option<String>,
    /// Hard prediction column.
    pub prediction: Option<String>,
    /// Sample-weight column.
    pub weight: Option<String>,
    /// Prefix of multi-class probability columns.
    pub probability_prefix: Option<String>,
    /// Prefix of multi-label truth columns.
    pub truth_prefix: Option<String>,
    /// Prefix of multi-label score columns.
    pub score_prefix: Option<String>,
    /// Prefix of multi-label prediction columns.
    pub prediction_prefix: Option<String>,
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

/// The predictions under assessment.
#[derive(Debug, Clone, Deserialize, PartialEq)]
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
    pub task: Option<TaskName>,
    /// Binary: the positive class.
    pub positive: Option<String>,
    /// Multi-class: the classes in order.
    pub classes: Option<Vec<String>>,
    /// The column that identifies an item (joins the baseline).
    pub id_column: Option<String>,
    /// Whether scores are probabilities.
    pub score_kind: Option<ScoreKindName>,
    /// Column names.
    #[serde(default)]
    pub columns: ColumnsSection,
}

/// Curves kept exactly or in bins.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CurvesName {
    /// Every score kept.
    Exact,
    /// Scores bucketed: constant memory, stated AUC error bound.
    Binned,
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
    pub curves: Option<CurvesName>,
    /// Binned curves: mantissa bits per bucket.
    pub bin_bits: Option<Spanned<u8>>,
    /// Curve points kept for plots.
    pub curve_points: Option<Spanned<usize>>,
    /// Seed of every random stream of the assessment.
    pub seed: Option<u64>,
}

/// Interval for proportions.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ProportionName {
    /// Wilson score.
    Wilson,
    /// Clopper–Pearson exact.
    ClopperPearson,
}

/// Interval from bootstrap replicates.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BootstrapName {
    /// Percentiles.
    Percentile,
    /// Bias-corrected and accelerated.
    Bca,
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
    pub proportion: Option<ProportionName>,
    /// Interval from bootstrap replicates.
    pub bootstrap_method: Option<BootstrapName>,
    /// Resample within each true class.
    pub stratified: Option<bool>,
    /// Largest rows × replicates for the row bootstrap.
    pub row_budget: Option<u64>,
}

/// Multiple-comparison control.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionName {
    /// Holm's step-down.
    Holm,
    /// Benjamini–Hochberg.
    Bh,
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
    pub correction: Option<CorrectionName>,
    /// Smaller slices are "insufficient evidence".
    pub min_size: Option<u64>,
    /// Less power than this is "insufficient evidence".
    pub min_power: Option<Spanned<f64>>,
    /// The difference the tests must be able to see.
    pub effect: Option<Spanned<f64>>,
}

/// The decision rule, as a plan names it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuleName {
    /// Point estimate.
    Simple,
    /// Interval bound on the unfavourable side.
    Guarded,
}

/// Acceptance criteria.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CriteriaSection {
    /// How criteria are judged (default `guarded`).
    pub decision_rule: Option<RuleName>,
    /// The criteria, e.g. `recall[defect] >= 0.95`.
    pub require: Vec<Spanned<String>>,
}

/// What a baseline comparison must show.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HypothesisName {
    /// Not worse by more than the margin.
    NonInferiority,
    /// Better.
    Superiority,
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
    pub hypothesis: Option<HypothesisName>,
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
    pub data_representativeness: Option<String>,
    /// 5.3.3 Preprocessing.
    pub preprocessing: Option<String>,
    /// 5.3.4 Training data.
    pub training_data: Option<String>,
    /// 5.3.5 Test and validation data.
    pub test_data: Option<String>,
    /// 5.3.6 Cross-validation.
    pub cross_validation: Option<String>,
    /// 5.3.7 Limiting information leakage.
    pub leakage: Option<String>,
    /// 5.3.8 Limiting channel effects.
    pub channel_effects: Option<String>,
    /// 5.3.9 Ground truth.
    pub ground_truth: Option<String>,
    /// 5.3.10 Machine learning algorithms, hyperparameters and parameters.
    pub algorithms: Option<String>,
    /// 5.3.11 Evaluation environment.
    pub evaluation_environment: Option<String>,
    /// 5.3.12 Acceleration.
    pub acceleration: Option<String>,
    /// 5.3.13 Appropriate baselines.
    pub baselines: Option<String>,
    /// 5.3.14 Machine learning classification performance context.
    pub performance_context: Option<String>,
}

impl Disclosures {
    /// (key, clause, title, statement) for every control criterion, in clause order.
    pub fn entries(&self) -> [(&'static str, &'static str, &'static str, Option<&str>); 13] {
        [
            (
                "data_representativeness",
                "5.3.2",
                "Data representativeness and bias",
                self.data_representativeness.as_deref(),
            ),
            (
                "preprocessing",
                "5.3.3",
                "Preprocessing",
                self.preprocessing.as_deref(),
            ),
            (
                "training_data",
                "5.3.4",
                "Training data",
                self.training_data.as_deref(),
            ),
            (
                "test_data",
                "5.3.5",
                "Test and validation data",
                self.test_data.as_deref(),
            ),
            (
                "cross_validation",
                "5.3.6",
                "Cross-validation",
                self.cross_validation.as_deref(),
            ),
            (
                "leakage",
                "5.3.7",
                "Limiting information leakage",
                self.leakage.as_deref(),
            ),
            (
                "channel_effects",
                "5.3.8",
                "Limiting channel effects",
                self.channel_effects.as_deref(),
            ),
            (
                "ground_truth",
                "5.3.9",
                "Ground truth",
                self.ground_truth.as_deref(),
            ),
            (
                "algorithms",
                "5.3.10",
                "Machine learning algorithms, hyperparameters and parameters",
                self.algorithms.as_deref(),
            ),
            (
                "evaluation_environment",
                "5.3.11",
                "Evaluation environment",
                self.evaluation_environment.as_deref(),
            ),
            (
                "acceleration",
                "5.3.12",
                "Acceleration",
                self.acceleration.as_deref(),
            ),
            (
                "baselines",
                "5.3.13",
                "Appropriate baselines",
                self.baselines.as_deref(),
            ),
            (
                "performance_context",
                "5.3.14",
                "Machine learning classification performance context",
                self.performance_context.as_deref(),
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

/// A plan read, checked and resolved against its folder.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its exact text.
    pub source: String,
    /// What it says.
    pub file: PlanFile,
    /// The folder its relative paths start from.
    pub base: PathBuf,
    criteria: Vec<(Criterion, Range<usize>)>,
}

/// Where a byte offset lies: 1-based line and column (in characters), and
/// the byte range of its line.
fn locate(source: &str, offset: usize) -> (usize, usize, Range<usize>) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let line = source[..start].matches('\n').count() + 1;
    let column = source[start..offset].chars().count() + 1;
    (line, column, start..end)
}

impl Plan {
    /// Read and check the plan at `path`.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let source = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, source)
    }

    /// Check the plan text `source`, read from `path`.
    pub fn parse(path: &Path, source: String) -> Result<Plan, PlanError> {
        let file: PlanFile = match toml::from_str(&source) {
            Ok(f) => f,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().trim().to_owned();
                return Err(error_at(path, &source, span, &friendly(&message)));
            }
        };
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut plan = Plan {
            path: path.to_owned(),
            source,
            file,
            base,
            criteria: Vec::new(),
        };
        plan.check()?;
        Ok(plan)
    }

    /// An error at `span` of this plan.
    pub fn error(&self, span: Range<usize>, message: &str) -> PlanError {
        error_at(&self.path, &self.source, span, message)
    }

    /// A path of the plan, resolved against its folder.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        let p = Path::new(relative);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.base.join(p)
        }
    }

    fn existing(&self, value: &Spanned<String>, what: &str) -> Result<PathBuf, PlanError> {
        let path = self.resolve(value.get_ref());
        if path.exists() {
            Ok(path)
        } else {
            Err(self.error(
                value.span(),
                &format!(
                    "{what} '{}' does not exist (looked for {}; paths are relative to the plan's folder)",
                    value.get_ref(),
                    path.display()
                ),
            ))
        }
    }

    fn check_test_set(&self) -> Result<(), PlanError> {
        let f = &self.file;
        let Some(ts) = &f.test_set else {
            let span = f.model.file.as_ref().map_or(0..0, |m| m.span());
            return Err(self.error(
                span,
                "a model run needs a [test_set] with folder = \"…\" (one sub-folder per class) or manifest = \"…\"",
            ));
        };
        let named: Vec<&Spanned<String>> = [&ts.folder, &ts.manifest, &ts.table]
            .into_iter()
            .flatten()
            .collect();
        match named.as_slice() {
            [one] => {
                let what = if ts.folder.is_some() {
                    "the test-set folder"
                } else if ts.manifest.is_some() {
                    "the test-set manifest"
                } else {
                    "the test-set table"
                };
                self.existing(one, what)?;
            }
            [] => {
                let span = f.model.file.as_ref().map_or(0..0, |m| m.span());
                return Err(self.error(
                    span,
                    "[test_set] needs folder = \"…\" (one sub-folder per class), manifest = \"…\" (image paths and labels) or table = \"…\" (feature columns)",
                ));
            }
            [_, second, ..] => {
                return Err(self.error(
                    second.span(),
                    "name one of folder, manifest or table under [test_set]",
                ));
            }
        }
        if let Some(t) = &ts.table
            && ts.features.is_none()
            && ts.feature_prefix.is_none()
        {
            return Err(self.error(
                t.span(),
                "a feature table needs features = [\"…\"] (in the model's input order) or feature_prefix = \"…\"",
            ));
        }
        if let Some(p) = &f.preprocessing {
            if let Err(message) = self.preprocess().check() {
                return Err(self.error(p.span(), &format!("preprocessing: {message}")));
            }
            if let Some(b) = &p.get_ref().batch_size
                && *b.get_ref() == 0
            {
                return Err(self.error(b.span(), "batch_size must be at least 1"));
            }
        }
        Ok(())
    }

    /// The robustness conditions (perturbation × severity) and metrics the
    /// plan asks for, checked.
    pub fn robustness(&self) -> Option<(Vec<assay_model::Perturbation>, Vec<u8>, Vec<String>)> {
        let r = self.file.robustness.as_ref()?;
        let kinds = match &r.perturbations {
            Some(list) => list
                .iter()
                .filter_map(|p| assay_model::Perturbation::from_name(p.get_ref()))
                .collect(),
            None if self.tabular() => assay_model::Perturbation::TABULAR.to_vec(),
            None => assay_model::Perturbation::ALL.to_vec(),
        };
        let severities = match &r.severities {
            Some(list) => list.iter().map(|s| *s.get_ref()).collect(),
            None => vec![1, 2, 3, 4, 5],
        };
        let metrics = match &r.metrics {
            Some(list) => list.iter().map(|m| m.get_ref().clone()).collect(),
            None => vec!["accuracy".to_owned()],
        };
        Some((kinds, severities, metrics))
    }

    fn check_robustness(&self) -> Result<(), PlanError> {
        let f = &self.file;
        let Some(r) = &f.robustness else {
            if let Some(c) = &f.criteria
                && let Some(e) = c
                    .require
                    .iter()
                    .find(|e| is_robustness_criterion(e.get_ref()))
            {
                return Err(self.error(
                    e.span(),
                    "a robustness criterion needs a [robustness] section (and a model to run)",
                ));
            }
            return Ok(());
        };
        if f.model.file.is_none() {
            return Err(self.error(
                0..0,
                "[robustness] runs the model on perturbed images: name the model under [model] file",
            ));
        }
        for p in r.perturbations.iter().flatten() {
            if let Some(kind) = assay_model::Perturbation::from_name(p.get_ref())
                && kind.is_tabular() != self.tabular()
            {
                return Err(self.error(
                    p.span(),
                    if self.tabular() {
                        "a feature table takes the perturbation feature_noise; the others are for images"
                    } else {
                        "feature_noise is for feature tables; images take noise, blur, brightness, contrast, jpeg, occlusion, rotation"
                    },
                ));
            }
            if assay_model::Perturbation::from_name(p.get_ref()).is_none() {
                let names: Vec<&str> = assay_model::Perturbation::ALL
                    .iter()
                    .chain(&assay_model::Perturbation::TABULAR)
                    .map(|p| p.name())
                    .collect();
                return Err(self.error(
                    p.span(),
                    &format!(
                        "unknown perturbation '{}'; there are: {}",
                        p.get_ref(),
                        names.join(", ")
                    ),
                ));
            }
        }
        for s in r.severities.iter().flatten() {
            if !(1..=5).contains(s.get_ref()) {
                return Err(self.error(s.span(), "severities run from 1 to 5"));
            }
        }
        for m in r.metrics.iter().flatten() {
            if !assay_eval::compare::all_metric_ids().contains(&m.get_ref().as_str()) {
                return Err(self.error(
                    m.span(),
                    &format!(
                        "robustness reports metrics the paired comparison has: {}",
                        assay_eval::compare::all_metric_ids().join(", ")
                    ),
                ));
            }
        }
        let (kinds, severities, metrics) = self.robustness().unwrap_or_default();
        for (c, span) in &self.criteria {
            let Some(rest) = c.metric.strip_prefix("robustness.") else {
                continue;
            };
            let parts: Vec<&str> = rest.splitn(3, '.').collect();
            let ok = match parts.as_slice() {
                [p, s, m] => {
                    let kind = assay_model::Perturbation::from_name(p);
                    let sev = s.parse::<u8>().ok();
                    let metric_ok = *m == "flip_rate"
                        || metrics.iter().any(|x| x == m || format!("{x}_drop") == *m);
                    kind.is_some_and(|k| kinds.contains(&k))
                        && sev.is_some_and(|s| severities.contains(&s))
                        && metric_ok
                }
                _ => false,
            };
            if !ok {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                return Err(self.error(
                    span.clone(),
                    &format!(
                        "criterion {:?}: a robustness criterion reads robustness.PERTURBATION.SEVERITY.METRIC with a perturbation of [robustness] ({}), a severity of it ({}) and METRIC one of {}, METRIC_drop or flip_rate",
                        c.expression,
                        names.join(", "),
                        severities.iter().map(u8::to_string).collect::<Vec<_>>().join(", "),
                        metrics.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether the model runs on a feature table.
    pub fn tabular(&self) -> bool {
        self.file
            .test_set
            .as_ref()
            .is_some_and(|t| t.table.is_some())
    }

    /// The image preprocessing the plan declares.
    pub fn preprocess(&self) -> assay_model::Preprocess {
        use assay_model::{Color, Interpolation, Layout, Preprocess};
        let d = Preprocess::default();
        let Some(p) = &self.file.preprocessing else {
            return d;
        };
        let p = p.get_ref();
        Preprocess {
            color: match p.color {
                Some(ColorName::Gray) => Color::Gray,
                Some(ColorName::Rgb) => Color::Rgb,
                None => d.color,
            },
            resize: p.resize,
            interpolation: match p.interpolation {
                Some(InterpolationName::Nearest) => Interpolation::Nearest,
                Some(InterpolationName::Bicubic) => Interpolation::Bicubic,
                Some(InterpolationName::Lanczos3) => Interpolation::Lanczos3,
                Some(InterpolationName::Bilinear) | None => Interpolation::Bilinear,
            },
            center_crop: p.center_crop,
            scale: p.scale.unwrap_or(d.scale),
            mean: p.mean.clone().unwrap_or(d.mean),
            std: p.std.clone().unwrap_or(d.std),
            layout: match p.layout {
                Some(LayoutName::Nhwc) => Layout::Nhwc,
                _ => Layout::Nchw,
            },
        }
    }

    /// The model run the plan asks for: the model, the test set and the run
    /// settings (`None` when the plan reads predictions).
    pub fn model_run(
        &self,
    ) -> Option<(
        assay_model::ModelSpec,
        assay_model::TestSet,
        assay_model::RunSettings,
    )> {
        let f = &self.file;
        let file = f.model.file.as_ref()?;
        let ts = f.test_set.as_ref()?;
        let spec = assay_model::ModelSpec {
            path: self.resolve(file.get_ref()),
            input: f.model.input.clone(),
            output: f.model.output.clone(),
            scores: match f.model.scores {
                Some(ScoresName::Logits) => assay_model::ScoreOutput::Logits,
                _ => assay_model::ScoreOutput::Probabilities,
            },
        };
        let test_set = match (&ts.folder, &ts.manifest, &ts.table) {
            (Some(folder), _, _) => assay_model::TestSet::Folder(self.resolve(folder.get_ref())),
            (None, Some(m), _) => assay_model::TestSet::Manifest {
                path: self.resolve(m.get_ref()),
                path_column: ts.path_column.clone().unwrap_or_else(|| "path".into()),
                label_column: ts.label_column.clone().unwrap_or_else(|| "label".into()),
                slices: ts.slices.clone(),
            },
            (None, None, Some(t)) => {
                let path = self.resolve(t.get_ref());
                let features = match (&ts.features, &ts.feature_prefix) {
                    (Some(list), _) => list.clone(),
                    (None, Some(prefix)) => assay_data::open(&path, None)
                        .map(|r| {
                            r.columns()
                                .iter()
                                .filter(|c| c.starts_with(prefix.as_str()))
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default(),
                    (None, None) => Vec::new(),
                };
                assay_model::TestSet::Table {
                    path,
                    features,
                    label_column: ts.label_column.clone().unwrap_or_else(|| "label".into()),
                    id_column: ts.id_column.clone(),
                    slices: ts.slices.clone(),
                }
            }
            (None, None, None) => return None,
        };
        let settings = assay_model::RunSettings {
            batch_size: f
                .preprocessing
                .as_ref()
                .and_then(|p| p.get_ref().batch_size.as_ref())
                .map_or(32, |b| *b.get_ref()),
            on_error: match ts.on_error {
                Some(OnErrorName::Skip) => assay_model::OnError::Skip,
                _ => assay_model::OnError::Stop,
            },
            classes: f.model.classes.clone(),
            perturbation: None,
        };
        Some((spec, test_set, settings))
    }

    /// Every file of a list must exist; the error points at the one that does not.
    fn existing_files(&self, value: &Spanned<Files>, what: &str) -> Result<(), PlanError> {
        let span = value.span();
        let raw = self.source.get(span.clone()).unwrap_or("");
        for name in &value.get_ref().0 {
            if self.resolve(name).exists() {
                continue;
            }
            // The element's own span when it is written plainly, else the whole value.
            let inner = ["\"", "'"]
                .iter()
                .find_map(|q| raw.find(&format!("{q}{name}{q}")))
                .map_or(span.clone(), |at| {
                    span.start + at..span.start + at + name.len() + 2
                });
            let spanned = Spanned::new(inner, name.clone());
            self.existing(&spanned, what)?;
        }
        Ok(())
    }

    /// The files of a list, resolved, as an input.
    pub fn input(&self, files: &Files, format: Option<assay_data::Format>) -> Input {
        match files.0.as_slice() {
            [one] => Input::File {
                path: self.resolve(one),
                format,
            },
            many => Input::Files {
                paths: many.iter().map(|f| self.resolve(f)).collect(),
                format,
            },
        }
    }

    fn check(&mut self) -> Result<(), PlanError> {
        let f = &self.file;
        if let Some(schema) = &f.schema
            && schema.get_ref() != PLAN_SCHEMA
        {
            return Err(self.error(
                schema.span(),
                &format!(
                    "this version of assay reads plans of schema '{PLAN_SCHEMA}', not '{}'",
                    schema.get_ref()
                ),
            ));
        }
        match (&f.data.predictions, &f.model.file) {
            (Some(p), None) => self.existing_files(p, "the predictions file")?,
            (None, Some(model)) => {
                self.existing(model, "the model file")?;
                if let Some(dir) = &f.model.directory {
                    self.existing(dir, "the model directory")?;
                }
                self.check_test_set()?;
            }
            (Some(p), Some(_)) => {
                return Err(self.error(
                    p.span(),
                    "name either predictions here or a model to run under [model] file, not both",
                ));
            }
            (None, None) => {
                return Err(self.error(
                    0..0,
                    "the plan needs predictions = \"FILE\" under [data], or a model to run: file = \"MODEL.onnx\" under [model] and a [test_set]",
                ));
            }
        }
        if let Some(b) = &f.baseline {
            self.existing_files(&b.predictions, "the baseline predictions file")?;
        }
        if let Some(l) = &f.leakage {
            self.existing(&l.training, "the training-data manifest")?;
            self.existing(&l.test, "the test-data manifest")?;
        }
        if let Some(received) = &f.report.received
            && !assay_base::date::is_date(received.get_ref())
        {
            return Err(self.error(
                received.span(),
                "the date the items were received must be a date written YYYY-MM-DD, e.g. \"2026-11-20\"",
            ));
        }
        if let Some(d) = &f.data.delimiter {
            let mut chars = d.get_ref().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii() => {}
                _ => {
                    return Err(self.error(
                        d.span(),
                        "the delimiter must be one ASCII character, e.g. \";\" or \"\\t\"",
                    ));
                }
            }
        }
        self.check_ranges()?;
        if let (Some(c), Some(enabled)) = (&f.criteria, &f.intervals.enabled)
            && !*enabled.get_ref()
            && c.decision_rule != Some(RuleName::Simple)
            && !c.require.is_empty()
        {
            return Err(self.error(
                enabled.span(),
                "the guarded decision rule judges criteria by their confidence intervals; keep intervals enabled, or set decision_rule = \"simple\" under [criteria]",
            ));
        }
        let mut criteria = Vec::new();
        if let Some(c) = &f.criteria {
            for expr in &c.require {
                match Criterion::parse(expr.get_ref()) {
                    Ok(parsed) => criteria.push((parsed, expr.span())),
                    Err(e) => {
                        return Err(self.error(
                            inner_span(&self.source, expr, e.span.clone()),
                            &format!("criterion {:?}: {}", e.expression, e.problem),
                        ));
                    }
                }
            }
        }
        if let Some(b) = &f.baseline
            && let Some(m) = &b.metric
        {
            let ids = assay_eval::compare::all_metric_ids();
            if !ids.contains(&m.get_ref().as_str()) {
                return Err(self.error(
                    m.span(),
                    &format!(
                        "the baseline comparison has no metric '{}'; it compares: {}",
                        m.get_ref(),
                        ids.join(", ")
                    ),
                ));
            }
        }
        self.criteria = criteria;
        self.check_robustness()?;
        Ok(())
    }

    fn check_ranges(&self) -> Result<(), PlanError> {
        let f = &self.file;
        let e = &f.evaluation;
        let i = &f.intervals;
        let need = |ok: bool, span: Range<usize>, message: &str| {
            if ok {
                Ok(())
            } else {
                Err(self.error(span, message))
            }
        };
        if let Some(v) = &e.threshold {
            need(
                v.get_ref().is_finite(),
                v.span(),
                "threshold must be a finite number",
            )?;
        }
        if let Some(v) = &e.beta {
            need(
                v.get_ref().is_finite() && *v.get_ref() > 0.0,
                v.span(),
                "beta must be a positive number",
            )?;
        }
        if let Some(v) = &e.calibration_bins {
            need(
                (1..=10_000).contains(v.get_ref()),
                v.span(),
                "calibration_bins must be between 1 and 10000",
            )?;
        }
        if let Some(v) = &e.top_k {
            need(*v.get_ref() >= 1, v.span(), "top_k must be at least 1")?;
        }
        if let Some(v) = &e.sum_tolerance {
            need(
                v.get_ref().is_finite() && *v.get_ref() >= 0.0,
                v.span(),
                "sum_tolerance must be a non-negative number",
            )?;
        }
        if let Some(v) = &e.bin_bits {
            need(
                (1..=52).contains(v.get_ref()),
                v.span(),
                "bin_bits must be between 1 and 52",
            )?;
        }
        if let Some(v) = &e.curve_points {
            need(
                *v.get_ref() >= 2,
                v.span(),
                "curve_points must be at least 2",
            )?;
        }
        if let Some(v) = &i.confidence {
            need(
                assay_stats::check_level(*v.get_ref()).is_ok(),
                v.span(),
                "confidence must lie strictly between 0 and 1, e.g. 0.95",
            )?;
        }
        if let Some(v) = &i.bootstrap {
            need(
                *v.get_ref() >= 100,
                v.span(),
                "bootstrap needs at least 100 replicates (2000 is the default)",
            )?;
        }
        if let Some(s) = &f.slices {
            if let Some(v) = &s.min_power {
                need(
                    *v.get_ref() > 0.0 && *v.get_ref() < 1.0,
                    v.span(),
                    "min_power must lie strictly between 0 and 1",
                )?;
            }
            if let Some(v) = &s.effect {
                need(
                    *v.get_ref() > 0.0 && *v.get_ref() < 1.0,
                    v.span(),
                    "effect must lie strictly between 0 and 1",
                )?;
            }
        }
        if let Some(b) = &f.baseline
            && let Some(v) = &b.margin
        {
            need(
                v.get_ref().is_finite() && *v.get_ref() >= 0.0,
                v.span(),
                "margin must be a non-negative number on the metric's scale",
            )?;
        }
        Ok(())
    }

    /// A criterion's error, placed in the plan where that criterion is written.
    pub fn criterion_error(&self, e: &assay_eval::criteria::CriterionError) -> Option<PlanError> {
        let c = self.file.criteria.as_ref()?;
        let written = c.require.iter().find(|r| *r.get_ref() == e.expression)?;
        Some(self.error(
            inner_span(&self.source, written, e.span.clone()),
            &format!("criterion {:?}: {}", e.expression, e.problem),
        ))
    }

    /// The parsed criteria with the span of each in the plan.
    pub fn criteria(&self) -> &[(Criterion, Range<usize>)] {
        &self.criteria
    }

    /// The standard assessed against.
    pub fn standard(&self) -> &str {
        self.file
            .plan
            .standard
            .as_deref()
            .unwrap_or(DEFAULT_STANDARD)
    }

    /// The seed of every random stream.
    pub fn seed(&self) -> u64 {
        self.file
            .evaluation
            .seed
            .unwrap_or(assay_stats::binary::IntervalSettings::default().seed)
    }

    /// The evaluation the plan asks for.
    pub fn eval_spec(&self) -> EvalSpec {
        use assay_metrics::ranking::CurveMode;
        use assay_stats::binary::{IntervalSettings, ProportionMethod};
        use assay_stats::bootstrap::Method;
        let f = &self.file;
        let d = &f.data;
        let format = match (d.format, &d.delimiter) {
            (_, Some(delim)) => Some(assay_data::Format::Csv {
                delimiter: delim.get_ref().as_bytes().first().copied().unwrap_or(b','),
            }),
            (Some(FormatName::Csv), None) => Some(assay_data::Format::Csv { delimiter: b',' }),
            (Some(FormatName::Tsv), None) => Some(assay_data::Format::Csv { delimiter: b'\t' }),
            (Some(FormatName::Jsonl), None) => Some(assay_data::Format::JsonLines),
            (Some(FormatName::Parquet), None) => Some(assay_data::Format::Parquet),
            (Some(FormatName::Arrow), None) => Some(assay_data::Format::ArrowIpc),
            (None, None) => None,
        };
        let input = match &d.predictions {
            Some(p) => self.input(p.get_ref(), format),
            // A model run writes its predictions here (see `with_predictions`).
            None => Input::File {
                path: PathBuf::from("predictions.parquet"),
                format: Some(assay_data::Format::Parquet),
            },
        };
        let mut spec = EvalSpec::new(input);
        spec.task = d.task.map(|t| match t {
            TaskName::Binary => Task::Binary,
            TaskName::Multiclass => Task::Multiclass,
            TaskName::Multilabel => Task::Multilabel,
        });
        let c = &d.columns;
        spec.columns = assay_eval::Columns {
            truth: c.truth.clone(),
            score: c.score.clone(),
            prediction: c.prediction.clone(),
            weight: c.weight.clone(),
            probability_prefix: c.probability_prefix.clone(),
            truth_prefix: c.truth_prefix.clone(),
            score_prefix: c.score_prefix.clone(),
            prediction_prefix: c.prediction_prefix.clone(),
        };
        spec.positive = d.positive.clone();
        spec.classes = d.classes.clone();
        if let Some(k) = d.score_kind {
            spec.score_kind = match k {
                ScoreKindName::Probability => ScoreKind::Probability,
                ScoreKindName::Score => ScoreKind::Score,
            };
        }
        let e = &f.evaluation;
        if let Some(v) = &e.threshold {
            spec.threshold = *v.get_ref();
        }
        if let Some(v) = &e.beta {
            spec.beta = *v.get_ref();
        }
        if let Some(v) = &e.calibration_bins {
            spec.calibration_bins = *v.get_ref();
        }
        spec.top_k = e.top_k.as_ref().map(|v| *v.get_ref());
        if let Some(v) = &e.sum_tolerance {
            spec.sum_tolerance = *v.get_ref();
        }
        if e.curves == Some(CurvesName::Binned) {
            spec.curve_mode = CurveMode::Binned {
                bits: e.bin_bits.as_ref().map_or(16, |b| *b.get_ref()),
            };
        }
        if let Some(v) = &e.curve_points {
            spec.curve_points = *v.get_ref();
        }
        let i = &f.intervals;
        let defaults = IntervalSettings::default();
        spec.intervals =
            (i.enabled.as_ref().map(|e| *e.get_ref()) != Some(false)).then(|| IntervalSettings {
                level: i
                    .confidence
                    .as_ref()
                    .map_or(defaults.level, |v| *v.get_ref()),
                replicates: i
                    .bootstrap
                    .as_ref()
                    .map_or(defaults.replicates, |v| *v.get_ref()),
                seed: self.seed(),
                proportion: match i.proportion {
                    Some(ProportionName::ClopperPearson) => ProportionMethod::ClopperPearson,
                    _ => ProportionMethod::Wilson,
                },
                bootstrap: match i.bootstrap_method {
                    Some(BootstrapName::Bca) => Method::Bca,
                    _ => Method::Percentile,
                },
                stratified: i.stratified.unwrap_or(false),
                row_budget: i.row_budget.unwrap_or(defaults.row_budget),
            });
        if let Some(s) = &f.slices {
            let mut settings = assay_eval::slices::SliceSettings::new(
                s.by.iter()
                    .map(|s| match s {
                        Slicing::One(c) => vec![c.clone()],
                        Slicing::Combined(cs) => cs.clone(),
                    })
                    .collect(),
            );
            if s.correction == Some(CorrectionName::Bh) {
                settings.correction = assay_stats::slices::Correction::BenjaminiHochberg;
            }
            if let Some(m) = s.min_size {
                settings.min_size = m;
            }
            if let Some(v) = &s.min_power {
                settings.min_power = *v.get_ref();
            }
            if let Some(v) = &s.effect {
                settings.effect = *v.get_ref();
            }
            let level = spec.intervals.as_ref().map_or(defaults.level, |i| i.level);
            // Rounded so that 1 − 0.95 reads 0.05.
            settings.alpha = ((1.0 - level) * 1e12).round() / 1e12;
            spec.slices = Some(settings);
        }
        if let Some(c) = &f.criteria {
            spec.criteria = c
                .require
                .iter()
                .map(|r| r.get_ref().clone())
                .filter(|r| !is_robustness_criterion(r))
                .collect();
            spec.decision_rule = match c.decision_rule {
                Some(RuleName::Simple) => DecisionRule::Simple,
                _ => DecisionRule::Guarded,
            };
        }
        spec
    }

    /// Point an evaluation at a model run's predictions: its classes in
    /// output order; a binary task (score = the positive class's
    /// probability) when there are two classes and the plan names the
    /// positive one, or when it says task = "binary".
    pub fn fit_to_model(&self, spec: &mut EvalSpec, classes: &[String]) {
        let d = &self.file.data;
        let binary = d.task == Some(TaskName::Binary)
            || (d.task.is_none() && classes.len() == 2 && d.positive.is_some());
        if binary {
            let positive = d
                .positive
                .clone()
                .unwrap_or_else(|| classes.last().cloned().unwrap_or_default());
            spec.task = Some(Task::Binary);
            spec.columns.score = Some(format!("prob_{positive}"));
            spec.columns.prediction = Some("pred".into());
            spec.positive = Some(positive);
        } else {
            spec.task = Some(Task::Multiclass);
            spec.classes = Some(classes.to_vec());
        }
        spec.columns.truth = Some("label".into());
    }

    /// The baseline comparison the plan asks for, if any.
    pub fn compare_spec(&self) -> Option<assay_eval::compare::CompareSpec> {
        let b = self.file.baseline.as_ref()?;
        let mut candidate = self.eval_spec();
        // The comparison has its own verdict; criteria and slices belong to the evaluation.
        candidate.criteria.clear();
        candidate.slices = None;
        Some(assay_eval::compare::CompareSpec {
            candidate,
            baseline: self.input(b.predictions.get_ref(), None),
            id_column: self
                .file
                .data
                .id_column
                .clone()
                .unwrap_or_else(|| "id".into()),
            margin: b.margin.as_ref().map_or(0.0, |m| *m.get_ref()),
            primary: b
                .metric
                .as_ref()
                .map_or_else(|| "accuracy".into(), |m| m.get_ref().clone()),
            hypothesis: match b.hypothesis {
                Some(HypothesisName::Superiority) => assay_eval::compare::Hypothesis::Superiority,
                _ => assay_eval::compare::Hypothesis::NonInferiority,
            },
        })
    }
}

/// Whether a criterion is about a robustness run (`robustness.noise.3.…`).
pub fn is_robustness_criterion(expression: &str) -> bool {
    expression.trim_start().starts_with("robustness.")
}

/// The span of `inner` (a byte range of the string's value) inside the plan,
/// when the string is written without escapes; else the whole string.
fn inner_span(source: &str, value: &Spanned<String>, inner: Range<usize>) -> Range<usize> {
    let span = value.span();
    let raw = source.get(span.clone()).unwrap_or("");
    let text = value.get_ref();
    for quote in ["\"", "'"] {
        if raw.len() == text.len() + 2 && raw.starts_with(quote) && &raw[1..raw.len() - 1] == text {
            return span.start + 1 + inner.start..span.start + 1 + inner.end;
        }
    }
    span
}

/// serde's messages, in the words of a plan.
fn friendly(message: &str) -> String {
    let mut m = message
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
        .replace("unknown variant", "unknown value")
        .replace("expected one of", "expected one of:");
    for (rust, words) in [
        ("expected usize", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected u8", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a string", "expected a string in quotes"),
    ] {
        if m.ends_with(rust) {
            m = format!("{}{words}", &m[..m.len() - rust.len()]);
        }
    }
    if m.starts_with("unknown key") {
        format!("{m} (check the spelling; `assay init` writes a plan with every key)")
    } else {
        m
    }
}

fn error_at(path: &Path, source: &str, span: Range<usize>, message: &str) -> PlanError {
    let (line, column, line_range) = locate(source, span.start);
    let text = source[line_range.clone()].trim_end_matches('\r');
    let width = source
        .get(span.start.min(line_range.end)..span.end.clamp(span.start, line_range.end))
        .map_or(1, |s| s.chars().count())
        .max(1);
    let gutter = line.to_string().len();
    let pad: String = text
        .chars()
        .take(column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let excerpt = format!(
        "{:gutter$} |\n{line} | {text}\n{:gutter$} | {pad}{}",
        "",
        "",
        "^".repeat(width)
    );
    PlanError::At {
        path: path.to_owned(),
        line,
        column,
        message: message.to_owned(),
        excerpt,
    }
}
