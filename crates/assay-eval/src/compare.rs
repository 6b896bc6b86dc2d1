//! `assay compare`: a candidate model against a baseline on the same items
//! (joined by an id column), for binary tasks: McNemar's test on the paired
//! correctness, DeLong's paired test for the AUCs, and paired bootstrap
//! intervals for the difference of the confusion-matrix metrics, each with a
//! superiority / non-inferiority conclusion against a stated margin.

use std::collections::HashMap;
use std::path::PathBuf;

use assay_data::{Column, Kind, Label, LabelEncoder, Request};
use assay_metrics::confusion::{BinaryCounts, ConfusionMatrix};
use assay_metrics::multiclass::confusion_metrics;
use assay_stats::bootstrap::{self, Method};
use assay_stats::compare::{DeLongPaired, conclude, delong_paired, mcnemar};

use crate::EvalError;
use crate::families::binary::BinaryLabels;
use crate::spec::{EvalSpec, Input};

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareSpec {
    /// The candidate's predictions and every setting (columns, positive class, threshold, intervals).
    pub candidate: EvalSpec,
    /// The baseline's predictions, read with the same column names.
    pub baseline: Input,
    /// The column that identifies an item in both files.
    pub id_column: String,
    /// Non-inferiority margin (on the metric's own scale).
    pub margin: f64,
    /// The metric the verdict is about.
    pub primary: String,
    /// Whether the verdict needs superiority or non-inferiority.
    pub hypothesis: Hypothesis,
}

use assay_record::eval::Outcome;
pub use assay_record::eval::{CompareResult, Difference};
pub use assay_stats::compare::Hypothesis;

/// One file's rows: class indices (binary: 1 is the positive class).
struct Rows {
    ids: Vec<Label>,
    truth: Vec<u32>,
    predicted: Vec<u32>,
    score: Option<Vec<f64>>,
}

fn read(
    spec: &EvalSpec,
    input: &Input,
    id: &str,
    labels: &mut BinaryLabels,
) -> Result<Rows, EvalError> {
    let reader = input.open()?;
    let path = reader.path().to_path_buf();
    let c = &spec.columns;
    let truth = c.truth().to_owned();
    let score = c.score_in(&reader);
    let pred = c.prediction_in(&reader);
    if score.is_none() && pred.is_none() {
        return Err(EvalError::Input {
            path,
            problem: "needs a score column ('score') or a prediction column ('pred')".into(),
        });
    }
    let mut requests = vec![
        Request::new(id, Kind::Label)
            .role("the item id that joins the two files; set it with --id"),
        Request::new(&truth, Kind::Label).role("the truth column; set it with --truth"),
    ];
    requests.extend(score.iter().map(|s| Request::new(s, Kind::Number)));
    requests.extend(pred.iter().map(|p| Request::new(p, Kind::Label)));
    let mut rows = Rows {
        ids: Vec::new(),
        truth: Vec::new(),
        predicted: Vec::new(),
        score: score.as_ref().map(|_| Vec::new()),
    };
    for batch in reader.select(&requests, spec.batch_rows)? {
        let batch = batch?;
        let col = |i: usize| &batch.columns[i];
        let Column::Label(ids) = col(0) else {
            unreachable!("requested as labels")
        };
        let Column::Label(truths) = col(1) else {
            unreachable!("requested as labels")
        };
        let scores = match score.as_ref().map(|_| col(2)) {
            Some(Column::Number(v)) => Some(v),
            _ => None,
        };
        let preds = match pred.as_ref().map(|_| col(2 + usize::from(score.is_some()))) {
            Some(Column::Label(v)) => Some(v),
            _ => None,
        };
        for i in 0..batch.rows {
            let row = batch.first_row + i as u64 + 1;
            let err = |column: &str, problem: String| EvalError::Value {
                path: batch.source.clone().unwrap_or_else(|| path.clone()),
                row,
                column: column.into(),
                problem,
            };
            rows.truth.push(u32::from(
                labels.classify(&truths[i]).map_err(|p| err(&truth, p))?,
            ));
            let predicted = match (preds, scores) {
                (Some(p), _) => labels
                    .classify(&p[i])
                    .map_err(|e| err(pred.as_deref().unwrap_or(""), e))?,
                (None, Some(s)) => s[i] >= spec.threshold,
                (None, None) => unreachable!("checked above"),
            };
            if let (Some(out), Some(s)) = (rows.score.as_mut(), scores) {
                if spec.score_kind == crate::ScoreKind::Probability && !(0.0..=1.0).contains(&s[i])
                {
                    return Err(err(
                        score.as_deref().unwrap_or(""),
                        format!(
                            "{} is not a probability (outside [0, 1]); if the scores are not probabilities, pass --score-kind score",
                            s[i]
                        ),
                    ));
                }
                out.push(s[i]);
            }
            rows.predicted.push(u32::from(predicted));
            rows.ids.push(ids[i].clone());
        }
    }
    Ok(rows)
}

