//! A checked plan file resolved into the typed stages of a [`Plan`]: paths
//! against the plan's folder, defaults filled in, settings as the types
//! their owners define.

use std::ops::Range;

use assay_eval::criteria::Criterion;
use assay_eval::slices::SliceSettings;
use assay_eval::{EvalSpec, Input};
use assay_model::{Perturbation, Preprocess, RunSettings, TestSet};
use assay_record::assessment::{
    Disclosure, DisclosureStatus, Identification, InputRole, ModelInfo, ReportInfo, TestSetKind,
};
use assay_stats::binary::IntervalSettings;
use assay_stats::compare::Hypothesis;
use assay_stats::decision::DecisionRule;

use super::error::{PlanError, Source};
use super::file::{Files, PlanFile, Slicing, TestSetSection};
use super::{Comparison, Leakage, ModelRun, Plan, Robustness, ToDigest, is_robustness_criterion};

/// Resolve a checked plan file.
pub(super) fn resolve(
    source: Source,
    f: &PlanFile,
    criteria: Vec<(Criterion, Range<usize>)>,
) -> Result<Plan, PlanError> {
    let model_run = model_run(&source, f)?;
    let robustness =
        robustness_conditions(f).map(|(perturbations, severities, metrics)| Robustness {
            perturbations,
            severities,
            metrics,
            criteria: criteria
                .iter()
                .map(|(c, _)| c)
                .filter(|c| is_robustness_criterion(&c.expression))
                .cloned()
                .collect(),
        });
    Ok(Plan {
        identification: identification(f),
        disclosures: disclosures(f),
        seed: seed(f),
        evaluation: evaluation(&source, f),
        predictions: f
            .data
            .predictions
            .as_ref()
            .map(|p| p.get_ref().0.clone())
            .unwrap_or_default(),
        reported: f.evaluation.metrics.clone(),
        standard_at: f
            .plan
            .standard
            .as_ref()
            .map(toml::Spanned::span)
            .or_else(|| f.data.predictions.as_ref().map(toml::Spanned::span)),
        comparison: comparison(&source, f),
        leakage: f.leakage.as_ref().map(|l| Leakage {
            training: (
                l.training.get_ref().clone(),
                source.resolve(l.training.get_ref()),
            ),
            test: (l.test.get_ref().clone(), source.resolve(l.test.get_ref())),
        }),
        digests: digests(f),
        reports: reports(&f.report),
        model_run,
        robustness,
        criteria,
        source,
    })
}

fn identification(f: &PlanFile) -> Identification {
    let m = &f.model;
    let r = &f.report;
    Identification {
        plan_id: f.plan.id.clone(),
        plan_version: f.plan.version.clone(),
        title: f.plan.title.clone(),
        standard: f.plan.standard.as_ref().map_or_else(
            || crate::plan::default_standard(f.data.task).to_owned(),
            |s| s.get_ref().clone(),
        ),
        lab: f.lab.clone(),
        client: f.client.clone(),
        model: ModelInfo {
            name: m.name.clone(),
            version: m.version.clone(),
            intended_use: m.intended_use.clone(),
            developer: m.developer.clone(),
            description: m.description.clone(),
        },
        report: ReportInfo {
            number: r.number.clone(),
            authoriser: r.authoriser.clone(),
            authoriser_role: r.authoriser_role.clone(),
            received: r.received.as_ref().map(|d| d.get_ref().clone()),
            deviations: r.deviations.clone(),
        },
    }
}

fn disclosures(f: &PlanFile) -> Vec<Disclosure> {
    f.disclosures
        .entries()
        .into_iter()
        .map(|(key, clause, title, statement)| Disclosure {
            clause: clause.into(),
            key: key.into(),
            title: title.into(),
            status: if statement.is_some_and(|s| !s.is_empty()) {
                DisclosureStatus::Disclosed
            } else {
                DisclosureStatus::NotDisclosed
            },
            statement: statement.cloned(),
        })
        .collect()
}

