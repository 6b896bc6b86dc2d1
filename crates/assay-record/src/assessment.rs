//! The assessment record (`assay/assessment/v1`, `assessment.json`): the
//! plan, who assesses what, every input's digest, the tool, the
//! environment, the evaluation, the model run, the comparison, robustness,
//! leakage, the verdict, the disclosures and the warnings.

use assay_metrics::MetricSet;
use assay_model::{ModelIdentity, Perturbation, Preprocess, ScoreOutput, Skipped, Timing};
use assay_stats::compare::McNemar;
use assay_stats::decision::DecisionRule;
use serde::{Deserialize, Serialize};

use crate::text::Text;

use crate::eval::{CompareResult, EvalResult, Judgement, Outcome};

/// The schema id of the record.
pub const ASSESSMENT_SCHEMA: &str = "assay/assessment/v1";

/// The JSON pointers of the members that differ from run to run.
pub const RUN_SPECIFIC: [&str; 1] = ["/run"];

/// The plan as recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanRecord {
    /// The plan's file name.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its exact text.
    pub text: String,
}

/// Who assesses what.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identification {
    /// The plan's id.
    pub plan_id: String,
    /// The plan's version.
    pub plan_version: String,
    /// A title for reports.
    pub title: Option<Text>,
    /// Standard and edition.
    pub standard: String,
    /// The testing laboratory.
    pub lab: Party,
    /// The client.
    pub client: Party,
    /// The model under test.
    pub model: ModelInfo,
    /// What the test report says of itself.
    pub report: ReportInfo,
}

/// The model under test, as the plan identifies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
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
}

/// What the test report says of itself (ISO/IEC 17025 clause 7.8.2.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInfo {
    /// The report's unique number (default: the plan id and the first
    /// digits of the assessment record's SHA-256).
    pub number: Option<String>,
    /// Who authorises the report.
    pub authoriser: Option<Text>,
    /// The authoriser's function, e.g. "Technical manager".
    pub authoriser_role: Option<Text>,
    /// The date the test items were received (YYYY-MM-DD).
    pub received: Option<String>,
    /// Deviations from the plan or the method, as the lab records them.
    #[serde(default)]
    pub deviations: Vec<Text>,
}

/// One input file or folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputRecord {
    /// What it is for.
    pub role: InputRole,
    /// The path as the plan writes it.
    pub path: String,
    /// A file, a folder (digest over its `sha256sum` listing) or the files
    /// a manifest lists.
    pub kind: InputKind,
    /// SHA-256 of the bytes (for a folder: of its `sha256sum` listing).
    pub sha256: String,
    /// Bytes (for a folder: all files).
    pub size: u64,
    /// Files in a folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
}

/// What an input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputRole {
    /// The model run.
    #[serde(rename = "model")]
    Model,
    /// An image folder (one sub-folder per class).
    #[serde(rename = "test set")]
    TestSet,
    /// A feature table.
    #[serde(rename = "test-set table")]
    TestSetTable,
    /// A manifest of images.
    #[serde(rename = "test-set manifest")]
    TestSetManifest,
    /// The images a manifest lists.
    #[serde(rename = "test images")]
    TestImages,
    /// The predictions a model run wrote.
    #[serde(rename = "model predictions")]
    ModelPredictions,
    /// The predictions of a robustness run (a perturbed copy of the test set).
    #[serde(rename = "robustness predictions")]
    RobustnessPredictions,
    /// Predictions the client supplied.
    #[serde(rename = "predictions")]
    Predictions,
    /// The baseline's predictions.
    #[serde(rename = "baseline predictions")]
    BaselinePredictions,
    /// The training-data manifest of the leakage check.
    #[serde(rename = "training-data manifest")]
    TrainingManifest,
    /// The test-data manifest of the leakage check.
    #[serde(rename = "test-data manifest")]
    TestManifest,
    /// The lab's logo or accreditation mark, shown on the certificate.
    #[serde(rename = "lab logo")]
    LabLogo,
}

