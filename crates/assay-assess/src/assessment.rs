//! `assay run`: carry out a plan and make its assessment record
//! (`assessment.json`, schema `schemas/assessment.v1.schema.json`).
//!
//! One assessment is one line through the stages the plan resolved into:
//! model run → digests → evaluation → comparison → leakage → (inputs
//! unchanged) → robustness → verdict, disclosures, warnings → the record.
//!
//! The record identifies every file that goes into the verdict by SHA-256,
//! holds every result with its interval, each criterion's verdict and the
//! overall one, the clause 5.3 disclosures and the warnings. It is written
//! in canonical JSON (RFC 8785); everything that differs between two runs of
//! the same plan on the same inputs on the same machine lives under `/run`,
//! so the rest is byte-identical.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use assay_eval::compare::CompareResult;
use assay_eval::{EvalError, EvalResult, EvalSpec};
use assay_model::{RunOutput, RunSettings, Timing};
use assay_record::Outcome;
use assay_record::assessment::{
    ASSESSMENT_SCHEMA, Durations, InputRole, ModelRunRecord, PlanRecord, RUN_SPECIFIC, RunRecord,
    TestSetKind, TestSetRecord, ToolRecord, Verdict,
};
use assay_record::eval::Judgement;
use assay_stats::decision::DecisionRule;

use crate::inputs::{Inputs, listed_files};
use crate::plan::{Comparison, ModelRun, Plan, PlanError};

pub use assay_record::Assessment;
pub use assay_record::assessment::RobustnessRecord;

/// The name the record gives the predictions a model run writes (in the
/// record's folder).
pub const MODEL_PREDICTIONS: &str = assay_model::columns::PREDICTIONS_FILE;

/// What the run is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A stage begins: `model`, `digests`, `evaluation`, `comparison`,
    /// `leakage`, `robustness`.
    Stage(&'static str),
    /// The rows the current stage will read, when the format tells.
    Total(u64),
    /// Rows read so far in the current stage.
    Rows(u64),
    /// What the current stage is doing now (a robustness condition:
    /// `noise, severity 3 (4 of 21)`), for the display beside the stage.
    Step(String),
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
    /// The earlier run a re-derivation rests on does not say what the plan
    /// needs.
    #[error("{0}")]
    Recorded(String),
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

/// UTC date and time in RFC 3339, to the millisecond.
fn rfc3339(t: SystemTime) -> String {
    assay_base::date::rfc3339(t, assay_base::date::Precision::Milliseconds)
}

/// Seconds since `since`, to the millisecond.
fn seconds(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// Run `stage`, adding its seconds to `slot`.
fn timed<T>(slot: &mut f64, stage: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = stage();
    *slot = seconds(t);
    out
}

/// What the model-run stage hands on.
struct ModelStage {
    record: ModelRunRecord,
    timing: Timing,
    /// The evaluation of the run's predictions.
    evaluation: EvalSpec,
    /// Where the predictions are.
    predictions: PathBuf,
}

/// Where the model's outputs come from.
#[derive(Clone, Copy)]
pub enum Runs<'a> {
    /// Run the model; its predictions are written under `workdir`
    /// (`predictions.parquet`, `robustness/KIND-SEVERITY.parquet`).
    Model {
        /// The folder the predictions go to.
        workdir: &'a Path,
    },
    /// Take the predictions an earlier run wrote in `dir` (the same names),
    /// and what that run said of itself (items scored and skipped, the
    /// model's input, output and classes) from its `record`: everything
    /// computed from the predictions is computed again.
    Recorded {
        /// The record's folder.
        dir: &'a Path,
        /// The earlier run's record.
        record: &'a Assessment,
    },
}

impl Runs<'_> {
    /// The folder the predictions are in.
    pub(crate) fn dir(&self) -> &Path {
        match self {
            Runs::Model { workdir } => workdir,
            Runs::Recorded { dir, .. } => dir,
        }
    }

    /// The clean run's output, its predictions at `out`.
    fn clean(
        &self,
        run: &ModelRun,
        out: &Path,
        progress: &mut dyn FnMut(Event),
    ) -> Result<RunOutput, AssessError> {
        let record = match self {
            Runs::Model { .. } => return run_model(run, &run.settings, out, progress),
            Runs::Recorded { record, .. } => record,
        };
        let Some(m) = &record.model_run else {
            return Err(AssessError::Recorded(
                "the plan runs a model, but the record has no model run (/model_run)".into(),
            ));
        };
        Ok(RunOutput {
            items: m.test_set.items,
            skipped: m.test_set.skipped_items.clone(),
            ignored: m.test_set.ignored.clone(),
            classes: m.classes.clone(),
            input: m.input.clone(),
            output: m.output.clone(),
            item_shape: m.item_shape.clone(),
            timing: record.run.model.clone().ok_or_else(|| {
                AssessError::Recorded(
                    "the record has a model run but no timing (/run/model)".into(),
                )
            })?,
        })
    }

    /// A perturbed run's items scored and skipped, its predictions at `out`.
    pub(crate) fn perturbed(
        &self,
        run: &ModelRun,
        perturb: assay_model::Perturb,
        out: &Path,
        progress: &mut dyn FnMut(Event),
    ) -> Result<(u64, u64), AssessError> {
        match self {
            Runs::Model { .. } => {
                let settings = RunSettings {
                    perturbation: Some(perturb),
                    ..run.settings.clone()
                };
                let output = run_model(run, &settings, out, progress)?;
                Ok((output.items, output.skipped.len() as u64))
            }
            Runs::Recorded { record, .. } => record
                .robustness
                .iter()
                .flat_map(|r| &r.conditions)
                .find(|c| c.perturbation == perturb.kind && c.severity == perturb.severity)
                .map(|c| (c.items, c.skipped))
                .ok_or_else(|| {
                    AssessError::Recorded(format!(
                        "the plan asks for {} at severity {}, but the record has no such robustness condition (/robustness/conditions)",
                        perturb.kind.name(),
                        perturb.severity
                    ))
                }),
        }
    }
}