/// Multi-class rows: the prediction column, or the most probable class of the
/// probability columns; classes are learned across both files.
fn read_multiclass(
    spec: &EvalSpec,
    input: &Input,
    id: &str,
    prefix: &str,
    encoder: &mut LabelEncoder,
) -> Result<Rows, EvalError> {
    let reader = input.open()?;
    let path = reader.path().to_path_buf();
    let c = &spec.columns;
    let truth = c.truth().to_owned();
    let pred = c.prediction_in(&reader);
    let prob_cols: Vec<String> = reader
        .columns()
        .iter()
        .filter(|c| c.starts_with(prefix) && c.len() > prefix.len())
        .cloned()
        .collect();
    if pred.is_none() && prob_cols.is_empty() {
        return Err(EvalError::Input {
            path,
            problem: format!(
                "needs a prediction column ('pred') or probability columns ('{prefix}<CLASS>')"
            ),
        });
    }
    let mut requests = vec![
        Request::new(id, Kind::Label)
            .role("the item id that joins the two files; set it with --id"),
        Request::new(&truth, Kind::Label).role("the truth column; set it with --truth"),
    ];
    match &pred {
        Some(p) => requests.push(Request::new(p, Kind::Label)),
        None => requests.extend(prob_cols.iter().map(|c| Request::new(c, Kind::Number))),
    }
    let class_of_column: Vec<u32> = prob_cols
        .iter()
        .map(|c| encoder.insert(Label::from_text(&c[prefix.len()..])))
        .collect();
    let mut rows = Rows {
        ids: Vec::new(),
        truth: Vec::new(),
        predicted: Vec::new(),
        score: None,
    };
    for batch in reader.select(&requests, spec.batch_rows)? {
        let batch = batch?;
        let Column::Label(ids) = &batch.columns[0] else {
            unreachable!("requested as labels")
        };
        let Column::Label(truths) = &batch.columns[1] else {
            unreachable!("requested as labels")
        };
        for i in 0..batch.rows {
            rows.ids.push(ids[i].clone());
            rows.truth.push(encoder.insert(truths[i].clone()));
            let predicted = match &batch.columns[2] {
                Column::Label(p) if pred.is_some() => encoder.insert(p[i].clone()),
                _ => {
                    let mut best = 0;
                    let mut best_p = f64::NEG_INFINITY;
                    for (j, col) in batch.columns[2..].iter().enumerate() {
                        let Column::Number(v) = col else {
                            unreachable!("requested as numbers")
                        };
                        if v[i] > best_p {
                            best_p = v[i];
                            best = j;
                        }
                    }
                    class_of_column[best]
                }
            };
            rows.predicted.push(predicted);
        }
    }
    Ok(rows)
}

fn list(ids: &[&Label]) -> String {
    let shown: Vec<String> = ids.iter().take(10).map(|l| format!("'{l}'")).collect();
    let more = if ids.len() > 10 {
        format!(" … ({} in all)", ids.len())
    } else {
        String::new()
    };
    shown.join(", ") + &more
}

/// Cells of the paired table: index = truth·4 + candidate correct-prediction·2 + baseline prediction.
fn cell(truth: bool, candidate: bool, baseline: bool) -> usize {
    usize::from(truth) * 4 + usize::from(candidate) * 2 + usize::from(baseline)
}

fn counts(cells: &[u64], candidate: bool) -> BinaryCounts {
    let mut c = BinaryCounts::default();
    for (i, &n) in cells.iter().enumerate() {
        let truth = i >= 4;
        let predicted = if candidate {
            (i >> 1) & 1 == 1
        } else {
            i & 1 == 1
        };
        c.add(truth, predicted, n as f64);
    }
    c
}

