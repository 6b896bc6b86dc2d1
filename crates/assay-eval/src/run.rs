//! The evaluation run: read the input in batches, turn cells into the
//! metric crate's typed batches, update one state, compute, and assemble the
//! result. Every bad value is reported with its file, row and column.

use std::path::PathBuf;

use assay_data::{Batch, Batches, Column, Kind, Label, LabelEncoder, Reader, Request};
use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryInputs, BinaryState};
use assay_metrics::confusion::ConfusionMatrix;
use assay_metrics::multiclass::{
    MulticlassBatch, MulticlassConfig, MulticlassInputs, MulticlassState,
};
use assay_metrics::multilabel::{
    MultilabelBatch, MultilabelConfig, MultilabelInputs, MultilabelState,
};
use assay_metrics::{BatchError, Field, MetricSet, MetricValue};

use crate::EvalError;
use crate::result::{
    ConfusionOut, CurvesOut, EvalResult, InputInfo, OrderedMap, Parameters, SCHEMA_ID, Tool,
};
use crate::slices::RouteRows;
use crate::spec::{EvalSpec, Input, ScoreKind, Task};

/// Run an evaluation. `progress` is called with the number of rows read so far.
pub fn evaluate(spec: &EvalSpec, progress: &mut dyn FnMut(u64)) -> Result<EvalResult, EvalError> {
    spec.validate()?;
    // Syntax errors in criteria are reported before any data is read.
    let criteria = spec
        .criteria
        .iter()
        .map(|c| crate::criteria::parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    let reader = spec.input.open()?;
    let task = detect_task(spec, &reader)?;
    let mut ctx = Context::new(spec, &reader);
    let mut result = match task {
        Task::Binary => binary(spec, reader, &mut ctx, progress),
        Task::Multiclass => multiclass(spec, reader, &mut ctx, progress),
        Task::Multilabel => multilabel(spec, reader, &mut ctx, progress),
    }?;
    if !criteria.is_empty() {
        for c in &criteria {
            crate::criteria::check(c, &result)?;
        }
        let judgements: Vec<_> = criteria
            .iter()
            .map(|c| crate::criteria::judge(c, &result, spec.decision_rule))
            .collect();
        result.verdict = Some(crate::result::Outcome::of(
            judgements.iter().all(|j| j.passed),
        ));
        result.criteria = Some(judgements);
    }
    Ok(result)
}

fn truth_request(truth: &str) -> Request {
    Request::new(truth, Kind::Label).role("the truth column; set it with --truth")
}

fn prefixed(reader: &Reader, prefix: &str) -> Vec<String> {
    reader
        .columns()
        .iter()
        .filter(|c| c.starts_with(prefix) && c.len() > prefix.len())
        .cloned()
        .collect()
}

/// The task the columns imply, unless the spec names one.
pub fn detect_task(spec: &EvalSpec, reader: &Reader) -> Result<Task, EvalError> {
    if let Some(t) = spec.task {
        return Ok(t);
    }
    let c = &spec.columns;
    if !prefixed(reader, c.truth_prefix()).is_empty() {
        return Ok(Task::Multilabel);
    }
    if c.score_in(reader).is_some() {
        return Ok(Task::Binary);
    }
    if spec.classes.is_some() || !prefixed(reader, c.probability_prefix()).is_empty() {
        return Ok(Task::Multiclass);
    }
    if spec.positive.is_some() {
        return Ok(Task::Binary);
    }
    let path = reader.path().to_path_buf();
    if reader.has_column(c.prediction()) {
        return Err(EvalError::Input {
            path,
            problem: "only hard predictions were found: pass --task binary (and --positive) or --task multiclass".into(),
        });
    }
    Err(EvalError::Input {
        path,
        problem: format!(
            "cannot tell the task from the columns ({}); expected 'score' (binary), 'prob_<CLASS>' (multi-class) or 'true_<LABEL>' (multi-label) columns, or pass --task",
            reader.columns().join(", ")
        ),
    })
}

/// What every task shares: the path, the weight column, the input description.
struct Context {
    path: PathBuf,
    paths: Vec<String>,
    format: String,
    weight: Option<String>,
    columns: OrderedMap<Vec<String>>,
}

impl Context {
    fn new(spec: &EvalSpec, reader: &Reader) -> Self {
        let paths = spec.input.names();
        let format = match &spec.input {
            Input::File { path, format } => {
                format_name(format.or_else(|| assay_data::Format::from_path(path)))
            }
            Input::Files { paths, format } => format_name(
                format.or_else(|| paths.first().and_then(|p| assay_data::Format::from_path(p))),
            ),
            Input::Npy(_) => "npy".into(),
        };
        let weight = spec.columns.weight_in(reader);
        Self {
            path: reader.path().to_path_buf(),
            paths,
            format,
            weight,
            columns: OrderedMap::default(),
        }
    }

    fn weight_request(&self) -> Option<Request> {
        self.weight
            .as_ref()
            .map(|w| Request::new(w, Kind::Number).role("the weight column; set it with --weight"))
    }

    fn role(&mut self, role: &str, names: Vec<String>) {
        self.columns.0.push((role.into(), names));
    }

    fn value_error(&self, row: u64, column: &str, problem: impl Into<String>) -> EvalError {
        EvalError::Value {
            path: self.path.clone(),
            row,
            column: column.into(),
            problem: problem.into(),
        }
    }

    fn input_info(&mut self) -> InputInfo {
        if let Some(w) = &self.weight {
            self.columns.0.push(("weight".into(), vec![w.clone()]));
        }
        InputInfo {
            paths: self.paths.clone(),
            format: self.format.clone(),
            columns: std::mem::take(&mut self.columns),
        }
    }
}

fn format_name(f: Option<assay_data::Format>) -> String {
    match f {
        Some(assay_data::Format::Csv { delimiter: b',' }) => "csv".into(),
        Some(assay_data::Format::Csv { delimiter: b'\t' }) => "tsv".into(),
        Some(assay_data::Format::Csv { delimiter }) => {
            format!("csv (delimiter {:?})", delimiter as char)
        }
        Some(assay_data::Format::JsonLines) => "jsonl".into(),
        Some(assay_data::Format::Parquet) => "parquet".into(),
        Some(assay_data::Format::ArrowIpc) => "arrow".into(),
        Some(assay_data::Format::Npy) => "npy".into(),
        None => "unknown".into(),
    }
}

/// Turn a metric-crate batch error into one that names the file, row and column.
fn batch_error(
    ctx: &Context,
    batch: &Batch,
    e: BatchError,
    column_of: &dyn Fn(Field) -> String,
) -> EvalError {
    let row = |r: usize| batch.first_row + r as u64 + 1;
    match e {
        BatchError::NonFinite { row: r, field, value } => {
            ctx.value_error(row(r), &column_of(field), format!("{value} is not a finite number"))
        }
        BatchError::NotProbability { row: r, field, value } => ctx.value_error(
            row(r),
            &column_of(field),
            format!("{value} is not a probability (outside [0, 1]); if the scores are not probabilities, pass --score-kind score"),
        ),
        BatchError::RowSum { row: r, sum, tolerance } => ctx.value_error(
            row(r),
            &column_of(Field::Score(None)),
            format!("the class probabilities sum to {sum}, not 1 (tolerance {tolerance}; widen it with --sum-tolerance)"),
        ),
        BatchError::Weight { row: r, value } => ctx.value_error(
            row(r),
            &column_of(Field::Weight),
            format!("weight {value} is not allowed; weights must be finite and not negative"),
        ),
        BatchError::ClassIndex { row: r, field, index, classes } => {
            ctx.value_error(row(r), &column_of(field), format!("class index {index} is out of range ({classes} classes)"))
        }
        BatchError::Length { .. } | BatchError::Inputs(_) => {
            EvalError::Input { path: ctx.path.clone(), problem: e.to_string() }
        }
    }
}

fn numbers(c: &Column) -> &[f64] {
    match c {
        Column::Number(v) => v,
        Column::Label(_) => unreachable!("requested as numbers"),
    }
}

fn labels(c: &Column) -> &[Label] {
    match c {
        Column::Label(v) => v,
        Column::Number(_) => unreachable!("requested as labels"),
    }
}

/// An error in a batch of one of several files names that file.
fn relocate(e: EvalError, batch: &Batch) -> EvalError {
    match (e, &batch.source) {
        (
            EvalError::Value {
                row,
                column,
                problem,
                ..
            },
            Some(file),
        ) => EvalError::Value {
            path: file.clone(),
            row,
            column,
            problem,
        },
        (EvalError::Input { problem, .. }, Some(file)) => EvalError::Input {
            path: file.clone(),
            problem,
        },
        (e, _) => e,
    }
}

fn read_all(
    batches: Batches,
    progress: &mut dyn FnMut(u64),
    mut each: impl FnMut(&Batch) -> Result<(), EvalError>,
) -> Result<u64, EvalError> {
    // Decode on a second thread while this one updates the metric state; a
    // bounded channel keeps at most a few batches in memory.
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel(2);
        scope.spawn(move || {
            for batch in batches {
                let failed = batch.is_err();
                if send.send(batch).is_err() || failed {
                    break;
                }
            }
        });
        let mut rows = 0;
        for batch in receive {
            let batch = batch?;
            each(&batch).map_err(|e| relocate(e, &batch))?;
            rows += batch.rows as u64;
            progress(rows);
        }
        Ok(rows)
    })
}