impl InputRole {
    /// The words in the record (`test-set manifest`, …).
    pub fn name(self) -> &'static str {
        match self {
            InputRole::Model => "model",
            InputRole::TestSet => "test set",
            InputRole::TestSetTable => "test-set table",
            InputRole::TestSetManifest => "test-set manifest",
            InputRole::TestImages => "test images",
            InputRole::ModelPredictions => "model predictions",
            InputRole::RobustnessPredictions => "robustness predictions",
            InputRole::Predictions => "predictions",
            InputRole::BaselinePredictions => "baseline predictions",
            InputRole::TrainingManifest => "training-data manifest",
            InputRole::LabLogo => "lab logo",
            InputRole::TestManifest => "test-data manifest",
        }
    }
}

/// How an input was digested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// One file: the SHA-256 of its bytes.
    File,
    /// A folder: the SHA-256 of its `sha256sum` listing.
    Folder,
    /// The files a manifest lists: the SHA-256 of their listing in manifest order.
    Files,
}

/// The tool that made the record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolRecord {
    /// Always `assay`.
    pub name: String,
    /// Version.
    pub version: String,
    /// The source revision it was built from.
    pub revision: String,
}

/// One clause 5.3 control criterion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Disclosure {
    /// Clause of ISO/IEC TS 4213.
    pub clause: String,
    /// The plan's key.
    pub key: String,
    /// The clause's title.
    pub title: String,
    /// Whether the plan states it.
    pub status: DisclosureStatus,
    /// The lab's statement.
    pub statement: Option<Text>,
}

/// Whether a control criterion is disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisclosureStatus {
    /// The plan states it.
    #[serde(rename = "disclosed")]
    Disclosed,
    /// The plan is silent, or states it empty.
    #[serde(rename = "not disclosed")]
    NotDisclosed,
}

/// Something the reader of the record must know.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Warning {
    /// A stable code.
    pub code: WarningCode,
    /// What it means, in English.
    pub message: String,
    /// The values the message is made of (class, counts, slices, …), so
    /// that a report writes the warning in its own language. Absent in
    /// records written before warnings carried them.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// Slices too small or too weakly powered for a conclusion.
    SmallSlices,
    /// A class far below its even share.
    ClassImbalance,
    /// A class with fewer than 30 items.
    FewItems,
    /// Test items identical to training items.
    Leakage,
    /// Control criteria of clause 5.3 not disclosed.
    NotDisclosed,
    /// Metrics left without an interval.
    Intervals,
    /// A criterion that could not be judged.
    CriterionNotJudged,
}

impl WarningCode {
    /// The code in the record (`small-slices`, …).
    pub fn name(self) -> &'static str {
        match self {
            WarningCode::SmallSlices => "small-slices",
            WarningCode::ClassImbalance => "class-imbalance",
            WarningCode::FewItems => "few-items",
            WarningCode::Leakage => "leakage",
            WarningCode::NotDisclosed => "not-disclosed",
            WarningCode::Intervals => "intervals",
            WarningCode::CriterionNotJudged => "criterion-not-judged",
        }
    }
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The overall verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    /// `pass` when every criterion (and the baseline comparison) holds,
    /// `fail` when one does not, `not judged` when the plan states none.
    pub overall: Outcome,
    /// How criteria were judged.
    pub decision_rule: DecisionRule,
    /// Criteria met.
    pub criteria_met: usize,
    /// Criteria stated.
    pub criteria_total: usize,
    /// The baseline comparison's verdict, when the plan has one.
    pub baseline: Option<Outcome>,
}

/// Seconds spent per stage.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Durations {
    /// The model run (decoding, preprocessing, inference, writing).
    pub model: f64,
    /// Digests of the inputs.
    pub digests: f64,
    /// Metrics and intervals.
    pub evaluation: f64,
    /// Baseline comparison.
    pub comparison: f64,
    /// Robustness runs.
    pub robustness: f64,
    /// Leakage check.
    pub leakage: f64,
    /// Everything.
    pub total: f64,
}

/// What differs between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// When the run began (UTC, RFC 3339).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// Seconds per stage.
    pub seconds: Durations,
    /// The model run's latency and throughput (ISO/IEC TS 4213 clauses
    /// 5.3.11–5.3.12), when the plan runs a model.
    pub model: Option<Timing>,
}