type CountsMetric = fn(&BinaryCounts) -> Option<f64>;

const METRICS: [(&str, CountsMetric); 7] = [
    ("accuracy", |c| {
        (c.total() > 0.0).then(|| (c.tp + c.tn) / c.total())
    }),
    ("balanced_accuracy", |c| {
        c.matrix().balanced_accuracy().value
    }),
    ("precision", |c| c.precision().value),
    ("recall", |c| c.recall().value),
    ("specificity", |c| c.specificity().value),
    ("f1", |c| c.fbeta(1.0).value),
    ("mcc", |c| c.matrix().mcc().value),
];

/// The metric ids `compare` reports.
pub fn metric_ids() -> Vec<&'static str> {
    let mut ids: Vec<&str> = METRICS.iter().map(|(id, _)| *id).collect();
    ids.push("roc_auc");
    ids
}

/// Binary: the 8 cells of truth × candidate × baseline resampled
/// multinomially, and DeLong's paired test when both have scores.
fn binary_differences(
    cand: &Rows,
    base: &Rows,
    pairs: &[(usize, usize)],
    spec: &CompareSpec,
    settings: &assay_stats::binary::IntervalSettings,
) -> (Vec<Difference>, Option<DeLongPaired>) {
    let mut cells = [0u64; 8];
    for &(i, j) in pairs {
        cells[cell(
            cand.truth[i] == 1,
            cand.predicted[i] == 1,
            base.predicted[j] == 1,
        )] += 1;
    }
    let mut differences = Vec::new();
    for (id, metric) in METRICS {
        let diff = |k: &[u64]| Some(metric(&counts(k, true))? - metric(&counts(k, false))?);
        let estimate = diff(&cells);
        let interval = estimate.and_then(|_| {
            // Cells laid out by truth first: two strata when stratified.
            let mut reps = bootstrap::multinomial_replicates(
                &cells,
                settings.strata(2),
                settings.replicates,
                settings.seed,
                &diff,
            );
            if reps.len() * 2 < settings.replicates {
                return None;
            }
            match settings.bootstrap {
                Method::Percentile => bootstrap::percentile(&mut reps, settings.level),
                Method::Bca => bootstrap::jackknife_counts(&cells, &diff).and_then(|jk| {
                    bootstrap::bca(estimate.unwrap_or(0.0), &mut reps, &jk, settings.level)
                }),
            }
        });
        differences.push(Difference {
            metric: id.into(),
            candidate: metric(&counts(&cells, true)),
            baseline: metric(&counts(&cells, false)),
            difference: estimate,
            conclusion: interval.as_ref().map(|i| conclude(i, spec.margin)),
            interval,
        });
    }
    let truth: Vec<bool> = pairs.iter().map(|&(i, _)| cand.truth[i] == 1).collect();
    let roc_auc = match (&cand.score, &base.score) {
        (Some(a), Some(b)) => {
            let a: Vec<f64> = pairs.iter().map(|&(i, _)| a[i]).collect();
            let b: Vec<f64> = pairs.iter().map(|&(_, j)| b[j]).collect();
            delong_paired(&a, &b, &truth, settings.level)
        }
        _ => None,
    };
    if let Some(d) = &roc_auc {
        differences.push(Difference {
            metric: "roc_auc".into(),
            candidate: Some(d.auc_candidate),
            baseline: Some(d.auc_baseline),
            difference: Some(d.difference),
            interval: Some(d.interval.clone()),
            conclusion: Some(conclude(&d.interval, spec.margin)),
        });
    }
    (differences, roc_auc)
}

/// The multi-class metrics `compare` reports.
const MULTICLASS_METRICS: [&str; 7] = [
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "mcc",
    "cohen_kappa",
];

/// The metrics a comparison can judge for `task`.
pub fn metric_ids_for(task: crate::Task) -> Vec<&'static str> {
    match task {
        crate::Task::Multiclass => MULTICLASS_METRICS.to_vec(),
        _ => metric_ids(),
    }
}

