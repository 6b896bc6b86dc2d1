//! `assay run`: carry out a plan and make its assessment record
//! (`assessment.json`, schema `schemas/assessment.v1.schema.json`).
//!
//! The record identifies every file that goes into the verdict by SHA-256,
//! holds every result with its interval, each criterion's verdict and the
//! overall one, the clause 5.3 disclosures and the warnings. It is written
//! in canonical JSON (RFC 8785); everything that differs between two runs of
//! the same plan on the same inputs on the same machine lives under `/run`,
//! so the rest is byte-identical.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::Serialize;

use crate::digest::{self, FileDigest};
use crate::environment::Environment;
use crate::leakage::LeakageReport;
use crate::plan::{ModelSection, Party, Plan, PlanError, ReportSection};
use assay_eval::compare::CompareResult;
use assay_eval::criteria::DecisionRule;
use assay_eval::result::EvalResult;
use assay_eval::{EvalError, Task};

/// The schema id of the record.
pub const ASSESSMENT_SCHEMA: &str = "assay/assessment/v1";

/// The JSON pointers of the members that differ from run to run.
pub const RUN_SPECIFIC: [&str; 1] = ["/run"];

/// What the run is doing, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A stage begins: `digests`, `evaluation`, `comparison`, `leakage`.
    Stage(&'static str),
    /// The rows the current stage will read, when the format tells.
    Total(u64),
    /// Rows read so far in the current stage.
    Rows(u64),
}

/// Why an assessment could not be made (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    /// The plan is wrong at a known place.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The data cannot be evaluated as planned.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The model run failed.
    #[error(transparent)]
    Model(Box<assay_model::ModelError>),
    /// A file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file changed while it was being assessed.
    #[error(
        "{}: the file changed while the assessment read it; run again once nothing writes to it",
        path.display()
    )]
    Changed {
        /// The file.
        path: PathBuf,
    },
}

/// The plan as recorded.
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct Identification {
    /// The plan's id.
    pub plan_id: String,
    /// The plan's version.
    pub plan_version: String,
    /// A title for reports.
    pub title: Option<String>,
    /// Standard and edition.
    pub standard: String,
    /// The testing laboratory.
    pub lab: Party,
    /// The client.
    pub client: Party,
    /// The model under test.
    pub model: ModelSection,
    /// What the test report says of itself.
    pub report: ReportSection,
}

/// One input file or folder.
#[derive(Debug, Clone, Serialize)]
pub struct InputRecord {
    /// What it is for.
    pub role: &'static str,
    /// The path as the plan writes it.
    pub path: String,
    /// `file`, or `folder` (digest over the sorted per-file digests).
    pub kind: &'static str,
    /// SHA-256 of the bytes (for a folder: of its `sha256sum` listing).
    pub sha256: String,
    /// Bytes (for a folder: all files).
    pub size: u64,
    /// Files in a folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
}

/// The tool that made the record.
#[derive(Debug, Clone, Serialize)]
pub struct ToolRecord {
    /// Always `assay`.
    pub name: &'static str,
    /// Version.
    pub version: &'static str,
    /// The source revision it was built from.
    pub revision: &'static str,
}

/// One clause 5.3 control criterion.
#[derive(Debug, Clone, Serialize)]
pub struct Disclosure {
    /// Clause of ISO/IEC TS 4213.
    pub clause: &'static str,
    /// The plan's key.
    pub key: &'static str,
    /// The clause's title.
    pub title: &'static str,
    /// `disclosed` or `not disclosed`.
    pub status: &'static str,
    /// The lab's statement.
    pub statement: Option<String>,
}

/// Something the reader of the record must know.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    /// A stable code: `small-slices`, `class-imbalance`, `few-items`,
    /// `leakage`, `not-disclosed`, `intervals`, `criterion-not-judged`.
    pub code: &'static str,
    /// What it means.
    pub message: String,
}

/// The overall verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `pass` when every criterion (and the baseline comparison) holds,
    /// `fail` when one does not, `not judged` when the plan states none.
    pub overall: &'static str,
    /// How criteria were judged.
    pub decision_rule: DecisionRule,
    /// Criteria met.
    pub criteria_met: usize,
    /// Criteria stated.
    pub criteria_total: usize,
    /// The baseline comparison's verdict, when the plan has one.
    pub baseline: Option<&'static str>,
}