/// The test set of a model run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestSetRecord {
    /// How the plan names the test set.
    pub kind: TestSetKind,
    /// As the plan writes it.
    pub path: String,
    /// Items scored.
    pub items: u64,
    /// Items skipped (undecodable images, `on_error = "skip"`).
    pub skipped: u64,
    /// Every skipped item and why.
    pub skipped_items: Vec<Skipped>,
    /// Files of an image folder that are not images by their extension
    /// (`notes.txt`, `Thumbs.db`), left out of the test set; relative to
    /// the folder. Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
}

/// How a plan names its test set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestSetKind {
    /// An image folder, one sub-folder per class.
    Folder,
    /// A table of image paths and labels.
    Manifest,
    /// A table of feature columns.
    Table,
}

impl TestSetKind {
    /// The word in the record: `folder`, `manifest`, `table`.
    pub fn name(self) -> &'static str {
        match self {
            TestSetKind::Folder => "folder",
            TestSetKind::Manifest => "manifest",
            TestSetKind::Table => "table",
        }
    }
}

impl std::fmt::Display for TestSetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a model run did (its timing is under `/run`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelRunRecord {
    /// The model file as the plan writes it (its digest is under `inputs`).
    pub model: String,
    /// The model's identity: the file's SHA-256, or for a model directory
    /// the OpenSSF model-signing manifest (per-file digests and root).
    pub identity: ModelIdentity,
    /// The input fed.
    pub input: String,
    /// The output read.
    pub output: String,
    /// What that output holds.
    pub scores: ScoreOutput,
    /// The classes in output order.
    pub classes: Vec<String>,
    /// Tensor shape of one item.
    pub item_shape: Vec<usize>,
    /// The preprocessing applied.
    pub preprocessing: Preprocess,
    /// Items per model call.
    pub batch_size: usize,
    /// The test set.
    pub test_set: TestSetRecord,
}

/// The assessment record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assessment {
    /// [`ASSESSMENT_SCHEMA`].
    pub schema: String,
    /// The plan.
    pub plan: PlanRecord,
    /// Lab, client, model, standard.
    pub identification: Identification,
    /// Every input with its digest.
    pub inputs: Vec<InputRecord>,
    /// The tool.
    pub tool: ToolRecord,
    /// Where it ran.
    pub environment: Environment,
    /// The seed of every random stream.
    pub seed: u64,
    /// Every metric with its interval, slices and criteria.
    pub evaluation: EvalResult,
    /// The metrics the plan asks reports to present.
    pub reported_metrics: Vec<String>,
    /// The model run, when the plan runs a model.
    pub model_run: Option<ModelRunRecord>,
    /// The baseline comparison.
    pub comparison: Option<CompareResult>,
    /// Robustness runs (ISO/IEC TR 24029-1), when the plan asks for them.
    pub robustness: Option<RobustnessRecord>,
    /// The leakage check.
    pub leakage: Option<LeakageReport>,
    /// The overall verdict.
    pub verdict: Verdict,
    /// The clause 5.3 disclosures.
    pub disclosures: Vec<Disclosure>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// The members that differ from run to run ([`RUN_SPECIFIC`]).
    pub run_specific: Vec<String>,
    /// Times.
    pub run: RunRecord,
}

/// The value a robustness metric id names
/// (`robustness.PERTURBATION.SEVERITY.METRIC`) among `conditions`.
pub fn robustness_metric<'a>(
    conditions: &'a [RobustnessCondition],
    id: &str,
) -> Option<&'a assay_metrics::MetricValue> {
    let parts: Vec<&str> = id.splitn(4, '.').collect();
    match parts.as_slice() {
        ["robustness", p, s, m] => conditions
            .iter()
            .find(|x| x.perturbation.name() == *p && x.severity.to_string() == *s)
            .and_then(|x| x.metrics.get(m)),
        _ => None,
    }
}

