//! The robustness stage (ISO/IEC TR 24029-1 empirical assessment): the
//! model run again on perturbed copies of the test set, each run compared
//! with the clean one item by item.

use std::collections::HashMap;
use std::path::Path;

use assay_eval::compare::{CompareSpec, Hypothesis};
use assay_eval::{EvalSpec, Input};
use assay_metrics::value::Interval;
use assay_metrics::{MetricSet, MetricValue};
use assay_model::{Perturb, Perturbation};
use assay_record::assessment::{InputRole, RobustnessCondition, RobustnessRecord};

use crate::assessment::{AssessError, Event, Runs};
use crate::inputs::Inputs;
use crate::plan::{ModelRun, Robustness};

/// The folder of the perturbed runs' predictions, in the record's folder.
pub const ROBUSTNESS_DIR: &str = "robustness";

/// Run every condition of `robustness` and judge its criteria; `clean` is
/// the evaluation of the clean run, whose predictions are at `clean_path`.
/// Each run's predictions are digested into `inputs`.
pub(crate) fn assess(
    robustness: &Robustness,
    run: &ModelRun,
    (clean, clean_path): (&EvalSpec, &Path),
    seed: u64,
    runs: Runs<'_>,
    inputs: &mut Inputs<'_>,
    progress: &mut dyn FnMut(Event),
) -> Result<RobustnessRecord, AssessError> {
    let dir = runs.dir().join(ROBUSTNESS_DIR);
    std::fs::create_dir_all(&dir).map_err(|source| AssessError::Io {
        path: dir.clone(),
        source,
    })?;
    // Read once: every condition's flips are counted against it.
    let clean_predictions = predicted(clean_path)?;
    let mut conditions = Vec::new();
    // One bar over every condition: items done of the items of all
    // conditions, so that the rate and the time left hold; the condition
    // running is shown beside it.
    let count = robustness.perturbations.len() * robustness.severities.len();
    let mut offset = 0u64;
    let mut index = 0;
    for &kind in &robustness.perturbations {
        for &severity in &robustness.severities {
            let perturb = Perturb {
                kind,
                severity,
                seed,
            };
            index += 1;
            progress(Event::Step(format!(
                "{}, severity {severity} ({index} of {count})",
                kind.name()
            )));
            let name = format!("{}-{severity}.parquet", kind.name());
            let out = dir.join(&name);
            let mut per_condition = 0u64;
            let mut whole = |e: Event| match e {
                Event::Total(items) => {
                    per_condition = items;
                    if index == 1 {
                        progress(Event::Total(items * count as u64));
                    }
                }
                Event::Rows(done) => progress(Event::Rows(offset + done)),
                other => progress(other),
            };
            let ran = runs.perturbed(run, perturb, &out, &mut whole)?;
            offset += per_condition.max(ran.0 + ran.1);
            inputs.digest_written(
                InputRole::RobustnessPredictions,
                &out,
                &format!("{ROBUSTNESS_DIR}/{name}"),
            )?;
            conditions.push(condition(
                robustness,
                clean,
                (clean_path, &clean_predictions),
                perturb,
                (&out, ran),
            )?);
        }
    }
    let rule = clean.decision_rule;
    let criteria = robustness
        .criteria
        .iter()
        .map(|c| {
            let metric = assay_record::assessment::robustness_metric(&conditions, &c.metric);
            assay_eval::criteria::judge_metric(c, metric, rule)
        })
        .collect();
    Ok(RobustnessRecord {
        seed,
        metrics: robustness.metrics.clone(),
        conditions,
        criteria,
    })
}

/// One perturbation at one severity: the run, its metrics, their drop from
/// the clean run (paired bootstrap), the share of flipped predictions.
fn condition(
    robustness: &Robustness,
    clean: &EvalSpec,
    (clean_path, clean_predictions): (&Path, &HashMap<String, String>),
    perturb: Perturb,
    (out, (items, skipped)): (&Path, (u64, u64)),
) -> Result<RobustnessCondition, AssessError> {
    let mut spec = clean.clone();
    spec.input = Input::File {
        path: out.to_path_buf(),
        format: Some(assay_data::Format::Parquet),
    };
    spec.slices = None;
    spec.criteria.clear();
    let result = assay_eval::evaluate(&spec, &mut |_| {})?;
    let metrics = &robustness.metrics;
    let paired = assay_eval::compare::compare(&CompareSpec {
        candidate: spec.clone(),
        baseline: Input::File {
            path: clean_path.to_path_buf(),
            format: Some(assay_data::Format::Parquet),
        },
        id_column: assay_model::columns::ID.into(),
        margin: 0.0,
        primary: metrics
            .first()
            .cloned()
            .unwrap_or_else(|| "accuracy".into()),
        hypothesis: Hypothesis::NonInferiority,
    })?;
    let mut set = MetricSet::new();
    for m in metrics {
        if let Some(v) = result.metrics.get(m) {
            set.insert(m.clone(), v.clone());
        }
        if let Some(d) = paired.differences.iter().find(|d| d.metric == *m) {
            let mut drop = match d.difference {
                Some(x) => MetricValue::defined(-x),
                None => MetricValue::undefined("the metric is undefined on one of the runs"),
            };
            drop.ci = d.interval.as_ref().map(|i| Interval {
                low: -i.high,
                high: -i.low,
                level: i.level,
                method: i.method,
            });
            set.insert(format!("{m}_drop"), drop);
        }
    }
    let level = clean.intervals.as_ref().map_or(0.95, |i| i.level);
    let (flips, n) = flips(clean_predictions, out)?;
    let mut flip = MetricValue::ratio(flips as f64, n as f64, "there are no items");
    flip.ci = assay_stats::proportion::wilson(flips as f64, n as f64, level);
    set.insert("flip_rate", flip);
    let kind: Perturbation = perturb.kind;
    Ok(RobustnessCondition {
        perturbation: kind,
        severity: perturb.severity,
        parameter: kind.parameter(perturb.severity),
        unit: kind.unit().into(),
        items,
        skipped,
        metrics: set,
        mcnemar: paired.mcnemar,
    })
}

/// Item id → predicted class, from a predictions file.
fn predicted(path: &Path) -> Result<HashMap<String, String>, AssessError> {
    use assay_data::{Column, Kind, Request};
    use assay_model::columns;
    let requests = [
        Request::new(columns::ID, Kind::Label),
        Request::new(columns::PREDICTION, Kind::Label),
    ];
    let mut out = HashMap::new();
    let reader = assay_data::open(path, None).map_err(assay_eval::EvalError::from)?;
    for batch in reader
        .select(&requests, assay_data::DEFAULT_BATCH_ROWS)
        .map_err(assay_eval::EvalError::from)?
    {
        let batch = batch.map_err(assay_eval::EvalError::from)?;
        if let (Column::Label(ids), Column::Label(preds)) = (&batch.columns[0], &batch.columns[1]) {
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
fn flips(clean: &HashMap<String, String>, perturbed: &Path) -> Result<(u64, u64), AssessError> {
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