fn curves_config(spec: &EvalSpec) -> Parameters {
    Parameters {
        threshold: None,
        beta: None,
        calibration_bins: None,
        top_k: None,
        sum_tolerance: None,
        score_kind: None,
        curves: spec.curve_mode,
        curve_points: spec.curve_points,
        intervals: None,
    }
}

// ------------------------------------------------------------------ binary

/// Which labels are positive. Without `--positive`, labels must be 0/1,
/// -1/1 or true/false.
pub(crate) struct BinaryLabels {
    positive: Option<Label>,
    negative: Option<Label>,
}

impl BinaryLabels {
    pub(crate) fn new(positive: Option<&str>) -> Self {
        Self {
            positive: positive.map(Label::from_text),
            negative: None,
        }
    }

    pub(crate) fn classify(&mut self, l: &Label) -> Result<bool, String> {
        match &self.positive {
            None => match (l.as_flag(), l) {
                (Some(f), _) => {
                    if !f && self.negative.is_none() {
                        self.negative = Some(l.clone());
                    }
                    Ok(f)
                }
                (None, Label::Int(-1)) => Ok(false),
                _ => Err(format!(
                    "'{l}' is not a 0/1 or true/false label; name the positive class with --positive"
                )),
            },
            Some(p) if p == l => Ok(true),
            Some(p) => match &self.negative {
                Some(n) if n == l => Ok(false),
                Some(n) => Err(format!(
                    "'{l}' is a third label; a binary task has two classes: '{p}' (positive) and '{n}'"
                )),
                None => {
                    self.negative = Some(l.clone());
                    Ok(false)
                }
            },
        }
    }