/// Seconds spent per stage.
#[derive(Debug, Clone, Serialize, Default)]
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
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// When the run began (UTC, RFC 3339).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// Seconds per stage.
    pub seconds: Durations,
    /// The model run's latency and throughput (ISO/IEC TS 4213 clauses
    /// 5.3.11–5.3.12), when the plan runs a model.
    pub model: Option<assay_model::Timing>,
}

/// The test set of a model run.
#[derive(Debug, Clone, Serialize)]
pub struct TestSetRecord {
    /// `folder`, `manifest` or `table`.
    pub kind: &'static str,
    /// As the plan writes it.
    pub path: String,
    /// Items scored.
    pub items: u64,
    /// Items skipped (undecodable images, `on_error = "skip"`).
    pub skipped: u64,
    /// Every skipped item and why.
    pub skipped_items: Vec<assay_model::Skipped>,
}

/// What a model run did (its timing is under `/run`).
#[derive(Debug, Clone, Serialize)]
pub struct ModelRunRecord {
    /// The model file as the plan writes it (its digest is under `inputs`).
    pub model: String,
    /// The model's identity: the file's SHA-256, or for a model directory
    /// the OpenSSF model-signing manifest (per-file digests and root).
    pub identity: assay_model::ModelIdentity,
    /// The input fed.
    pub input: String,
    /// The output read.
    pub output: String,
    /// What that output holds.
    pub scores: assay_model::ScoreOutput,
    /// The classes in output order.
    pub classes: Vec<String>,
    /// Tensor shape of one item.
    pub item_shape: Vec<usize>,
    /// The preprocessing applied.
    pub preprocessing: assay_model::Preprocess,
    /// Items per model call.
    pub batch_size: usize,
    /// The test set.
    pub test_set: TestSetRecord,
}

/// The assessment record.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// [`ASSESSMENT_SCHEMA`].
    pub schema: &'static str,
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
    pub run_specific: [&'static str; 1],
    /// Times.
    pub run: RunRecord,
}

impl Assessment {
    /// The record in canonical JSON.
    pub fn to_canonical(&self) -> String {
        crate::canonical::to_canonical(self).expect("records hold only finite numbers and strings")
    }

    /// Whether the verdict lets the run exit with success.
    pub fn passed(&self) -> bool {
        self.verdict.overall != "fail"
    }
}

/// UTC date and time in RFC 3339, to the millisecond.
fn rfc3339(t: SystemTime) -> String {
    assay_base::date::rfc3339(t, assay_base::date::Precision::Milliseconds)
}

struct Stamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Result<Stamp, AssessError> {
    let m = std::fs::metadata(path).map_err(|source| AssessError::Io {
        path: path.into(),
        source,
    })?;
    Ok(Stamp {
        path: path.into(),
        len: m.len(),
        modified: m.modified().ok(),
    })
}

fn digest_input(
    plan: &Plan,
    role: &'static str,
    written: &str,
    stamps: &mut Vec<Stamp>,
) -> Result<InputRecord, AssessError> {
    let path = plan.resolve(written);
    let io = |source| AssessError::Io {
        path: path.clone(),
        source,
    };
    if path.is_dir() {
        let (root, files) = digest::folder(&path).map_err(io)?;
        Ok(InputRecord {
            role,
            path: written.into(),
            kind: "folder",
            sha256: root.sha256,
            size: root.size,
            files: Some(files.len() as u64),
        })
    } else {
        stamps.push(stamp(&path)?);
        let FileDigest { sha256, size } = digest::file(&path).map_err(io)?;
        Ok(InputRecord {
            role,
            path: written.into(),
            kind: "file",
            sha256,
            size,
            files: None,
        })
    }
}

/// Run the model, reporting the items to score and the items done.
fn run_model(
    model: &assay_model::ModelSpec,
    test_set: &assay_model::TestSet,
    preprocess: &assay_model::Preprocess,
    settings: &assay_model::RunSettings,
    out: &Path,
    progress: &mut dyn FnMut(Event),
) -> Result<assay_model::RunOutput, AssessError> {
    let mut announced = false;
    assay_model::run(
        model,
        test_set,
        preprocess,
        settings,
        out,
        &mut |done, total| {
            if !announced {
                progress(Event::Total(total));
                announced = true;
            }
            progress(Event::Rows(done));
        },
    )
    .map_err(|e| AssessError::Model(Box::new(e)))
}