/// The seed of every random stream.
fn seed(f: &PlanFile) -> u64 {
    f.evaluation
        .seed
        .unwrap_or(IntervalSettings::default().seed)
}

/// The files the record digests besides the model run's: the predictions,
/// the baseline's, the leakage manifests.
fn digests(f: &PlanFile) -> Vec<ToDigest> {
    let mut out = Vec::new();
    let mut add = |role, files: &[String]| {
        out.extend(files.iter().map(|written| ToDigest {
            role,
            written: written.clone(),
        }));
    };
    if let Some(p) = &f.data.predictions {
        add(InputRole::Predictions, &p.get_ref().0);
    }
    if let Some(b) = &f.baseline {
        add(InputRole::BaselinePredictions, &b.predictions.get_ref().0);
    }
    if let Some(l) = &f.leakage {
        add(InputRole::TrainingManifest, &[l.training.get_ref().clone()]);
        add(InputRole::TestManifest, &[l.test.get_ref().clone()]);
    }
    if let Some(logo) = &f.lab.logo {
        add(InputRole::LabLogo, std::slice::from_ref(logo));
    }
    out
}

/// Whether the model runs on a feature table.
pub(super) fn tabular(f: &PlanFile) -> bool {
    f.test_set.as_ref().is_some_and(|t| t.table.is_some())
}

/// The image preprocessing the plan declares.
pub(super) fn preprocess(f: &PlanFile) -> Preprocess {
    let d = Preprocess::default();
    let Some(p) = &f.preprocessing else {
        return d;
    };
    let p = p.get_ref();
    Preprocess {
        color: p.color.unwrap_or(d.color),
        resize: p.resize,
        interpolation: p.interpolation.unwrap_or(d.interpolation),
        center_crop: p.center_crop,
        scale: p.scale.unwrap_or(d.scale),
        mean: p.mean.clone().unwrap_or(d.mean),
        std: p.std.clone().unwrap_or(d.std),
        layout: p.layout.unwrap_or(d.layout),
    }
}