    pub(crate) fn names(&self) -> (String, String) {
        match &self.positive {
            Some(p) => (
                self.negative
                    .as_ref()
                    .map_or_else(|| format!("not {p}"), |n| n.to_string()),
                p.to_string(),
            ),
            None => match &self.negative {
                Some(Label::Text(t)) => (
                    t.clone(),
                    if t.chars().next().is_some_and(char::is_uppercase) {
                        "True"
                    } else {
                        "true"
                    }
                    .into(),
                ),
                _ => ("0".into(), "1".into()),
            },
        }
    }
}

fn binary(
    spec: &EvalSpec,
    reader: Reader,
    ctx: &mut Context,
    progress: &mut dyn FnMut(u64),
) -> Result<EvalResult, EvalError> {
    let c = &spec.columns;
    let truth = c.truth().to_owned();
    let score = c.score_in(&reader);
    let pred = c.prediction_in(&reader);
    if score.is_none() && pred.is_none() {
        return Err(EvalError::Input {
            path: ctx.path.clone(),
            problem: format!(
                "a binary task needs a score column ('score') or a prediction column ('pred'); the file has: {}; name them with --score or --pred",
                reader.columns().join(", ")
            ),
        });
    }
    let mut requests = vec![truth_request(&truth)];
    if let Some(s) = &score {
        requests.push(Request::new(s, Kind::Number).role("the score column; set it with --score"));
    }
    if let Some(p) = &pred {
        requests
            .push(Request::new(p, Kind::Label).role("the prediction column; set it with --pred"));
    }
    requests.extend(ctx.weight_request());
    ctx.role("truth", vec![truth.clone()]);
    if let Some(s) = &score {
        ctx.role("score", vec![s.clone()]);
    }
    if let Some(p) = &pred {
        ctx.role("prediction", vec![p.clone()]);
    }
    let config = BinaryConfig {
        threshold: spec.threshold,
        beta: spec.beta,
        calibration_bins: spec.calibration_bins,
        probabilities: spec.score_kind == ScoreKind::Probability,
        curve_mode: spec.curve_mode,
        max_curve_points: spec.curve_points,
        // Weighted data: intervals resample the rows.
        keep_rows: spec.intervals.is_some() && ctx.weight.is_some(),
    };
    let inputs = BinaryInputs {
        score: score.is_some(),
        prediction: pred.is_some(),
        weight: ctx.weight.is_some(),
    };
    let mut state =
        BinaryState::new(config.clone(), inputs).map_err(|e| EvalError::Settings(e.to_string()))?;
    let mut classes = BinaryLabels {
        positive: spec.positive.as_deref().map(Label::from_text),
        negative: None,
    };
    let score_idx = score.as_ref().map(|_| 1);
    let pred_idx = pred.as_ref().map(|_| 1 + usize::from(score.is_some()));
    let weight_idx = ctx
        .weight
        .as_ref()
        .map(|_| 1 + usize::from(score.is_some()) + usize::from(pred.is_some()));
    let column_of = |f: Field| match f {
        Field::Truth(_) => truth.clone(),
        Field::Score(_) => score.clone().unwrap_or_default(),
        Field::Prediction(_) => pred.clone().unwrap_or_default(),
        Field::Weight => ctx.weight.clone().unwrap_or_default(),
    };
    let slicing_positions = add_slice_requests(spec, &mut requests);
    let mut slice_states = spec
        .slices
        .as_ref()
        .map(|_| crate::slices::SliceStates::new(config.clone(), inputs));
    let batches = reader.select(&requests, spec.batch_rows)?;
    let mut truth_buf = Vec::new();
    let mut pred_buf = Vec::new();
    let rows = read_all(batches, progress, |batch| {
        truth_buf.clear();
        for (i, l) in labels(&batch.columns[0]).iter().enumerate() {
            let v = classes
                .classify(l)
                .map_err(|p| ctx.value_error(batch.first_row + i as u64 + 1, &truth, p))?;
            truth_buf.push(v);
        }
        if let Some(pi) = pred_idx {
            pred_buf.clear();
            for (i, l) in labels(&batch.columns[pi]).iter().enumerate() {
                let v = classes.classify(l).map_err(|p| {
                    ctx.value_error(
                        batch.first_row + i as u64 + 1,
                        pred.as_deref().unwrap_or(""),
                        p,
                    )
                })?;
                pred_buf.push(v);
            }
        }
        let b = BinaryBatch {
            truth: &truth_buf,
            score: score_idx.map(|i| numbers(&batch.columns[i])),
            prediction: pred_idx.map(|_| pred_buf.as_slice()),
            weight: weight_idx.map(|i| numbers(&batch.columns[i])),
        };
        state
            .update(&b)
            .map_err(|e| batch_error(ctx, batch, e, &column_of))?;
        if let Some(slices) = slice_states.as_mut() {
            let keys = slicing_positions.iter().map(|p| slice_keys(p, batch));
            slices
                .route_all(keys, &b)
                .map_err(|e| batch_error(ctx, batch, e, &column_of))?;
        }
        Ok(())
    })?;
    let mut report = state.compute();
    let slices_out = slice_states
        .zip(spec.slices.as_ref())
        .map(|(states, settings)| {
            states.finish(
                &report.counts,
                settings,
                spec.intervals.as_ref().filter(|_| ctx.weight.is_none()),
            )
        });
    let intervals = spec.intervals.as_ref().map(|settings| {
        let (cis, note) = assay_stats::binary::intervals(&mut state, &report, settings);
        for (id, ci) in &cis {
            attach(&mut report.metrics, id, ci);
        }
        (cis, crate::result::interval_info(settings, note))
    });
    // Points of the band: every 1 % of the false-positive rate.
    const BAND_POINTS: usize = 101;
    let roc_band = spec
        .intervals
        .as_ref()
        .filter(|_| ctx.weight.is_none() && score.is_some())
        .and_then(|settings| {
            let mut groups = Vec::new();
            state.ranking_mut().for_each_group(|g| {
                groups.push((g.positive as u64, g.negative as u64));
            });
            assay_stats::roc_band::roc_band(&groups, settings, BAND_POINTS)
        });
    let (neg_name, pos_name) = classes.names();
    let matrix = report.counts.matrix();
    let mut per_class = per_class_from_matrix(&matrix, &[neg_name.clone(), pos_name.clone()]);
    let intervals = intervals.map(|(cis, info)| {
        // The per-class rates are the binary rates seen from each class.
        let seen_from = [
            (
                &neg_name,
                [
                    ("precision", "npv"),
                    ("recall", "specificity"),
                    ("specificity", "recall"),
                    ("f1", "f1_negative"),
                ],
            ),
            (
                &pos_name,
                [
                    ("precision", "precision"),
                    ("recall", "recall"),
                    ("specificity", "specificity"),
                    ("f1", "f1"),
                ],
            ),
        ];
        for (class, pairs) in seen_from {
            if let Some(set) = per_class
                .0
                .iter_mut()
                .find(|(k, _)| k == class)
                .map(|(_, s)| s)
            {
                for (target, source) in pairs {
                    if let Some((_, ci)) = cis.iter().find(|(id, _)| *id == source) {
                        attach(set, target, ci);
                    }
                }
            }
        }
        info
    });
    let total = report.counts.total();
    let mut parameters = curves_config(spec);
    parameters.threshold = pred.is_none().then_some(spec.threshold);
    parameters.beta = Some(spec.beta);
    parameters.calibration_bins =
        (score.is_some() && config_probabilities(spec)).then_some(spec.calibration_bins);
    parameters.score_kind = score.as_ref().map(|_| spec.score_kind);
    parameters.intervals = intervals;
    Ok(EvalResult {
        schema: SCHEMA_ID.into(),
        tool: tool(),
        task: Task::Binary,
        n: rows,
        total_weight: ctx.weight.as_ref().map(|_| total),
        classes: vec![neg_name.clone(), pos_name.clone()],
        positive: Some(pos_name.clone()),
        input: ctx.input_info(),
        parameters,
        metrics: report.metrics,
        per_class: Some(per_class),
        per_label: None,
        confusion_matrix: ConfusionOut {
            labels: vec![neg_name, pos_name],
            counts: Some(matrix.rows()),
            per_label: None,
        },
        slices: slices_out,
        criteria: None,
        verdict: None,
        curves: CurvesOut {
            score: report.ranking.map(crate::result::score_curves),
            roc_band,
            calibration: report.calibration,
            per_class: None,
            per_label: None,
        },
    })
}