/// One perturbation at one severity.
#[derive(Debug, Clone, Serialize)]
pub struct RobustnessCondition {
    /// The perturbation.
    pub perturbation: &'static str,
    /// Severity 1–5.
    pub severity: u8,
    /// Its parameter.
    pub parameter: f64,
    /// What the parameter means.
    pub unit: &'static str,
    /// Items scored.
    pub items: u64,
    /// Items skipped.
    pub skipped: u64,
    /// Each reported metric on the perturbed images, `METRIC_drop` (clean
    /// − perturbed, paired bootstrap interval) and `flip_rate` (share of
    /// items whose prediction changed, Wilson interval).
    pub metrics: assay_metrics::MetricSet,
    /// McNemar's test, clean against perturbed correctness.
    pub mcnemar: assay_stats::compare::McNemar,
}

/// The robustness assessment.
#[derive(Debug, Clone, Serialize)]
pub struct RobustnessRecord {
    /// Seed of the perturbations' random streams.
    pub seed: u64,
    /// The metrics reported per condition.
    pub metrics: Vec<String>,
    /// Every condition.
    pub conditions: Vec<RobustnessCondition>,
    /// The robustness criteria's verdicts.
    pub criteria: Vec<assay_eval::criteria::Judgement>,
}

type ModelParts<'a> = (
    &'a assay_model::ModelSpec,
    &'a assay_model::TestSet,
    &'a assay_model::RunSettings,
);

/// Run the model on every perturbed copy of the test set and compare each
/// run with the clean one, item by item.
fn robustness(
    plan: &Plan,
    workdir: &Path,
    clean: &assay_eval::EvalSpec,
    (model, test_set, settings): ModelParts<'_>,
    (kinds, severities, metrics): (&[assay_model::Perturbation], &[u8], &[String]),
    progress: &mut dyn FnMut(Event),
) -> Result<RobustnessRecord, AssessError> {
    use assay_metrics::MetricValue;
    let dir = workdir.join("robustness");
    std::fs::create_dir_all(&dir).map_err(|source| AssessError::Io {
        path: dir.clone(),
        source,
    })?;
    let clean_path = workdir.join(MODEL_PREDICTIONS);
    let preprocess = plan.preprocess();
    let level = clean.intervals.as_ref().map_or(0.95, |i| i.level);
    // Read once: every condition's flips are counted against it.
    let clean_predictions = predicted(&clean_path)?;
    let mut conditions = Vec::new();
    for &kind in kinds {
        for &severity in severities {
            let out = dir.join(format!("{}-{severity}.parquet", kind.name()));
            let run_settings = assay_model::RunSettings {
                perturbation: Some(assay_model::Perturb {
                    kind,
                    severity,
                    seed: plan.seed(),
                }),
                ..settings.clone()
            };
            let output = run_model(model, test_set, &preprocess, &run_settings, &out, progress)?;
            let mut spec = clean.clone();
            spec.input = assay_eval::Input::File {
                path: out.clone(),
                format: Some(assay_data::Format::Parquet),
            };
            spec.slices = None;
            spec.criteria.clear();
            let result = assay_eval::evaluate(&spec, &mut |_| {})?;
            let compare = assay_eval::compare::CompareSpec {
                candidate: spec.clone(),
                baseline: assay_eval::Input::File {
                    path: clean_path.clone(),
                    format: Some(assay_data::Format::Parquet),
                },
                id_column: "id".into(),
                margin: 0.0,
                primary: metrics
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "accuracy".into()),
                hypothesis: assay_eval::compare::Hypothesis::NonInferiority,
            };
            let paired = assay_eval::compare::compare(&compare)?;
            let mut set = assay_metrics::MetricSet::new();
            for m in metrics {
                if let Some(v) = result.metrics.get(m) {
                    set.insert(m.clone(), v.clone());
                }
                if let Some(d) = paired.differences.iter().find(|d| d.metric == *m) {
                    let mut drop = match d.difference {
                        Some(x) => MetricValue::defined(-x),
                        None => {
                            MetricValue::undefined("the metric is undefined on one of the runs")
                        }
                    };
                    drop.ci = d.interval.as_ref().map(|i| assay_metrics::value::Interval {
                        low: -i.high,
                        high: -i.low,
                        level: i.level,
                        method: i.method,
                    });
                    set.insert(format!("{m}_drop"), drop);
                }
            }
            let (flips, n) = flips(&clean_predictions, &out)?;
            let mut flip = MetricValue::ratio(flips as f64, n as f64, "there are no items");
            flip.ci = assay_stats::proportion::wilson(flips as f64, n as f64, level);
            set.insert("flip_rate", flip);
            conditions.push(RobustnessCondition {
                perturbation: kind.name(),
                severity,
                parameter: kind.parameter(severity),
                unit: kind.unit(),
                items: output.items,
                skipped: output.skipped.len() as u64,
                metrics: set,
                mcnemar: paired.mcnemar,
            });
        }
    }
    let rule = clean.decision_rule;
    let criteria = plan
        .criteria()
        .iter()
        .filter(|(c, _)| c.metric.starts_with("robustness."))
        .map(|(c, _)| {
            let parts: Vec<&str> = c.metric.splitn(4, '.').collect();
            let metric = match parts.as_slice() {
                ["robustness", p, s, m] => conditions
                    .iter()
                    .find(|x| x.perturbation == *p && x.severity.to_string() == *s)
                    .and_then(|x| x.metrics.get(m)),
                _ => None,
            };
            assay_eval::criteria::judge_metric(c, metric, rule)
        })
        .collect();
    Ok(RobustnessRecord {
        seed: plan.seed(),
        metrics: metrics.to_vec(),
        conditions,
        criteria,
    })
}

