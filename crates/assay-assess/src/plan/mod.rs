//! The test plan (`assay.toml`): what is assessed, by whom, with which data,
//! settings and criteria, and the ISO/IEC TS 4213 clause 5.3 disclosures.
//!
//! Raw → checked once: the file is parsed into [`file::PlanFile`] (keeping
//! the byte span of every value that can be wrong), checked, and resolved
//! into a [`Plan`]: the typed stages of the assessment — the model run, the
//! evaluation, the comparison, robustness, the leakage check and the files
//! to digest — with every choice an enum. Code after that never looks at
//! the plan's strings again; an error found later (a criterion naming a
//! metric the result does not have) is still placed at its line and column.

pub mod error;
pub mod file;
pub mod placeholder;

mod check;
mod resolve;

use std::ops::Range;
use std::path::{Path, PathBuf};

use assay_eval::compare::{CompareSpec, Hypothesis};
use assay_eval::criteria::{Criterion, CriterionError};
use assay_eval::{EvalResult, EvalSpec, Input, Task};
use assay_model::{ModelSpec, Perturbation, Preprocess, RunSettings, TestSet};
use assay_record::assessment::{Disclosure, Identification, InputRole, TestSetKind};
use toml::Spanned;

pub use error::{PlanError, Source};

/// The schema id a plan may declare (`schema = "assay/plan/v1"`).
pub const PLAN_SCHEMA: &str = "assay/plan/v1";
/// The standard assessed against, unless the plan names another edition.
pub const DEFAULT_STANDARD: &str = "ISO/IEC TS 4213:2022";
/// The second edition, which adds regression, clustering and
/// recommendation (at DIS ballot since July 2026): the default for those
/// tasks, which the first edition does not cover.
pub const SECOND_EDITION: &str = "ISO/IEC DIS 4213";

/// The default standard of a task: the first edition for classification,
/// the second for the tasks only it covers.
pub fn default_standard(task: Option<assay_metrics::Task>) -> &'static str {
    match task {
        Some(t) if !t.is_classification() => SECOND_EDITION,
        _ => DEFAULT_STANDARD,
    }
}

/// Whether `standard` names the first edition (TS 4213:2022), which
/// covers classification only.
pub fn is_first_edition(standard: &str) -> bool {
    standard
        .replace(' ', "")
        .to_ascii_uppercase()
        .starts_with("ISO/IECTS4213")
}

/// A plan read, checked and resolved: the stages of one assessment.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The plan's text and where it was read from.
    pub source: Source,
    /// Plan, lab, client, model, standard, report details (for the record).
    pub identification: Identification,
    /// The clause 5.3 disclosures, each disclosed or not.
    pub disclosures: Vec<Disclosure>,
    /// The seed of every random stream.
    pub seed: u64,
    /// The model run, when the lab runs the model (else the plan reads predictions).
    pub model_run: Option<ModelRun>,
    /// The evaluation; for a model run its input is the run's predictions
    /// ([`ModelRun::evaluation`]).
    pub evaluation: EvalSpec,
    /// The predictions files as the plan writes them (none for a model run).
    pub predictions: Vec<String>,
    /// Where the plan names its standard (`[plan] standard`), or its
    /// predictions when it leaves the standard to the default.
    pub standard_at: Option<std::ops::Range<usize>>,
    /// The metrics reports present, as the plan writes them (`None`: all).
    pub reported: Option<Vec<Spanned<String>>>,
    /// The comparison with a baseline.
    pub comparison: Option<Comparison>,
    /// The robustness runs.
    pub robustness: Option<Robustness>,
    /// The leakage check.
    pub leakage: Option<Leakage>,
    /// The files to digest besides the model run's own, in record order.
    pub digests: Vec<ToDigest>,
    /// The reports `assay run` writes beside the record (`[report]
    /// languages` × `formats`; none when the plan names neither).
    pub reports: Vec<(assay_record::Lang, assay_record::report::Format)>,
    /// Every criterion with its place in the plan.
    criteria: Vec<(Criterion, Range<usize>)>,
}