/// The robustness conditions (perturbations, severities) and metrics the
/// plan asks for, with their defaults.
pub(super) fn robustness_conditions(
    f: &PlanFile,
) -> Option<(Vec<Perturbation>, Vec<u8>, Vec<String>)> {
    let r = f.robustness.as_ref()?;
    let kinds = match &r.perturbations {
        Some(list) => list
            .iter()
            .filter_map(|p| Perturbation::from_name(p.get_ref()))
            .collect(),
        None if tabular(f) => Perturbation::TABULAR.to_vec(),
        None => Perturbation::ALL.to_vec(),
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

/// The files of a list, resolved, as an input.
fn input(source: &Source, files: &Files, format: Option<assay_data::Format>) -> Input {
    match files.0.as_slice() {
        [one] => Input::File {
            path: source.resolve(one),
            format,
        },
        many => Input::Files {
            paths: many.iter().map(|f| source.resolve(f)).collect(),
            format,
        },
    }
}

/// The model run, when the plan names a model.
fn model_run(source: &Source, f: &PlanFile) -> Result<Option<ModelRun>, PlanError> {
    let (Some(file), Some(ts)) = (f.model.file.as_ref(), f.test_set.as_ref()) else {
        return Ok(None);
    };
    let (test_set, test_set_kind, test_set_written) = test_set(source, ts)?;
    let model = assay_model::ModelSpec {
        path: source.resolve(file.get_ref()),
        input: f.model.input.clone(),
        output: f.model.output.clone(),
        scores: f
            .model
            .scores
            .unwrap_or(assay_model::ScoreOutput::Probabilities),
    };
    let settings = RunSettings {
        batch_size: f
            .preprocessing
            .as_ref()
            .and_then(|p| p.get_ref().batch_size.as_ref())
            .map_or(RunSettings::default().batch_size, |b| *b.get_ref()),
        on_error: ts.on_error.unwrap_or(assay_model::OnError::Stop),
        classes: f.model.classes.clone(),
        perturbation: None,
    };
    Ok(Some(ModelRun {
        written: file.get_ref().clone(),
        identity: f
            .model
            .directory
            .as_ref()
            .map_or_else(|| model.path.clone(), |d| source.resolve(d.get_ref())),
        model,
        test_set,
        test_set_kind,
        test_set_written,
        preprocess: preprocess(f),
        settings,
        task: f.data.task,
        positive: f.data.positive.clone(),
    }))
}

/// The test set, how the plan names it, and as what it is written.
fn test_set(
    source: &Source,
    ts: &TestSetSection,
) -> Result<(TestSet, TestSetKind, String), PlanError> {
    use assay_model::columns;
    let label_column = || {
        ts.label_column
            .clone()
            .unwrap_or_else(|| columns::LABEL.into())
    };
    if let Some(folder) = &ts.folder {
        let path = source.resolve(folder.get_ref());
        return Ok((
            TestSet::Folder(path),
            TestSetKind::Folder,
            folder.get_ref().clone(),
        ));
    }
    if let Some(m) = &ts.manifest {
        let set = TestSet::Manifest {
            path: source.resolve(m.get_ref()),
            path_column: ts.path_column.clone().unwrap_or_else(|| "path".into()),
            label_column: label_column(),
            slices: ts.slices.clone(),
        };
        return Ok((set, TestSetKind::Manifest, m.get_ref().clone()));
    }
    // The checks let through only plans that name one of the three.
    let Some(t) = &ts.table else {
        return Err(source.error(0..0, "[test_set] names no test set"));
    };
    let path = source.resolve(t.get_ref());
    let features = match (&ts.features, &ts.feature_prefix) {
        (Some(list), _) => list.clone(),
        (None, Some(prefix)) => {
            let reader = assay_data::open(&path, None).map_err(|e| {
                source.error(t.span(), &format!("cannot read the table's columns: {e}"))
            })?;
            reader
                .columns()
                .iter()
                .filter(|c| c.starts_with(prefix.as_str()))
                .cloned()
                .collect()
        }
        (None, None) => Vec::new(),
    };
    let set = TestSet::Table {
        path,
        features,
        label_column: label_column(),
        id_column: ts.id_column.clone(),
        slices: ts.slices.clone(),
    };
    Ok((set, TestSetKind::Table, t.get_ref().clone()))
}

/// The comparison with the baseline, when the plan has one.
fn comparison(source: &Source, f: &PlanFile) -> Option<Comparison> {
    let b = f.baseline.as_ref()?;
    Some(Comparison {
        written: b.predictions.get_ref().0.clone(),
        baseline: input(source, b.predictions.get_ref(), None),
        id_column: f
            .data
            .id_column
            .clone()
            .unwrap_or_else(|| assay_model::columns::ID.into()),
        margin: b.margin.as_ref().map_or(0.0, |m| *m.get_ref()),
        metric: b.metric.clone(),
        hypothesis: b.hypothesis.unwrap_or(Hypothesis::NonInferiority),
    })
}

/// The evaluation the plan asks for.
fn evaluation(source: &Source, f: &PlanFile) -> EvalSpec {
    let d = &f.data;
    let delimiter = d
        .delimiter
        .as_ref()
        .map(|s| s.get_ref().as_bytes().first().copied().unwrap_or(b','));
    let format = assay_data::FormatName::format(d.format, delimiter);
    let input = match &d.predictions {
        Some(p) => input(source, p.get_ref(), format),
        // A model run writes its predictions (see `ModelRun::evaluation`).
        None => Input::File {
            path: assay_model::columns::PREDICTIONS_FILE.into(),
            format: Some(assay_data::Format::Parquet),
        },
    };
    let mut spec = EvalSpec::new(input);
    spec.voice = assay_eval::Voice::Plan;
    spec.task = d.task;
    spec.columns = d.columns.clone();
    spec.positive = d.positive.clone();
    spec.classes = d.classes.clone();
    if let Some(k) = d.score_kind {
        spec.score_kind = k;
    }
    metric_settings(f, &mut spec);
    spec.intervals = intervals(f);
    spec.slices = slices(f, spec.intervals.as_ref());
    if let Some(c) = &f.criteria {
        spec.criteria = c
            .require
            .iter()
            .map(|r| r.get_ref().clone())
            .filter(|r| !is_robustness_criterion(r))
            .collect();
        spec.decision_rule = c.decision_rule.unwrap_or(DecisionRule::Guarded);
    }
    spec
}

/// `[evaluation]`'s metric settings.
fn metric_settings(f: &PlanFile, spec: &mut EvalSpec) {
    use assay_metrics::ranking::{CurveMode, Curves};
    let e = &f.evaluation;
    let value = |v: &Option<toml::Spanned<f64>>| v.as_ref().map(|v| *v.get_ref());
    if let Some(v) = value(&e.threshold) {
        spec.threshold = v;
    }
    if let Some(v) = value(&e.beta) {
        spec.beta = v;
    }
    if let Some(v) = &e.calibration_bins {
        spec.calibration_bins = *v.get_ref();
    }
    spec.top_k = e.top_k.as_ref().map(|v| *v.get_ref());
    if let Some(v) = value(&e.sum_tolerance) {
        spec.sum_tolerance = v;
    }
    let bits = e
        .bin_bits
        .as_ref()
        .map_or(CurveMode::DEFAULT_BITS, |b| *b.get_ref());
    spec.curve_mode = e.curves.unwrap_or(Curves::Exact).mode(bits);
    if let Some(v) = &e.curve_points {
        spec.curve_points = *v.get_ref();
    }
}

/// `[intervals]`, or `None` when they are disabled.
fn intervals(f: &PlanFile) -> Option<IntervalSettings> {
    let i = &f.intervals;
    if i.enabled.as_ref().map(|e| *e.get_ref()) == Some(false) {
        return None;
    }
    let defaults = IntervalSettings::default();
    Some(IntervalSettings {
        level: i
            .confidence
            .as_ref()
            .map_or(defaults.level, |v| *v.get_ref()),
        replicates: i
            .bootstrap
            .as_ref()
            .map_or(defaults.replicates, |v| *v.get_ref()),
        seed: seed(f),
        proportion: i.proportion.unwrap_or(defaults.proportion),
        bootstrap: i.bootstrap_method.unwrap_or(defaults.bootstrap),
        stratified: i.stratified.unwrap_or(false),
        row_budget: i.row_budget.unwrap_or(defaults.row_budget),
    })
}

/// `[slices]`; their significance level is one minus the confidence level.
fn slices(f: &PlanFile, intervals: Option<&IntervalSettings>) -> Option<SliceSettings> {
    let s = f.slices.as_ref()?;
    let mut settings = SliceSettings::new(
        s.by.iter()
            .map(|s| match s {
                Slicing::One(c) => vec![c.clone()],
                Slicing::Combined(cs) => cs.clone(),
            })
            .collect(),
    );
    if let Some(c) = s.correction {
        settings.correction = c;
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
    let level = intervals.map_or(IntervalSettings::default().level, |i| i.level);
    settings.alpha = SliceSettings::alpha_of(level);
    Some(settings)
}

/// Every language × format the plan asks for; naming only one of the two
/// keys takes every value of the other.
fn reports(
    r: &super::file::ReportSection,
) -> Vec<(assay_record::Lang, assay_record::report::Format)> {
    if r.languages.is_none() && r.formats.is_none() {
        return Vec::new();
    }
    let mut languages = r
        .languages
        .clone()
        .unwrap_or(assay_record::Lang::ALL.to_vec());
    let mut formats = r
        .formats
        .clone()
        .unwrap_or(assay_record::report::Format::ALL.to_vec());
    let mut seen = std::collections::HashSet::new();
    languages.retain(|l| seen.insert(*l));
    let mut seen = std::collections::HashSet::new();
    formats.retain(|f| seen.insert(*f));
    languages
        .iter()
        .flat_map(|&l| formats.iter().map(move |&f| (l, f)))
        .collect()
}