/// Item id → predicted class, from a predictions file.
fn predicted(path: &Path) -> Result<std::collections::HashMap<String, String>, AssessError> {
    let requests = [
        assay_data::Request::new("id", assay_data::Kind::Label),
        assay_data::Request::new("pred", assay_data::Kind::Label),
    ];
    let mut out = std::collections::HashMap::new();
    let reader = assay_data::open(path, None).map_err(EvalError::from)?;
    for batch in reader
        .select(&requests, assay_data::DEFAULT_BATCH_ROWS)
        .map_err(EvalError::from)?
    {
        let batch = batch.map_err(EvalError::from)?;
        if let (assay_data::Column::Label(ids), assay_data::Column::Label(preds)) =
            (&batch.columns[0], &batch.columns[1])
        {
            out.extend(
                ids.iter()
                    .zip(preds)
                    .map(|(i, p)| (i.to_string(), p.to_string())),
            );
        }
    }
    Ok(out)
}

/// Items whose predicted class differs between the clean predictions and
/// a perturbed run's, and the items compared.
fn flips(
    clean: &std::collections::HashMap<String, String>,
    perturbed: &Path,
) -> Result<(u64, u64), AssessError> {
    let mut n = 0;
    let mut flips = 0;
    for (id, p) in &predicted(perturbed)? {
        if let Some(c) = clean.get(id) {
            n += 1;
            flips += u64::from(c != p);
        }
    }
    Ok((flips, n))
}

/// An input of a record whose bytes are no longer what the record says.
#[derive(Debug, Clone, PartialEq)]
pub struct InputMismatch {
    /// Its role.
    pub role: String,
    /// Its path as recorded.
    pub path: String,
    /// The recorded SHA-256.
    pub recorded: String,
    /// What it is now (None: it cannot be read).
    pub found: Option<String>,
}