/// The model under test, run by the lab on its test set.
#[derive(Debug, Clone)]
pub struct ModelRun {
    /// The model file as the plan writes it.
    pub written: String,
    /// The file or directory whose identity names the model.
    pub identity: PathBuf,
    /// The model, its input and output.
    pub model: ModelSpec,
    /// The test set.
    pub test_set: TestSet,
    /// How the plan names it, and as what.
    pub test_set_kind: TestSetKind,
    /// The test set as the plan writes it.
    pub test_set_written: String,
    /// The image preprocessing.
    pub preprocess: Preprocess,
    /// Batch size, undecodable items, classes.
    pub settings: RunSettings,
    /// The task the plan names, if any.
    task: Option<Task>,
    /// The positive class the plan names, if any.
    positive: Option<String>,
}

/// A file the record identifies by its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToDigest {
    /// What it is for.
    pub role: InputRole,
    /// The path as the plan writes it.
    pub written: String,
}

/// The comparison with a baseline (ISO/IEC TS 4213 clause 5.3.13).
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The baseline's predictions as the plan writes them.
    pub written: Vec<String>,
    /// The baseline's predictions.
    pub baseline: Input,
    /// The column that joins the two files.
    pub id_column: String,
    /// Non-inferiority margin.
    pub margin: f64,
    /// The metric the verdict is about, as written (default `accuracy`).
    pub metric: Option<Spanned<String>>,
    /// What the comparison must show.
    pub hypothesis: Hypothesis,
}

/// The robustness runs (ISO/IEC TR 24029-1).
#[derive(Debug, Clone)]
pub struct Robustness {
    /// The perturbations, in order.
    pub perturbations: Vec<Perturbation>,
    /// The severities of each.
    pub severities: Vec<u8>,
    /// The metrics reported per condition.
    pub metrics: Vec<String>,
    /// The robustness criteria (`robustness.noise.3.accuracy >= 0.9`).
    pub criteria: Vec<Criterion>,
}

/// The leakage check's manifests (ISO/IEC TS 4213 clause 5.3.7).
#[derive(Debug, Clone)]
pub struct Leakage {
    /// The training-data manifest as written, and resolved.
    pub training: (String, PathBuf),
    /// The test-data manifest as written, and resolved.
    pub test: (String, PathBuf),
}