/// Carry out `plan`. A model run writes its predictions to
/// `workdir/predictions.parquet`.
pub fn assess(
    plan: &Plan,
    workdir: &Path,
    progress: &mut dyn FnMut(Event),
) -> Result<Assessment, AssessError> {
    assess_from(plan, Runs::Model { workdir }, progress)
}

/// Carry out `plan`, the model's outputs from `runs`.
pub fn assess_from(
    plan: &Plan,
    runs: Runs<'_>,
    progress: &mut dyn FnMut(Event),
) -> Result<Assessment, AssessError> {
    let started_at = rfc3339(SystemTime::now());
    let start = Instant::now();
    let mut durations = Durations::default();
    let mut inputs = Inputs::new(&plan.source);
    let model = match &plan.model_run {
        Some(run) => Some(timed(&mut durations.model, || {
            model_stage(plan, run, runs, &mut inputs, progress)
        })?),
        None => None,
    };
    progress(Event::Stage("digests"));
    timed(&mut durations.digests, || {
        plan.digests
            .iter()
            .try_for_each(|d| inputs.digest(d.role, &d.written))
    })?;
    let spec = model
        .as_ref()
        .map_or_else(|| plan.evaluation.clone(), |m| m.evaluation.clone());
    let evaluation = timed(&mut durations.evaluation, || {
        evaluation_stage(plan, &spec, progress)
    })?;
    let reported_metrics = plan.reported_metrics(&evaluation)?;
    let comparison = match &plan.comparison {
        Some(c) => Some(timed(&mut durations.comparison, || {
            comparison_stage(plan, c, &spec, &evaluation, progress)
        })?),
        None => None,
    };
    let leakage = match &plan.leakage {
        Some(l) => Some(timed(&mut durations.leakage, || {
            progress(Event::Stage("leakage"));
            crate::leakage::check(&l.training.1, &l.training.0, &l.test.1, &l.test.0)
        })?),
        None => None,
    };
    inputs.check_unchanged()?;
    let robustness = match (&plan.robustness, &plan.model_run, &model) {
        (Some(r), Some(run), Some(m)) => Some(timed(&mut durations.robustness, || {
            progress(Event::Stage("robustness"));
            crate::robustness::assess(
                r,
                run,
                (&spec, &m.predictions),
                plan.seed,
                runs,
                &mut inputs,
                progress,
            )
        })?),
        _ => None,
    };
    let verdict = verdict(
        &evaluation,
        robustness.as_ref(),
        comparison.as_ref(),
        spec.decision_rule,
    );
    let warnings = crate::warnings::warnings(
        &evaluation,
        leakage.as_ref(),
        &plan.disclosures,
        robustness.as_ref(),
    );
    durations.total = seconds(start);
    let (model_run, model_timing) = model.map(|m| (m.record, m.timing)).unzip();
    Ok(Assessment {
        schema: ASSESSMENT_SCHEMA.into(),
        plan: plan_record(plan),
        identification: plan.identification.clone(),
        inputs: inputs.records,
        tool: ToolRecord {
            name: "assay".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            revision: env!("ASSAY_REVISION").into(),
        },
        environment: crate::environment::current(),
        seed: plan.seed,
        evaluation,
        reported_metrics,
        model_run,
        comparison,
        robustness,
        leakage,
        verdict,
        disclosures: plan.disclosures.clone(),
        warnings,
        run_specific: RUN_SPECIFIC.iter().map(|p| (*p).to_owned()).collect(),
        run: RunRecord {
            started_at,
            finished_at: rfc3339(SystemTime::now()),
            seconds: durations,
            model: model_timing,
        },
    })
}