impl Assessment {
    /// The value (with its interval) a judgement of the record was made
    /// on: a robustness condition's metric, or the evaluation's, overall
    /// or of a class.
    pub fn judged_metric(&self, judgement: &Judgement) -> Option<&assay_metrics::MetricValue> {
        let c = &judgement.criterion;
        if c.metric.starts_with("robustness.") {
            robustness_metric(&self.robustness.as_ref()?.conditions, &c.metric)
        } else {
            self.evaluation.criterion_metric(c)
        }
    }

    /// The record in canonical JSON.
    pub fn to_canonical(&self) -> String {
        crate::canonical::to_canonical(self).expect("records hold only finite numbers and strings")
    }

    /// Whether the verdict lets the run exit with success.
    pub fn passed(&self) -> bool {
        self.verdict.overall != Outcome::Fail
    }
}

/// One perturbation at one severity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RobustnessCondition {
    /// The perturbation.
    pub perturbation: Perturbation,
    /// Severity 1–5.
    pub severity: u8,
    /// Its parameter.
    pub parameter: f64,
    /// What the parameter means.
    pub unit: String,
    /// Items scored.
    pub items: u64,
    /// Items skipped.
    pub skipped: u64,
    /// Each reported metric on the perturbed images, `METRIC_drop` (clean
    /// − perturbed, paired bootstrap interval) and `flip_rate` (share of
    /// items whose prediction changed, Wilson interval).
    pub metrics: MetricSet,
    /// McNemar's test, clean against perturbed correctness.
    pub mcnemar: McNemar,
}

/// The robustness assessment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RobustnessRecord {
    /// Seed of the perturbations' random streams.
    pub seed: u64,
    /// The metrics reported per condition.
    pub metrics: Vec<String>,
    /// Every condition.
    pub conditions: Vec<RobustnessCondition>,
    /// The robustness criteria's verdicts.
    pub criteria: Vec<Judgement>,
}

/// How a manifest names content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// A table of content hashes.
    Sha256,
    /// A table of file paths, hashed here.
    Path,
    /// Every file under a folder.
    Folder,
}

/// What a manifest held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestSummary {
    /// The manifest as the plan names it.
    pub path: String,
    /// How it names content.
    pub form: Form,
    /// Items listed.
    pub items: u64,
    /// Items with distinct content.
    pub distinct: u64,
    /// SHA-256 over the lines `<sha256>  <item>\n` in manifest order: the
    /// identity of the content the check compared.
    pub content_sha256: String,
}

/// A test item found in the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakedItem {
    /// The test item (id, path or row).
    pub test: String,
    /// The first training item with the same content.
    pub training: String,
    /// The shared content hash.
    pub sha256: String,
}

/// The result of the check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakageReport {
    /// The training manifest.
    pub training: ManifestSummary,
    /// The test manifest.
    pub test: ManifestSummary,
    /// Test items whose content is identical to a training item.
    pub leaked: u64,
    /// Every such item, in test-manifest order.
    pub items: Vec<LeakedItem>,
}

/// Where an assessment ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// Operating-system family (`linux`, `macos`, `windows`, …).
    pub os: String,
    /// The distribution or release name, when the system tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_release: Option<String>,
    /// Kernel release, when the system tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Processor architecture.
    pub arch: String,
    /// Processor model, when the system tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// Logical processors available to the process.
    pub logical_cpus: usize,
    /// Worker threads the computation used.
    pub threads: usize,
}

/// A lab or a client.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Short identifier (the lab's certificate prefix, for a lab).
    pub id: Option<String>,
    /// Name.
    pub name: Text,
    /// Postal address.
    pub address: Option<Text>,
    /// Accreditation and its scope (labs).
    pub accreditation: Option<Text>,
    /// What the lab is when it issues a certificate (labs; default a
    /// test lab): it names the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<IssuerRole>,
    /// The lab's logo or accreditation mark (labs): a PNG or JPEG file,
    /// relative to the plan, digested with the inputs and shown on the
    /// certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
}

/// What an issuer is, which names its certificates.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum IssuerRole {
    /// A testing laboratory (ISO/IEC 17025): a test certificate.
    #[default]
    #[serde(rename = "test lab")]
    TestLab,
    /// A certification body (ISO/IEC 17065): a certificate of conformity.
    #[serde(rename = "certification body")]
    CertificationBody,
}