impl Plan {
    /// Read, check and resolve the plan at `path`.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, text)
    }

    /// Check and resolve the plan text `text`, read from `path`.
    pub fn parse(path: &Path, text: String) -> Result<Plan, PlanError> {
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let source = Source {
            path: path.to_owned(),
            text,
            base,
        };
        let file: file::PlanFile = toml::from_str(&source.text).map_err(|e| {
            let message = error::friendly(e.message().trim());
            source.error(e.span().unwrap_or(0..0), &message)
        })?;
        let criteria = check::Checker {
            src: &source,
            f: &file,
        }
        .check()?;
        resolve::resolve(source, &file, criteria)
    }

    /// The standard assessed against.
    pub fn standard(&self) -> &str {
        &self.identification.standard
    }

    /// Every criterion of the plan, as parsed.
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().map(|(c, _)| c)
    }

    /// An evaluation's error, placed at the plan's line where the column it
    /// names is written (`truth = "lable"`); other errors as they are.
    pub fn column_error(&self, e: assay_eval::EvalError) -> crate::assessment::AssessError {
        if let assay_eval::EvalError::Data(assay_data::DataError::MissingColumn { column, .. }) = &e
            && let Some(span) = ["\"", "'"].iter().find_map(|q| {
                self.source
                    .text
                    .find(&format!("{q}{column}{q}"))
                    .map(|at| at..at + column.len() + 2)
            })
        {
            return self.source.error(span, &e.to_string()).into();
        }
        e.into()
    }

    /// A criterion's error, placed in the plan where that criterion is written.
    pub fn criterion_error(&self, e: &CriterionError) -> Option<PlanError> {
        let (_, span) = self
            .criteria
            .iter()
            .find(|(c, _)| c.expression == e.expression)?;
        let written = Spanned::new(span.clone(), e.expression.clone());
        Some(self.source.error_inside(
            &written,
            e.span.clone(),
            &format!("criterion {:?}: {}", e.expression, e.problem),
        ))
    }

    /// The metrics reports present, checked against the result: each one
    /// the plan names must be a metric (or `METRIC[CLASS]`) of the result.
    pub fn reported_metrics(&self, result: &EvalResult) -> Result<Vec<String>, PlanError> {
        self.reported_in(result, true)
    }

    /// As [`Plan::reported_metrics`], but a `METRIC[CLASS]` is taken as
    /// it is: the classes are not known yet (a dry run, before labels are
    /// read).
    pub fn reported_metrics_named(&self, result: &EvalResult) -> Result<Vec<String>, PlanError> {
        self.reported_in(result, false)
    }

    fn reported_in(
        &self,
        result: &EvalResult,
        classes_known: bool,
    ) -> Result<Vec<String>, PlanError> {
        let Some(list) = &self.reported else {
            return Ok(result.metrics.iter().map(|(k, _)| k.to_owned()).collect());
        };
        let mut out = Vec::new();
        for m in list {
            let name = m.get_ref();
            let found = match name.split_once('[') {
                None => result.metrics.get(name).is_some(),
                Some(_) if !classes_known => true,
                Some((metric, rest)) => {
                    let class = rest.trim_end_matches(']');
                    result
                        .per_class
                        .as_ref()
                        .or(result.per_label.as_ref())
                        .and_then(|t| t.get(class))
                        .is_some_and(|set| set.get(metric).is_some())
                }
            };
            if !found {
                let known: Vec<&str> = result.metrics.iter().map(|(k, _)| k).collect();
                return Err(self.source.error(
                    m.span(),
                    &format!(
                        "unknown metric '{name}' for this {} result{}; it has: {} (per class: METRIC[CLASS])",
                        result.task.name(),
                        assay_base::text::did_you_mean(name, known.iter().copied()),
                        known.join(", ")
                    ),
                ));
            }
            out.push(name.clone());
        }
        Ok(out)
    }
}

impl ModelRun {
    /// The evaluation of the run's predictions (written to `predictions`):
    /// its classes in output order; a binary task (score = the positive
    /// class's probability) when there are two classes and the plan names
    /// the positive one, or when it says task = "binary".
    pub fn evaluation(&self, base: &EvalSpec, predictions: &Path, classes: &[String]) -> EvalSpec {
        use assay_model::columns;
        let mut spec = base.clone();
        spec.input = Input::File {
            path: predictions.to_path_buf(),
            format: Some(assay_data::Format::Parquet),
        };
        let binary = self.task == Some(Task::Binary)
            || (self.task.is_none() && classes.len() == 2 && self.positive.is_some());
        if binary {
            let positive = self
                .positive
                .clone()
                .unwrap_or_else(|| classes.last().cloned().unwrap_or_default());
            spec.task = Some(Task::Binary);
            spec.columns.score = Some(format!("{}{positive}", columns::PROBABILITY_PREFIX));
            spec.columns.prediction = Some(columns::PREDICTION.into());
            spec.positive = Some(positive);
        } else {
            spec.task = Some(Task::Multiclass);
            spec.classes = Some(classes.to_vec());
        }
        spec.columns.truth = Some(columns::LABEL.into());
        spec
    }
}

impl Comparison {
    /// The comparison of `candidate` (the evaluation, without its criteria
    /// and slices: the comparison has its own verdict) with the baseline.
    pub fn spec(&self, candidate: &EvalSpec) -> CompareSpec {
        let mut candidate = candidate.clone();
        candidate.criteria.clear();
        candidate.slices = None;
        CompareSpec {
            candidate,
            baseline: self.baseline.clone(),
            id_column: self.id_column.clone(),
            margin: self.margin,
            primary: self
                .metric
                .as_ref()
                .map_or_else(|| "accuracy".into(), |m| m.get_ref().clone()),
            hypothesis: self.hypothesis,
        }
    }
}

/// Whether a criterion is about a robustness run (`robustness.noise.3.…`).
pub fn is_robustness_criterion(expression: &str) -> bool {
    expression.trim_start().starts_with("robustness.")
}