/// Digest a record's inputs again, as `assay run` did: the plan at
/// `plan_path` (it must be the record's plan: same SHA-256) resolves their
/// paths, and the model's predictions are looked for in `record_dir`.
/// Returns every input whose digest differs or that cannot be read; an
/// empty list means every file is what the record says.
pub fn check_inputs(
    record: &serde_json::Value,
    plan_path: &Path,
    record_dir: &Path,
) -> Result<Vec<InputMismatch>, AssessError> {
    let plan_bytes = std::fs::read(plan_path).map_err(|source| AssessError::Io {
        path: plan_path.into(),
        source,
    })?;
    let text = |p: &str| {
        record
            .pointer(p)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    };
    let mut out = Vec::new();
    let plan_sha = digest::sha256_hex(&plan_bytes);
    if plan_sha != text("/plan/sha256") {
        out.push(InputMismatch {
            role: "test plan".into(),
            path: plan_path.display().to_string(),
            recorded: text("/plan/sha256").into(),
            found: Some(plan_sha),
        });
        return Ok(out);
    }
    let plan = Plan::load(plan_path)?;
    let empty = Vec::new();
    let inputs = record
        .get("inputs")
        .and_then(serde_json::Value::as_array)
        .unwrap_or(&empty);
    for input in inputs {
        let field = |k: &str| {
            input
                .get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
        };
        let (role, path, kind, recorded) =
            (field("role"), field("path"), field("kind"), field("sha256"));
        let found = match kind {
            "files" => plan
                .model_run()
                .map(|(_, test_set, _)| listed_files(&plan, &test_set))
                .transpose()
                .ok()
                .flatten()
                .map(|r| r.sha256),
            _ => {
                let resolved = if role == "model predictions" {
                    record_dir.join(path)
                } else {
                    plan.resolve(path)
                };
                if resolved.is_dir() {
                    digest::folder(&resolved).ok().map(|(root, _)| root.sha256)
                } else {
                    digest::file(&resolved).ok().map(|d| d.sha256)
                }
            }
        };
        if found.as_deref() != Some(recorded) {
            out.push(InputMismatch {
                role: role.into(),
                path: path.into(),
                recorded: recorded.into(),
                found,
            });
        }
    }
    Ok(out)
}