/// Request each distinct slice column once; return, per slicing, the
/// positions of its columns in the batches.
fn add_slice_requests(spec: &EvalSpec, requests: &mut Vec<Request>) -> Vec<Vec<usize>> {
    let slicings: Vec<Vec<String>> = spec
        .slices
        .as_ref()
        .map(|s| s.slicings.clone())
        .unwrap_or_default();
    let mut columns: Vec<String> = Vec::new();
    for c in slicings.iter().flatten() {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    let base = requests.len();
    for c in &columns {
        requests.push(Request::new(c, Kind::Label).role("a slice column; set it with --slice"));
    }
    slicings
        .iter()
        .map(|cols| {
            cols.iter()
                .filter_map(|c| columns.iter().position(|x| x == c))
                .map(|p| base + p)
                .collect()
        })
        .collect()
}

/// Each row's slice key: its values in the slicing's columns.
fn slice_keys(positions: &[usize], batch: &Batch) -> Vec<Vec<Label>> {
    (0..batch.rows)
        .map(|i| {
            positions
                .iter()
                .map(|&p| labels(&batch.columns[p])[i].clone())
                .collect()
        })
        .collect()
}

/// Give a defined metric its interval.
/// Attach the global intervals and those of each class or label.
fn attach_all<A: AsRef<str>, B: AsRef<str>>(
    metrics: &mut MetricSet,
    global: &[(A, assay_metrics::value::Interval)],
    sets: &mut [MetricSet],
    per_set: &[Vec<(B, assay_metrics::value::Interval)>],
) {
    for (id, ci) in global {
        attach(metrics, id.as_ref(), ci);
    }
    for (set, cis) in sets.iter_mut().zip(per_set) {
        for (id, ci) in cis {
            attach(set, id.as_ref(), ci);
        }
    }
}

fn attach(set: &mut MetricSet, id: &str, ci: &assay_metrics::value::Interval) {
    if let Some(m) = set.get_mut(id)
        && m.value.is_some()
    {
        m.ci = Some(ci.clone());
    }
}

fn config_probabilities(spec: &EvalSpec) -> bool {
    spec.score_kind == ScoreKind::Probability
}

fn tool() -> Tool {
    Tool {
        name: "assay".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

fn per_class_from_matrix(m: &ConfusionMatrix, names: &[String]) -> OrderedMap<MetricSet> {
    let truth = m.truth_totals();
    OrderedMap(
        names
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let o = m.one_vs_rest(c);
                let mut s = MetricSet::new();
                s.insert("precision", o.precision());
                s.insert("recall", o.recall());
                s.insert("specificity", o.specificity());
                s.insert("f1", o.fbeta(1.0));
                s.insert("support", MetricValue::defined(truth[c]));
                (name.clone(), s)
            })
            .collect(),
    )
}

// -------------------------------------------------------------- multi-class

fn multiclass(
    spec: &EvalSpec,
    reader: Reader,
    ctx: &mut Context,
    progress: &mut dyn FnMut(u64),
) -> Result<EvalResult, EvalError> {
    let c = &spec.columns;
    let truth = c.truth().to_owned();
    let prefix = c.probability_prefix().to_owned();
    let (class_names, prob_cols): (Vec<String>, Vec<String>) = match &spec.classes {
        Some(names) => {
            let cols: Vec<String> = names.iter().map(|n| format!("{prefix}{n}")).collect();
            let present = cols.iter().filter(|c| reader.has_column(c)).count();
            if present == 0 {
                (names.clone(), Vec::new())
            } else {
                (names.clone(), cols)
            }
        }
        None => {
            let cols = prefixed(&reader, &prefix);
            (
                cols.iter().map(|c| c[prefix.len()..].to_owned()).collect(),
                cols,
            )
        }
    };
    let pred = c.prediction_in(&reader);
    if prob_cols.is_empty() && pred.is_none() {
        return Err(EvalError::Input {
            path: ctx.path.clone(),
            problem: format!(
                "a multi-class task needs probability columns ('{prefix}<CLASS>') or a prediction column ('pred'); the file has: {}",
                reader.columns().join(", ")
            ),
        });
    }
    let mut requests = vec![truth_request(&truth)];
    for p in &prob_cols {
        requests
            .push(Request::new(p, Kind::Number).role("a class probability column; one per class"));
    }
    if let Some(p) = &pred {
        requests
            .push(Request::new(p, Kind::Label).role("the prediction column; set it with --pred"));
    }
    requests.extend(ctx.weight_request());
    let slicing_positions = add_slice_requests(spec, &mut requests);
    ctx.role("truth", vec![truth.clone()]);
    if !prob_cols.is_empty() {
        ctx.role("probabilities", prob_cols.clone());
    }
    if let Some(p) = &pred {
        ctx.role("prediction", vec![p.clone()]);
    }
    let k_probs = prob_cols.len();
    let pred_idx = pred.as_ref().map(|_| 1 + k_probs);
    let weight_idx = ctx
        .weight
        .as_ref()
        .map(|_| 1 + k_probs + usize::from(pred.is_some()));
    let batches = reader.select(&requests, spec.batch_rows)?;

    // Without a fixed class list (predictions only), classes are learned from
    // the data and sorted at the end, as scikit-learn's np.unique orders them.
    let fixed = !prob_cols.is_empty() || spec.classes.is_some();
    let mut encoder = if fixed {
        LabelEncoder::new(class_names.iter().map(|n| Label::from_text(n)))
    } else {
        LabelEncoder::default()
    };
    let known = class_names.join(", ");
    let mut rows_buf: Vec<(u32, u32, f64)> = Vec::new();
    let mut state: Option<MulticlassState> = None;
    let make_config = |k: usize| {
        let mut config = MulticlassConfig::new(k);
        if spec.top_k.is_some() {
            config.top_k = spec.top_k.filter(|&t| t < k);
        }
        config.calibration_bins = spec.calibration_bins;
        config.sum_tolerance = spec.sum_tolerance;
        config.max_curve_points = spec.curve_points;
        config
    };
    let inputs = MulticlassInputs {
        probabilities: k_probs > 0,
        prediction: pred.is_some(),
        weight: ctx.weight.is_some(),
    };
    if fixed {
        if encoder.len() < 2 {
            return Err(EvalError::Input {
                path: ctx.path.clone(),
                problem: format!("a multi-class task needs at least two classes; found: {known}"),
            });
        }
        if encoder.len() != class_names.len() {
            return Err(EvalError::Settings(format!(
                "the class list names a class twice: {known}"
            )));
        }
        state = Some(
            MulticlassState::new(make_config(encoder.len()), inputs)
                .map_err(|e| EvalError::Settings(e.to_string()))?,
        );
    } else if spec.slices.is_some() {
        return Err(EvalError::Settings(
            "--slice on a multi-class task needs the classes up front: probability columns or --classes".into(),
        ));
    }
    let mut slice_states = spec
        .slices
        .as_ref()
        .map(|_| crate::slices::MulticlassSliceStates::new(make_config(encoder.len()), inputs));
    let column_of = |f: Field| match f {
        Field::Truth(_) => truth.clone(),
        Field::Score(Some(j)) => prob_cols.get(j).cloned().unwrap_or_default(),
        Field::Score(None) => format!("{prefix}*"),
        Field::Prediction(_) => pred.clone().unwrap_or_default(),
        Field::Weight => ctx.weight.clone().unwrap_or_default(),
    };
    let mut truth_buf: Vec<u32> = Vec::new();
    let mut pred_buf: Vec<u32> = Vec::new();
    let mut probs: Vec<f64> = Vec::new();
    let rows = read_all(batches, progress, |batch| {
        let encode = |encoder: &mut LabelEncoder,
                      l: &Label,
                      i: usize,
                      column: &str|
         -> Result<u32, EvalError> {
            if fixed {
                encoder.get(l).ok_or_else(|| {
                    ctx.value_error(
                        batch.first_row + i as u64 + 1,
                        column,
                        format!("'{l}' is not one of the classes ({known})"),
                    )
                })
            } else {
                Ok(encoder.insert(l.clone()))
            }
        };
        truth_buf.clear();
        for (i, l) in labels(&batch.columns[0]).iter().enumerate() {
            truth_buf.push(encode(&mut encoder, l, i, &truth)?);
        }
        if let Some(pi) = pred_idx {
            pred_buf.clear();
            for (i, l) in labels(&batch.columns[pi]).iter().enumerate() {
                pred_buf.push(encode(&mut encoder, l, i, pred.as_deref().unwrap_or(""))?);
            }
        }
        let weight = weight_idx.map(|i| numbers(&batch.columns[i]));
        let Some(state) = state.as_mut() else {
            if let Some((i, &w)) = weight.and_then(|w| {
                w.iter()
                    .enumerate()
                    .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
            }) {
                return Err(batch_error(
                    ctx,
                    batch,
                    BatchError::Weight { row: i, value: w },
                    &column_of,
                ));
            }
            for i in 0..batch.rows {
                rows_buf.push((truth_buf[i], pred_buf[i], weight.map_or(1.0, |w| w[i])));
            }
            return Ok(());
        };
        probs.clear();
        if k_probs > 0 {
            let cols: Vec<&[f64]> = (0..k_probs)
                .map(|j| numbers(&batch.columns[1 + j]))
                .collect();
            probs.reserve(batch.rows * k_probs);
            for i in 0..batch.rows {
                probs.extend(cols.iter().map(|c| c[i]));
            }
        }
        let b = MulticlassBatch {
            truth: &truth_buf,
            probabilities: (k_probs > 0).then_some(probs.as_slice()),
            prediction: pred_idx.map(|_| pred_buf.as_slice()),
            weight,
        };
        state
            .update(&b)
            .map_err(|e| batch_error(ctx, batch, e, &column_of))?;
        if let Some(slices) = slice_states.as_mut() {
            let keys = slicing_positions.iter().map(|p| slice_keys(p, batch));
            slices
                .route_all(keys, &b)
                .map_err(|e| batch_error(ctx, batch, e, &column_of))?;
        }
        Ok(())
    })?;
    let (state, encoder) = match state {
        Some(s) => (s, encoder),
        None => {
            let sorted = encoder.sorted();
            if sorted.len() < 2 {
                return Err(EvalError::Input {
                    path: ctx.path.clone(),
                    problem: format!(
                        "truth and predictions hold a single class ('{}'); a multi-class task needs at least two",
                        sorted
                            .classes()
                            .first()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                });
            }
            let remap: Vec<u32> = encoder
                .classes()
                .iter()
                .map(|l| sorted.get(l).expect("same classes, sorted"))
                .collect();
            let mut s = MulticlassState::new(make_config(sorted.len()), inputs)
                .map_err(|e| EvalError::Settings(e.to_string()))?;
            let t: Vec<u32> = rows_buf.iter().map(|r| remap[r.0 as usize]).collect();
            let p: Vec<u32> = rows_buf.iter().map(|r| remap[r.1 as usize]).collect();
            let w: Vec<f64> = rows_buf.iter().map(|r| r.2).collect();
            s.update(&MulticlassBatch {
                truth: &t,
                probabilities: None,
                prediction: Some(&p),
                weight: ctx.weight.as_ref().map(|_| w.as_slice()),
            })
            .map_err(|e| EvalError::Input {
                path: ctx.path.clone(),
                problem: e.to_string(),
            })?;
            (s, sorted)
        }
    };
    let mut state = state;
    let names: Vec<String> = encoder.classes().iter().map(ToString::to_string).collect();
    let top_k = state.config().top_k;
    let mut report = state.compute();
    let slices_out = slice_states
        .zip(spec.slices.as_ref())
        .map(|(states, settings)| {
            let names: Vec<String> = encoder.classes().iter().map(ToString::to_string).collect();
            states.finish(
                &report.confusion,
                &names,
                ctx.weight.is_some(),
                settings,
                spec.intervals.as_ref(),
            )
        });
    let intervals = spec.intervals.as_ref().map(|settings| {
        let (global, by_class, note) =
            assay_stats::multiclass::intervals(&state, &report, ctx.weight.is_some(), settings);
        attach_all(
            &mut report.metrics,
            &global,
            &mut report.per_class,
            &by_class,
        );
        crate::result::interval_info(settings, note)
    });
    let total = report.confusion.total();
    let per_class = OrderedMap(names.iter().cloned().zip(report.per_class).collect());
    let mut parameters = curves_config(spec);
    parameters.calibration_bins = (k_probs > 0).then_some(spec.calibration_bins);
    parameters.top_k = top_k.filter(|_| k_probs > 0);
    parameters.sum_tolerance = (k_probs > 0).then_some(spec.sum_tolerance);
    parameters.intervals = intervals;
    Ok(EvalResult {
        schema: SCHEMA_ID.into(),
        tool: tool(),
        task: Task::Multiclass,
        n: rows,
        total_weight: ctx.weight.as_ref().map(|_| total),
        classes: names.clone(),
        positive: None,
        input: ctx.input_info(),
        parameters,
        metrics: report.metrics,
        per_class: Some(per_class),
        per_label: None,
        confusion_matrix: ConfusionOut {
            labels: names.clone(),
            counts: Some(report.confusion.rows()),
            per_label: None,
        },
        slices: slices_out,
        criteria: None,
        verdict: None,
        curves: CurvesOut {
            score: None,
            roc_band: None,
            calibration: report.calibration,
            per_class: report.curves.map(|cs| {
                OrderedMap(
                    names
                        .iter()
                        .cloned()
                        .zip(cs.into_iter().map(crate::result::score_curves))
                        .collect(),
                )
            }),
            per_label: None,
        },
    })
}

// -------------------------------------------------------------- multi-label

fn multilabel(
    spec: &EvalSpec,
    reader: Reader,
    ctx: &mut Context,
    progress: &mut dyn FnMut(u64),
) -> Result<EvalResult, EvalError> {
    let c = &spec.columns;
    let truth_prefix = c.truth_prefix().to_owned();
    let score_prefix = c.score_prefix().to_owned();
    let pred_prefix = c.prediction_prefix().to_owned();
    let truth_cols = prefixed(&reader, &truth_prefix);
    let names: Vec<String> = truth_cols
        .iter()
        .map(|c| c[truth_prefix.len()..].to_owned())
        .collect();
    if names.is_empty() {
        return Err(EvalError::Input {
            path: ctx.path.clone(),
            problem: format!(
                "a multi-label task needs truth columns named '{truth_prefix}<LABEL>'"
            ),
        });
    }
    let has_scores = names
        .iter()
        .any(|n| reader.has_column(&format!("{score_prefix}{n}")));
    let has_preds = names
        .iter()
        .any(|n| reader.has_column(&format!("{pred_prefix}{n}")));
    if !has_scores && !has_preds {
        return Err(EvalError::Input {
            path: ctx.path.clone(),
            problem: format!(
                "a multi-label task needs score columns ('{score_prefix}<LABEL>') or prediction columns ('{pred_prefix}<LABEL>') for the labels {}",
                names.join(", ")
            ),
        });
    }
    let l = names.len();
    let mut requests: Vec<Request> = truth_cols
        .iter()
        .map(|c| Request::new(c, Kind::Label))
        .collect();
    let score_cols: Vec<String> = names.iter().map(|n| format!("{score_prefix}{n}")).collect();
    let pred_cols: Vec<String> = names.iter().map(|n| format!("{pred_prefix}{n}")).collect();
    if has_scores {
        requests.extend(score_cols.iter().map(|c| {
            Request::new(c, Kind::Number).role("every label needs a score column once one has")
        }));
    }
    if has_preds {
        requests.extend(pred_cols.iter().map(|c| {
            Request::new(c, Kind::Label).role("every label needs a prediction column once one has")
        }));
    }
    requests.extend(ctx.weight_request());
    let slicing_positions = add_slice_requests(spec, &mut requests);
    ctx.role("truth", truth_cols.clone());
    if has_scores {
        ctx.role("scores", score_cols.clone());
    }
    if has_preds {
        ctx.role("predictions", pred_cols.clone());
    }
    let mut config = MultilabelConfig::new(l);
    config.threshold = spec.threshold;
    config.probabilities = spec.score_kind == ScoreKind::Probability;
    config.curve_mode = spec.curve_mode;
    config.max_curve_points = spec.curve_points;
    config.keep_rows = spec.intervals.is_some();
    let inputs = MultilabelInputs {
        scores: has_scores,
        prediction: has_preds,
        weight: ctx.weight.is_some(),
    };
    let mut slice_states = spec
        .slices
        .as_ref()
        .map(|_| crate::slices::MultilabelSliceStates::new(config.clone(), inputs));
    let mut state =
        MultilabelState::new(config, inputs).map_err(|e| EvalError::Settings(e.to_string()))?;
    let score_base = l;
    let pred_base = l + if has_scores { l } else { 0 };
    let weight_idx = ctx
        .weight
        .as_ref()
        .map(|_| pred_base + if has_preds { l } else { 0 });
    let column_of = |f: Field| match f {
        Field::Truth(j) => j
            .and_then(|j| truth_cols.get(j).cloned())
            .unwrap_or_else(|| format!("{truth_prefix}*")),
        Field::Score(j) => j
            .and_then(|j| score_cols.get(j).cloned())
            .unwrap_or_else(|| format!("{score_prefix}*")),
        Field::Prediction(j) => j
            .and_then(|j| pred_cols.get(j).cloned())
            .unwrap_or_else(|| format!("{pred_prefix}*")),
        Field::Weight => ctx.weight.clone().unwrap_or_default(),
    };
    let batches = reader.select(&requests, spec.batch_rows)?;
    let (mut truth_buf, mut pred_buf, mut score_buf) = (Vec::new(), Vec::new(), Vec::new());
    let rows = read_all(batches, progress, |batch| {
        let flags = |base: usize, cols: &[String], out: &mut Vec<bool>| -> Result<(), EvalError> {
            out.clear();
            out.resize(batch.rows * l, false);
            for j in 0..l {
                for (i, v) in labels(&batch.columns[base + j]).iter().enumerate() {
                    out[i * l + j] = v.as_flag().ok_or_else(|| {
                        ctx.value_error(
                            batch.first_row + i as u64 + 1,
                            &cols[j],
                            format!("'{v}' is not 0/1 or true/false"),
                        )
                    })?;
                }
            }
            Ok(())
        };
        flags(0, &truth_cols, &mut truth_buf)?;
        if has_preds {
            flags(pred_base, &pred_cols, &mut pred_buf)?;
        }
        if has_scores {
            score_buf.clear();
            score_buf.resize(batch.rows * l, 0.0);
            for j in 0..l {
                for (i, v) in numbers(&batch.columns[score_base + j]).iter().enumerate() {
                    score_buf[i * l + j] = *v;
                }
            }
        }
        let b = MultilabelBatch {
            truth: &truth_buf,
            scores: has_scores.then_some(score_buf.as_slice()),
            prediction: has_preds.then_some(pred_buf.as_slice()),
            weight: weight_idx.map(|i| numbers(&batch.columns[i])),
        };
        state
            .update(&b)
            .map_err(|e| batch_error(ctx, batch, e, &column_of))?;
        if let Some(slices) = slice_states.as_mut() {
            let keys = slicing_positions.iter().map(|p| slice_keys(p, batch));
            slices
                .route_all(keys, &b)
                .map_err(|e| batch_error(ctx, batch, e, &column_of))?;
        }
        Ok(())
    })?;
    let mut report = state.compute();
    let slices_out = slice_states
        .zip(spec.slices.as_ref())
        .map(|(states, settings)| {
            states.finish(&report, &names, settings, spec.intervals.as_ref())
        });
    let intervals = spec.intervals.as_ref().map(|settings| {
        let (global, by_label, note) =
            assay_stats::multilabel::intervals(&state, &report, settings);
        attach_all(
            &mut report.metrics,
            &global,
            &mut report.per_label,
            &by_label,
        );
        crate::result::interval_info(settings, note)
    });
    let mut parameters = curves_config(spec);
    parameters.intervals = intervals;
    parameters.threshold = (!has_preds).then_some(spec.threshold);
    parameters.score_kind = has_scores.then_some(spec.score_kind);
    let total = report.counts.first().map(|c| c.total());
    Ok(EvalResult {
        schema: SCHEMA_ID.into(),
        tool: tool(),
        task: Task::Multilabel,
        n: rows,
        total_weight: ctx.weight.as_ref().and(total),
        classes: names.clone(),
        positive: None,
        input: ctx.input_info(),
        parameters,
        metrics: report.metrics,
        per_class: None,
        per_label: Some(OrderedMap(
            names.iter().cloned().zip(report.per_label).collect(),
        )),
        confusion_matrix: ConfusionOut {
            labels: names.clone(),
            counts: None,
            per_label: Some(
                report
                    .counts
                    .iter()
                    .map(|c| [[c.tn, c.fp], [c.fn_, c.tp]])
                    .collect(),
            ),
        },
        slices: slices_out,
        criteria: None,
        verdict: None,
        curves: CurvesOut {
            score: None,
            roc_band: None,
            calibration: None,
            per_class: None,
            per_label: report.curves.map(|cs| {
                OrderedMap(
                    names
                        .iter()
                        .cloned()
                        .zip(cs.into_iter().map(crate::result::score_curves))
                        .collect(),
                )
            }),
        },
    })
}