/// The plan as the record holds it.
fn plan_record(plan: &Plan) -> PlanRecord {
    let bytes = plan.source.text.as_bytes();
    PlanRecord {
        file: plan.source.file_name(),
        sha256: assay_base::digest::sha256_hex(bytes),
        size: bytes.len() as u64,
        text: plan.source.text.clone(),
    }
}

/// Run the model (with `settings`) on the test set, reporting the items to
/// score and the items done.
pub(crate) fn run_model(
    run: &ModelRun,
    settings: &RunSettings,
    out: &Path,
    progress: &mut dyn FnMut(Event),
) -> Result<RunOutput, AssessError> {
    let mut announced = false;
    assay_model::run(
        &run.model,
        &run.test_set,
        &run.preprocess,
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

/// The model run: the model digested, run on the test set, the test set
/// and the predictions digested, the model's identity.
fn model_stage(
    plan: &Plan,
    run: &ModelRun,
    runs: Runs<'_>,
    inputs: &mut Inputs<'_>,
    progress: &mut dyn FnMut(Event),
) -> Result<ModelStage, AssessError> {
    progress(Event::Stage("model"));
    inputs.digest(InputRole::Model, &run.written)?;
    let workdir = runs.dir();
    std::fs::create_dir_all(workdir).map_err(|source| AssessError::Io {
        path: workdir.into(),
        source,
    })?;
    let out = workdir.join(MODEL_PREDICTIONS);
    let output = runs.clean(run, &out, progress)?;
    match run.test_set_kind {
        TestSetKind::Folder => inputs.digest(InputRole::TestSet, &run.test_set_written)?,
        TestSetKind::Table => inputs.digest(InputRole::TestSetTable, &run.test_set_written)?,
        TestSetKind::Manifest => {
            inputs.digest(InputRole::TestSetManifest, &run.test_set_written)?;
            inputs.push(listed_files(&run.test_set, &run.test_set_written)?);
        }
    }
    inputs.digest_written(InputRole::ModelPredictions, &out, MODEL_PREDICTIONS)?;
    let identity =
        assay_model::identity(&run.identity).map_err(|e| AssessError::Model(Box::new(e)))?;
    let record = ModelRunRecord {
        model: run.written.clone(),
        identity,
        input: output.input.clone(),
        output: output.output.clone(),
        scores: run.model.scores,
        classes: output.classes.clone(),
        item_shape: output.item_shape.clone(),
        preprocessing: run.preprocess.clone(),
        batch_size: output.timing.batch_size,
        test_set: TestSetRecord {
            kind: run.test_set_kind,
            path: run.test_set_written.clone(),
            items: output.items,
            skipped: output.skipped.len() as u64,
            skipped_items: output.skipped.clone(),
            ignored: output.ignored.clone(),
        },
    };
    Ok(ModelStage {
        record,
        timing: output.timing,
        evaluation: run.evaluation(&plan.evaluation, &out, &output.classes),
        predictions: out,
    })
}

/// The evaluation; a criterion naming no metric of the result is an error
/// placed in the plan.
fn evaluation_stage(
    plan: &Plan,
    spec: &EvalSpec,
    progress: &mut dyn FnMut(Event),
) -> Result<EvalResult, AssessError> {
    progress(Event::Stage("evaluation"));
    if let Some(total) = spec.input.open().ok().and_then(|r| r.row_count()) {
        progress(Event::Total(total));
    }
    let mut evaluation = assay_eval::evaluate(spec, &mut |rows| progress(Event::Rows(rows)))
        .map_err(|e| match e {
            EvalError::Criterion(c) => match plan.criterion_error(&c) {
                Some(p) => AssessError::Plan(p),
                None => AssessError::Eval(EvalError::Criterion(c)),
            },
            other => AssessError::Eval(other),
        })?;
    evaluation.input.paths = if plan.model_run.is_some() {
        vec![MODEL_PREDICTIONS.into()]
    } else {
        plan.predictions.clone()
    };
    Ok(evaluation)
}

/// The comparison with the baseline; its metric must be one the task's
/// comparison judges.
fn comparison_stage(
    plan: &Plan,
    comparison: &Comparison,
    spec: &EvalSpec,
    evaluation: &EvalResult,
    progress: &mut dyn FnMut(Event),
) -> Result<CompareResult, AssessError> {
    progress(Event::Stage("comparison"));
    if let Some(m) = &comparison.metric {
        let valid = assay_eval::compare::metric_ids_for(evaluation.task);
        if !valid.contains(&m.get_ref().as_str()) {
            return Err(plan
                .source
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
    let mut r = assay_eval::compare::compare(&comparison.spec(spec))?;
    r.candidate = evaluation.input.paths.join(", ");
    r.baseline = comparison.written.join(", ");
    Ok(r)
}

/// The overall verdict: every criterion (the robustness ones included) and
/// the baseline comparison.
fn verdict(
    evaluation: &EvalResult,
    robustness: Option<&RobustnessRecord>,
    comparison: Option<&CompareResult>,
    decision_rule: DecisionRule,
) -> Verdict {
    let judgements: Vec<&Judgement> = evaluation
        .criteria
        .iter()
        .flatten()
        .chain(robustness.into_iter().flat_map(|r| &r.criteria))
        .collect();
    let criteria_met = judgements.iter().filter(|j| j.passed).count();
    let baseline = comparison.map(|c| c.verdict);
    let judged = !judgements.is_empty() || baseline.is_some();
    let all_hold = criteria_met == judgements.len() && baseline != Some(Outcome::Fail);
    Verdict {
        overall: match (judged, all_hold) {
            (false, _) => Outcome::NotJudged,
            (true, true) => Outcome::Pass,
            (true, false) => Outcome::Fail,
        },
        decision_rule,
        criteria_met,
        criteria_total: judgements.len(),
        baseline,
    }
}

/// What `assay run --check` checks beyond the plan's own text: every column
/// the plan names exists in the predictions' header (for a model run, in
/// the predictions the run will write: the classes come from the plan or
/// the test set's listing), and every metric a criterion or the report
/// names is one of the task's. Only headers and listings are read, no
/// data; each error is placed at the plan's line and column where it can
/// be, and names the closest valid name.
pub fn check(plan: &Plan) -> Result<(), AssessError> {
    // A model run's predictions do not exist yet: an empty file with the
    // columns the run will write stands in for them, in a scratch folder
    // that lives until the dry run is done.
    let scratch;
    let spec = match &plan.model_run {
        None => plan.evaluation.clone(),
        Some(run) => {
            scratch = tempfile::tempdir().map_err(|source| AssessError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
            let classes = match &run.settings.classes {
                Some(c) => c.clone(),
                None => {
                    let items = run
                        .test_set
                        .items()
                        .map_err(|e| AssessError::Model(Box::new(e)))?;
                    assay_model::TestSet::class_names(&items)
                }
            };
            let predictions = scratch.path().join("predictions.parquet");
            assay_model::write_empty_predictions(
                &predictions,
                &classes,
                run.test_set.slice_names(),
            )
            .map_err(|e| AssessError::Model(Box::new(e)))?;
            run.evaluation(&plan.evaluation, &predictions, &classes)
        }
    };
    let result = assay_eval::dry_run(&spec).map_err(|e| plan.column_error(e))?;
    // The first edition covers classification only: a record of another
    // task must not claim it.
    if !result.task.is_classification()
        && crate::plan::is_first_edition(plan.standard())
        && let Some(at) = plan.standard_at.clone()
    {
        let message = format!(
            "{} covers classification only; a {} assessment is made against the second edition: standard = \"{}\" under [plan] (the default when the plan says task = \"{}\" under [data])",
            plan.standard(),
            result.task.name(),
            crate::plan::SECOND_EDITION,
            result.task.name()
        );
        return Err(AssessError::Plan(plan.source.error(at, &message)));
    }
    // Classes learned from the data (a binary task's labels) are unknown
    // before it is read: a criterion's class is then checked at run time.
    let classes_known = result.task != assay_eval::Task::Binary
        && result
            .per_class
            .as_ref()
            .or(result.per_label.as_ref())
            .is_some_and(|t| !t.0.is_empty());
    for c in plan.criteria() {
        if crate::plan::is_robustness_criterion(&c.expression) {
            continue;
        }
        let checked = if classes_known {
            assay_eval::criteria::check(c, &result)
        } else {
            assay_eval::criteria::check_metric(c, &result)
        };
        checked.map_err(|e| {
            plan.criterion_error(&e)
                .map_or(AssessError::Eval(e.into()), AssessError::Plan)
        })?;
    }
    if classes_known {
        plan.reported_metrics(&result)?;
    } else {
        plan.reported_metrics_named(&result)?;
    }
    Ok(())
}