/// The images a manifest lists, as one input: SHA-256 of their `sha256sum`
/// listing in manifest order.
fn listed_files(plan: &Plan, test_set: &assay_model::TestSet) -> Result<InputRecord, AssessError> {
    use rayon::prelude::*;
    let items = test_set
        .items()
        .map_err(|e| AssessError::Model(Box::new(e)))?;
    let digests: Vec<FileDigest> = items
        .par_iter()
        .map(|i| {
            digest::file(&i.path).map_err(|source| AssessError::Io {
                path: i.path.clone(),
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    let mut listing = String::new();
    let mut size = 0;
    for (item, d) in items.iter().zip(&digests) {
        listing.push_str(&format!("{}  {}\n", d.sha256, item.id));
        size += d.size;
    }
    let _ = plan;
    Ok(InputRecord {
        role: "test images",
        path: test_set.path().display().to_string(),
        kind: "files",
        sha256: digest::sha256_hex(listing.as_bytes()),
        size,
        files: Some(items.len() as u64),
    })
}

fn seconds(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// The name the record gives the predictions a model run writes (in the
/// record's folder).
pub const MODEL_PREDICTIONS: &str = "predictions.parquet";

/// Carry out `plan`. A model run writes its predictions to
/// `workdir/predictions.parquet`.
pub fn assess(
    plan: &Plan,
    workdir: &Path,
    progress: &mut dyn FnMut(Event),
) -> Result<Assessment, AssessError> {
    let started_at = rfc3339(SystemTime::now());
    let start = Instant::now();
    let f = &plan.file;
    let mut durations = Durations::default();
    let mut spec = plan.eval_spec();
    let mut compare_spec = plan.compare_spec();
    let mut inputs = Vec::new();
    let mut stamps = Vec::new();

    let (model_run, model_timing) = match plan.model_run() {
        Some((model, test_set, settings)) => {
            progress(Event::Stage("model"));
            let t = Instant::now();
            let written = f
                .model
                .file
                .as_ref()
                .map(|m| m.get_ref().clone())
                .unwrap_or_default();
            inputs.push(digest_input(plan, "model", &written, &mut stamps)?);
            std::fs::create_dir_all(workdir).map_err(|source| AssessError::Io {
                path: workdir.into(),
                source,
            })?;
            let out = workdir.join(MODEL_PREDICTIONS);
            let preprocess = plan.preprocess();
            let output = run_model(&model, &test_set, &preprocess, &settings, &out, progress)?;
            let ts = f.test_set.as_ref();
            let (kind, shown) = match ts.map(|t| (&t.folder, &t.manifest, &t.table)) {
                Some((Some(folder), _, _)) => ("folder", folder.get_ref().clone()),
                Some((None, Some(m), _)) => ("manifest", m.get_ref().clone()),
                Some((None, None, Some(t))) => ("table", t.get_ref().clone()),
                _ => ("folder", String::new()),
            };
            match kind {
                "folder" => inputs.push(digest_input(plan, "test set", &shown, &mut stamps)?),
                "table" => inputs.push(digest_input(plan, "test-set table", &shown, &mut stamps)?),
                _ => {
                    inputs.push(digest_input(
                        plan,
                        "test-set manifest",
                        &shown,
                        &mut stamps,
                    )?);
                    inputs.push(listed_files(plan, &test_set)?);
                }
            }
            let d = digest::file(&out).map_err(|source| AssessError::Io {
                path: out.clone(),
                source,
            })?;
            inputs.push(InputRecord {
                role: "model predictions",
                path: MODEL_PREDICTIONS.into(),
                kind: "file",
                sha256: d.sha256,
                size: d.size,
                files: None,
            });
            spec.input = assay_eval::Input::File {
                path: out.clone(),
                format: Some(assay_data::Format::Parquet),
            };
            plan.fit_to_model(&mut spec, &output.classes);
            if let Some(c) = compare_spec.as_mut() {
                c.candidate.input = spec.input.clone();
                plan.fit_to_model(&mut c.candidate, &output.classes);
            }
            durations.model = seconds(t);
            let identity_path = f
                .model
                .directory
                .as_ref()
                .map_or_else(|| model.path.clone(), |d| plan.resolve(d.get_ref()));
            let identity = assay_model::identity(&identity_path)
                .map_err(|e| AssessError::Model(Box::new(e)))?;
            let record = ModelRunRecord {
                model: written,
                identity,
                input: output.input.clone(),
                output: output.output.clone(),
                scores: model.scores,
                classes: output.classes.clone(),
                item_shape: output.item_shape.clone(),
                preprocessing: preprocess,
                batch_size: output.timing.batch_size,
                test_set: TestSetRecord {
                    kind,
                    path: shown,
                    items: output.items,
                    skipped: output.skipped.len() as u64,
                    skipped_items: output.skipped.clone(),
                },
            };
            (Some(record), Some(output.timing))
        }
        None => (None, None),
    };

    progress(Event::Stage("digests"));
    let t = Instant::now();
    for file in f.data.predictions.iter().flat_map(|p| &p.get_ref().0) {
        inputs.push(digest_input(plan, "predictions", file, &mut stamps)?);
    }
    if let Some(b) = &f.baseline {
        for file in &b.predictions.get_ref().0 {
            inputs.push(digest_input(
                plan,
                "baseline predictions",
                file,
                &mut stamps,
            )?);
        }
    }
    if let Some(l) = &f.leakage {
        inputs.push(digest_input(
            plan,
            "training-data manifest",
            l.training.get_ref(),
            &mut stamps,
        )?);
        inputs.push(digest_input(
            plan,
            "test-data manifest",
            l.test.get_ref(),
            &mut stamps,
        )?);
    }
    durations.digests = seconds(t);

    progress(Event::Stage("evaluation"));
    let t = Instant::now();
    if let Some(total) = spec.input.open().ok().and_then(|r| r.row_count()) {
        progress(Event::Total(total));
    }
    let mut evaluation = assay_eval::evaluate(&spec, &mut |rows| progress(Event::Rows(rows)))
        .map_err(|e| match e {
            EvalError::Criterion(c) => match plan.criterion_error(&c) {
                Some(p) => AssessError::Plan(p),
                None => AssessError::Eval(EvalError::Criterion(c)),
            },
            other => AssessError::Eval(other),
        })?;
    evaluation.input.paths = match &f.data.predictions {
        Some(p) => p.get_ref().0.clone(),
        None => vec![MODEL_PREDICTIONS.into()],
    };
    durations.evaluation = seconds(t);

    let reported_metrics = reported(plan, &evaluation)?;

    let comparison = match compare_spec {
        Some(compare) => {
            progress(Event::Stage("comparison"));
            let t = Instant::now();
            if let Some(b) = &f.baseline
                && let Some(m) = &b.metric
            {
                let valid = assay_eval::compare::metric_ids_for(evaluation.task);
                if !valid.contains(&m.get_ref().as_str()) {
                    return Err(plan
                        .error(
                            m.span(),
                            &format!(
                                "a {} comparison judges one of: {}",
                                evaluation.task.name(),
                                valid.join(", ")
                            ),
                        )
                        .into());
                }
            }
            let mut r = assay_eval::compare::compare(&compare)?;
            r.candidate = evaluation.input.paths.join(", ");
            if let Some(b) = &f.baseline {
                r.baseline = b.predictions.get_ref().0.join(", ");
            }
            durations.comparison = seconds(t);
            Some(r)
        }
        None => None,
    };

    let leakage = match &f.leakage {
        Some(l) => {
            progress(Event::Stage("leakage"));
            let t = Instant::now();
            let r = crate::leakage::check(
                &plan.resolve(l.training.get_ref()),
                l.training.get_ref(),
                &plan.resolve(l.test.get_ref()),
                l.test.get_ref(),
            )?;
            durations.leakage = seconds(t);
            Some(r)
        }
        None => None,
    };

    for s in &stamps {
        let now = stamp(&s.path)?;
        if now.len != s.len || now.modified != s.modified {
            return Err(AssessError::Changed {
                path: s.path.clone(),
            });
        }
    }

    let robustness = match (plan.robustness(), plan.model_run()) {
        (Some((kinds, severities, metrics)), Some((model, test_set, settings))) => {
            progress(Event::Stage("robustness"));
            let t = Instant::now();
            let r = robustness(
                plan,
                workdir,
                &spec,
                (&model, &test_set, &settings),
                (&kinds, &severities, &metrics),
                progress,
            )?;
            durations.robustness = seconds(t);
            Some(r)
        }
        _ => None,
    };

    let mut judgements: Vec<assay_eval::criteria::Judgement> =
        evaluation.criteria.clone().unwrap_or_default();
    if let Some(r) = &robustness {
        judgements.extend(r.criteria.iter().cloned());
    }
    let criteria_met = judgements.iter().filter(|j| j.passed).count();
    let baseline_verdict = comparison.as_ref().map(|c| c.verdict);
    let judged = !judgements.is_empty() || baseline_verdict.is_some();
    let all_hold = criteria_met == judgements.len() && baseline_verdict != Some("fail");
    let verdict = Verdict {
        overall: match (judged, all_hold) {
            (false, _) => "not judged",
            (true, true) => "pass",
            (true, false) => "fail",
        },
        decision_rule: spec.decision_rule,
        criteria_met,
        criteria_total: judgements.len(),
        baseline: baseline_verdict,
    };

    let disclosures: Vec<Disclosure> = f
        .disclosures
        .entries()
        .into_iter()
        .map(|(key, clause, title, statement)| Disclosure {
            clause,
            key,
            title,
            status: if statement.is_some_and(|s| !s.trim().is_empty()) {
                "disclosed"
            } else {
                "not disclosed"
            },
            statement: statement.map(str::to_owned),
        })
        .collect();
    let mut warnings = warnings(&evaluation, leakage.as_ref(), &disclosures);
    for j in robustness.iter().flat_map(|r| &r.criteria) {
        if let Some(reason) = &j.reason {
            warnings.push(Warning {
                code: "criterion-not-judged",
                message: format!("criterion \"{}\": {reason}", j.criterion.expression),
            });
        }
    }
    let plan_bytes = plan.source.as_bytes();
    durations.total = seconds(start);
    Ok(Assessment {
        schema: ASSESSMENT_SCHEMA,
        plan: PlanRecord {
            file: plan
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            sha256: digest::sha256_hex(plan_bytes),
            size: plan_bytes.len() as u64,
            text: plan.source.clone(),
        },
        identification: Identification {
            plan_id: f.plan.id.clone(),
            plan_version: f.plan.version.clone(),
            title: f.plan.title.clone(),
            standard: plan.standard().to_owned(),
            lab: f.lab.clone(),
            client: f.client.clone(),
            model: f.model.clone(),
            report: f.report.clone(),
        },
        inputs,
        tool: ToolRecord {
            name: "assay",
            version: env!("CARGO_PKG_VERSION"),
            revision: env!("ASSAY_REVISION"),
        },
        environment: Environment::current(),
        seed: plan.seed(),
        evaluation,
        reported_metrics,
        model_run,
        comparison,
        robustness,
        leakage,
        verdict,
        disclosures,
        warnings,
        run_specific: RUN_SPECIFIC,
        run: RunRecord {
            started_at,
            finished_at: rfc3339(SystemTime::now()),
            seconds: durations,
            model: model_timing,
        },
    })
}

/// The metrics the plan asks reports to present, checked against the result.
fn reported(plan: &Plan, result: &EvalResult) -> Result<Vec<String>, AssessError> {
    let Some(list) = &plan.file.evaluation.metrics else {
        return Ok(result.metrics.iter().map(|(k, _)| k.to_owned()).collect());
    };
    let mut out = Vec::new();
    for m in list {
        let name = m.get_ref();
        let found = match name.split_once('[') {
            None => result.metrics.get(name).is_some(),
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
            return Err(plan
                .error(
                    m.span(),
                    &format!(
                        "unknown metric '{name}' for this {} result; it has: {} (per class: METRIC[CLASS])",
                        result.task.name(),
                        known.join(", ")
                    ),
                )
                .into());
        }
        out.push(name.clone());
    }
    Ok(out)
}

/// Warnings a reader of the record must see.
fn warnings(
    result: &EvalResult,
    leakage: Option<&LeakageReport>,
    disclosures: &[Disclosure],
) -> Vec<Warning> {
    let mut out = Vec::new();
    // Class balance: the support of each class (binary, multi-class) or
    // the positives of each label (multi-label).
    let table = match result.task {
        Task::Multilabel => &result.per_label,
        _ => &result.per_class,
    };
    let supports: Vec<(String, f64)> = table
        .as_ref()
        .map(|t| {
            t.0.iter()
                .filter_map(|(k, s)| {
                    s.get("support")
                        .and_then(|v| v.value)
                        .map(|v| (k.clone(), v))
                })
                .collect()
        })
        .unwrap_or_default();
    let total = result.total_weight.unwrap_or(result.n as f64);
    let classes = supports.len().max(1) as f64;
    if total > 0.0 {
        for (class, support) in &supports {
            let share = support / total;
            // A fifth of the even share: 10 % of two classes, 2 % of ten.
            if share < 0.2 / classes {
                out.push(Warning {
                    code: "class-imbalance",
                    message: format!(
                        "class '{class}' is {:.1} % of the items; metrics that average over items say little about it — read its per-class results and intervals",
                        share * 100.0
                    ),
                });
            }
            if *support < 30.0 {
                out.push(Warning {
                    code: "few-items",
                    message: format!(
                        "class '{class}' has {support} items; its per-class intervals are wide"
                    ),
                });
            }
        }
    }
    if let Some(slices) = &result.slices {
        let small: Vec<String> = slices
            .groups
            .iter()
            .filter(|g| {
                g.tests
                    .0
                    .iter()
                    .any(|(_, t)| t.status == "insufficient evidence")
            })
            .map(|g| {
                let key: Vec<String> = g.key.0.iter().map(|(c, v)| format!("{c}={v}")).collect();
                format!("{} (n = {})", key.join(", "), g.n)
            })
            .collect();
        if !small.is_empty() {
            out.push(Warning {
                code: "small-slices",
                message: format!(
                    "{} slice(s) too small or too weakly powered to support a conclusion (marked \"insufficient evidence\"): {}",
                    small.len(),
                    small.join("; ")
                ),
            });
        }
    }
    if let Some(note) = result
        .parameters
        .intervals
        .as_ref()
        .and_then(|i| i.note.clone())
    {
        out.push(Warning {
            code: "intervals",
            message: note,
        });
    }
    for j in result.criteria.as_deref().unwrap_or(&[]) {
        if let Some(reason) = &j.reason {
            out.push(Warning {
                code: "criterion-not-judged",
                message: format!("criterion \"{}\": {reason}", j.criterion.expression),
            });
        }
    }
    if let Some(l) = leakage
        && l.leaked > 0
    {
        out.push(Warning {
            code: "leakage",
            message: format!(
                "{} of {} test items have the same content as a training item (ISO/IEC TS 4213 clause 5.3.7); results on them overstate performance",
                l.leaked, l.test.items
            ),
        });
    }
    let missing: Vec<String> = disclosures
        .iter()
        .filter(|d| d.status == "not disclosed")
        .map(|d| format!("{} {}", d.clause, d.title))
        .collect();
    if !missing.is_empty() {
        out.push(Warning {
            code: "not-disclosed",
            message: format!(
                "{} control criteria of ISO/IEC TS 4213 clause 5.3 are not disclosed: {}",
                missing.len(),
                missing.join("; ")
            ),
        });
    }
    out
}