/// The metrics a comparison can judge for any task.
pub fn all_metric_ids() -> Vec<&'static str> {
    let mut ids = metric_ids();
    for id in MULTICLASS_METRICS {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Multi-class: a Poisson bootstrap over the paired rows (each replicate
/// builds both confusion matrices from the same row weights).
fn multiclass_differences(
    cand: &Rows,
    base: &Rows,
    pairs: &[(usize, usize)],
    k: usize,
    spec: &CompareSpec,
    settings: &assay_stats::binary::IntervalSettings,
) -> Result<Vec<Difference>, EvalError> {
    use rayon::prelude::*;
    let metrics_of = |weights: Option<&[f64]>, candidate: bool| {
        let mut cm = ConfusionMatrix::new(k);
        for (p, &(i, j)) in pairs.iter().enumerate() {
            let w = weights.map_or(1.0, |w| w[p]);
            let predicted = if candidate {
                cand.predicted[i]
            } else {
                base.predicted[j]
            };
            cm.add(cand.truth[i] as usize, predicted as usize, w);
        }
        confusion_metrics(&cm).0
    };
    let (c_all, b_all) = (metrics_of(None, true), metrics_of(None, false));
    let value = |set: &assay_metrics::MetricSet, id: &str| set.get(id).and_then(|m| m.value);
    let cost = pairs.len() as u64 * settings.replicates as u64;
    let reps: Vec<Option<(assay_metrics::MetricSet, assay_metrics::MetricSet)>> = if cost
        <= settings.row_budget
    {
        (0..settings.replicates)
            .into_par_iter()
            .map(|r| {
                let w = bootstrap::poisson_weights(settings.seed, r as u64, pairs.len());
                Some((metrics_of(Some(&w), true), metrics_of(Some(&w), false)))
            })
            .collect()
    } else {
        return Err(EvalError::Settings(format!(
            "a multi-class comparison resamples rows: {} pairs × {} replicates is over --row-bootstrap-budget {}",
            pairs.len(),
            settings.replicates,
            settings.row_budget
        )));
    };
    Ok(MULTICLASS_METRICS
        .iter()
        .map(|id| {
            let estimate = value(&c_all, id).zip(value(&b_all, id)).map(|(c, b)| c - b);
            let values: Vec<f64> = reps
                .iter()
                .flatten()
                .filter_map(|(c, b)| Some(value(c, id)? - value(b, id)?))
                .collect();
            let interval = estimate.and_then(|_| settings.percentile_of(values));
            Difference {
                metric: (*id).into(),
                candidate: value(&c_all, id),
                baseline: value(&b_all, id),
                difference: estimate,
                conclusion: interval.as_ref().map(|i| conclude(i, spec.margin)),
                interval,
            }
        })
        .collect())
}

/// Run a comparison.
pub fn compare(spec: &CompareSpec) -> Result<CompareResult, EvalError> {
    let multiclass = check(spec)?;
    let settings = spec.candidate.intervals.unwrap_or_default();
    let prefix = spec.candidate.columns.probability_prefix().to_owned();
    let mut labels = BinaryLabels::new(spec.candidate.positive.as_deref());
    let mut encoder = LabelEncoder::default();
    let mut read_one = |input: &Input| {
        if multiclass {
            read_multiclass(
                &spec.candidate,
                input,
                &spec.id_column,
                &prefix,
                &mut encoder,
            )
        } else {
            read(&spec.candidate, input, &spec.id_column, &mut labels)
        }
    };
    let cand = read_one(&spec.candidate.input)?;
    let base = read_one(&spec.baseline)?;
    let classes = multiclass.then(|| {
        encoder
            .classes()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<String>>()
    });
    let pairs = pair(spec, &cand, &base)?;
    let (mut cand_only, mut base_only) = (0, 0);
    for &(i, j) in &pairs {
        let y = cand.truth[i];
        match (cand.predicted[i] == y, base.predicted[j] == y) {
            (true, false) => cand_only += 1,
            (false, true) => base_only += 1,
            _ => {}
        }
    }
    let (differences, roc_auc) = match &classes {
        None => binary_differences(&cand, &base, &pairs, spec, &settings),
        Some(names) => (
            multiclass_differences(&cand, &base, &pairs, names.len(), spec, &settings)?,
            None,
        ),
    };
    let conclusion = differences
        .iter()
        .find(|d| d.metric == spec.primary)
        .and_then(|d| d.conclusion);
    let passed = conclusion.is_some_and(|c| spec.hypothesis.shown_by(c));
    Ok(CompareResult {
        schema: assay_record::eval::COMPARE_SCHEMA.into(),
        n: pairs.len() as u64,
        task: if multiclass {
            crate::Task::Multiclass
        } else {
            crate::Task::Binary
        },
        positive: (!multiclass).then(|| labels.names().1),
        classes,
        candidate: spec.candidate.input.names().join(", "),
        baseline: spec.baseline.names().join(", "),
        mcnemar: mcnemar(cand_only, base_only),
        roc_auc,
        differences,
        margin: spec.margin,
        hypothesis: spec.hypothesis,
        primary: spec.primary.clone(),
        verdict: Outcome::of(passed),
    })
}

/// Check the settings; whether the comparison is multi-class.
fn check(spec: &CompareSpec) -> Result<bool, EvalError> {
    spec.candidate.validate()?;
    if !(spec.margin.is_finite() && spec.margin >= 0.0) {
        return Err(EvalError::Settings(format!(
            "--margin must be a non-negative number, not {}",
            spec.margin
        )));
    }
    let multiclass = match spec.candidate.task {
        Some(crate::Task::Binary) => false,
        Some(crate::Task::Multiclass) => true,
        Some(task) => {
            return Err(EvalError::Settings(format!(
                "compare supports binary and multi-class tasks, not {}",
                task.name()
            )));
        }
        None => {
            let prefix = spec.candidate.columns.probability_prefix();
            let reader = spec.candidate.input.open()?;
            reader
                .columns()
                .iter()
                .any(|c| c.starts_with(prefix) && c.len() > prefix.len())
        }
    };
    let valid: Vec<&str> = if multiclass {
        MULTICLASS_METRICS.to_vec()
    } else {
        metric_ids()
    };
    if !valid.contains(&spec.primary.as_str()) {
        return Err(EvalError::Settings(format!(
            "--metric must be one of {} for this task, not '{}'",
            valid.join(", "),
            spec.primary
        )));
    }
    Ok(multiclass)
}

/// Pair the candidate's rows with the baseline's by id: every id once in
/// each file, the same items in both, with the same truth.
fn pair(spec: &CompareSpec, cand: &Rows, base: &Rows) -> Result<Vec<(usize, usize)>, EvalError> {
    let base_path: PathBuf = spec.baseline.display_path();
    let twice = |path: PathBuf, id: &Label| EvalError::Input {
        path,
        problem: format!("the id '{id}' appears twice; ids must identify items"),
    };
    let mut index: HashMap<&Label, usize> = HashMap::with_capacity(base.ids.len());
    for (i, id) in base.ids.iter().enumerate() {
        if index.insert(id, i).is_some() {
            return Err(twice(base_path, id));
        }
    }
    let mut seen = vec![false; base.ids.len()];
    let mut only_candidate = Vec::new();
    let mut pairs = Vec::with_capacity(cand.ids.len());
    for (i, id) in cand.ids.iter().enumerate() {
        let Some(&j) = index.get(id) else {
            only_candidate.push(id);
            continue;
        };
        if seen[j] {
            return Err(twice(spec.candidate.input.display_path(), id));
        }
        seen[j] = true;
        if cand.truth[i] != base.truth[j] {
            return Err(EvalError::Input {
                path: base_path,
                problem: format!(
                    "item '{id}' has another truth than in the candidate file; both files must describe the same items"
                ),
            });
        }
        pairs.push((i, j));
    }
    let only_baseline: Vec<&Label> = base
        .ids
        .iter()
        .zip(&seen)
        .filter(|(_, s)| !**s)
        .map(|(id, _)| id)
        .collect();
    if only_candidate.is_empty() && only_baseline.is_empty() {
        return Ok(pairs);
    }
    let mut parts = Vec::new();
    for (ids, file) in [(&only_candidate, "candidate"), (&only_baseline, "baseline")] {
        if !ids.is_empty() {
            parts.push(format!(
                "{} id(s) only in the {file} file: {}",
                ids.len(),
                list(ids)
            ));
        }
    }
    Err(EvalError::Input {
        path: base_path,
        problem: format!("the files do not hold the same items: {}", parts.join("; ")),
    })
}
