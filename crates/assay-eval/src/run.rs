//! The evaluation run: the one streaming loop every task family shares.
//! The input is read in batches (decoded on a second thread), each batch
//! turned into the family's typed batch, the state (and each slice's state)
//! updated; the family then computes the result, and the criteria are
//! judged on it. Every bad value is reported with its file, row and column.

use std::path::PathBuf;

use assay_data::{Batch, Batches, Numbers, Reader, Requests};
use assay_metrics::{BatchError, Field, State};

use crate::EvalError;
use crate::families::{
    BinaryFamily, ClusteringFamily, MulticlassFamily, MultilabelFamily, RegressionFamily,
};
use crate::family::{Family, Finished};
use crate::result::{EvalResult, InputInfo, OrderedMap};
use crate::slices::{SliceColumns, Sliced};
use crate::spec::{EvalSpec, Input, Task};

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
    let mut result = dispatch(task, spec, reader, Some(progress))?;
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

/// What an evaluation of `spec` will hold, from the input's header alone:
/// the task, every column the spec names checked against the file's, and
/// the result's metric ids (per class too where the header tells the
/// classes). No data row is read and nothing is computed: the values are
/// those of no rows. A test plan's `--check` uses it to check metric names
/// and columns before a run.
pub fn dry_run(spec: &EvalSpec) -> Result<EvalResult, EvalError> {
    spec.validate()?;
    for c in &spec.criteria {
        crate::criteria::parse(c)?;
    }
    let reader = spec.input.open()?;
    let spec = &EvalSpec {
        intervals: None,
        criteria: Vec::new(),
        ..spec.clone()
    };
    let task = detect_task(spec, &reader)?;
    dispatch(task, spec, reader, None)
}

/// The one place a task names its family.
fn dispatch(
    task: Task,
    spec: &EvalSpec,
    reader: Reader,
    progress: Option<&mut dyn FnMut(u64)>,
) -> Result<EvalResult, EvalError> {
    match task {
        Task::Binary => stream::<BinaryFamily>(spec, reader, progress),
        Task::Multiclass => stream::<MulticlassFamily>(spec, reader, progress),
        Task::Multilabel => stream::<MultilabelFamily>(spec, reader, progress),
        Task::Regression => stream::<RegressionFamily>(spec, reader, progress),
        Task::Clustering => stream::<ClusteringFamily>(spec, reader, progress),
    }
}

/// The one streaming loop: plan the family's columns, read every batch
/// into its state and its slices' states, and let the family finish.
/// Without `progress` no batch is read (a dry run).
fn stream<F: Family>(
    spec: &EvalSpec,
    reader: Reader,
    progress: Option<&mut dyn FnMut(u64)>,
) -> Result<EvalResult, EvalError> {
    let mut ctx = Context::new(spec, &reader);
    let mut requests = Requests::new();
    let family = F::plan(
        spec,
        crate::family::Planning {
            reader: &reader,
            ctx: &mut ctx,
            requests: &mut requests,
        },
    )?;
    ctx.weight_column = ctx.weight.as_deref().map(|w| {
        requests.numbers(
            w,
            Some(&spec.voice.role("the weight column", crate::Setting::Weight)),
        )
    });
    let slicing = spec
        .slices
        .as_ref()
        .map(|s| {
            family.check_slices(spec)?;
            Ok::<_, EvalError>(SliceColumns::request(s, &mut requests, spec.voice))
        })
        .transpose()?;
    let (config, inputs) = family.state_config();
    let mut state =
        F::State::new(config.clone(), inputs).map_err(|e| EvalError::Settings(e.to_string()))?;
    let mut slices = slicing
        .as_ref()
        .map(|_| Sliced::<F::State>::new(config, inputs));
    let mut decoder = family.decoder();
    let rows = match progress {
        None => {
            // A dry run: the columns are checked (the request fails on a
            // missing one), no row is read.
            reader.check(&requests)?;
            0
        }
        Some(progress) => {
            let batches = reader.read(&requests, spec.batch_rows)?;
            read_all(batches, progress, |batch| {
                let b = family.decode(&mut decoder, batch, &ctx)?;
                let located = |e| ctx.batch_error(batch, e, &|f| family.column_of(f, &ctx));
                state.update(&b).map_err(located)?;
                if let (Some(slices), Some(columns)) = (slices.as_mut(), slicing.as_ref()) {
                    slices.route(columns, batch, &b).map_err(located)?;
                }
                Ok(())
            })?
        }
    };
    family.finish(Finished {
        spec,
        ctx,
        state,
        slices,
        decoder,
        rows,
    })
}

pub(crate) fn prefixed(reader: &Reader, prefix: &str) -> Vec<String> {
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
    if reader.has_column(c.cluster()) {
        return Ok(Task::Clustering);
    }
    let target = c
        .truth
        .as_deref()
        .unwrap_or(crate::families::regression::TARGET);
    let prediction = c
        .prediction
        .as_deref()
        .unwrap_or(crate::families::regression::PREDICTION);
    if reader.has_column(target) && reader.has_column(prediction) {
        return Ok(Task::Regression);
    }
    let path = reader.path().to_path_buf();
    if reader.has_column(c.prediction()) {
        return Err(EvalError::Input {
            path,
            problem: format!(
                "only hard predictions were found: set the task with {} (binary, with the positive class, or multiclass)",
                spec.voice.say(crate::Setting::Task)
            ),
        });
    }
    Err(EvalError::Input {
        path,
        problem: format!(
            "cannot tell the task from the columns ({}); expected 'score' (binary), 'prob_<CLASS>' (multi-class), 'true_<LABEL>' (multi-label) 'target' and 'prediction' (regression) or 'cluster' (clustering) columns, or set it with {}",
            reader.columns().join(", "),
            spec.voice.say(crate::Setting::Task)
        ),
    })
}

/// What every family shares: the input's description, the weight column,
/// the roles of the columns read, and errors that name file, row and column.
pub(crate) struct Context {
    path: PathBuf,
    paths: Vec<String>,
    format: String,
    /// The weight column's name, when there is one.
    pub(crate) weight: Option<String>,
    /// Its handle in the batches.
    pub(crate) weight_column: Option<Numbers>,
    columns: OrderedMap<Vec<String>>,
    /// How the user names the settings.
    pub(crate) voice: crate::Voice,
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
        Self {
            path: reader.path().to_path_buf(),
            paths,
            format,
            weight: spec.columns.weight_in(reader),
            weight_column: None,
            columns: OrderedMap::default(),
            voice: spec.voice,
        }
    }

    /// The weights of a batch, when there is a weight column.
    pub(crate) fn weights<'b>(&self, batch: &'b Batch) -> Option<&'b [f64]> {
        self.weight_column.map(|w| batch.numbers(w))
    }

    /// Record the columns that play `role`.
    pub(crate) fn role(&mut self, role: &str, names: Vec<String>) {
        self.columns.0.push((role.into(), names));
    }

    /// An error at a row and column of the input.
    pub(crate) fn value_error(
        &self,
        row: u64,
        column: &str,
        problem: impl Into<String>,
    ) -> EvalError {
        EvalError::Value {
            path: self.path.clone(),
            row,
            column: column.into(),
            problem: problem.into(),
        }
    }

    /// An error about the input as a whole.
    pub(crate) fn input_error(&self, problem: impl Into<String>) -> EvalError {
        EvalError::Input {
            path: self.path.clone(),
            problem: problem.into(),
        }
    }

    /// What was read, as the result records it.
    pub(crate) fn input_info(&mut self) -> InputInfo {
        if let Some(w) = &self.weight {
            self.columns.0.push(("weight".into(), vec![w.clone()]));
        }
        InputInfo {
            paths: self.paths.clone(),
            format: self.format.clone(),
            columns: std::mem::take(&mut self.columns),
        }
    }

    /// A metric-crate batch error as one that names the file, row and column.
    pub(crate) fn batch_error(
        &self,
        batch: &Batch,
        e: BatchError,
        column_of: &dyn Fn(Field) -> String,
    ) -> EvalError {
        let row = |r: usize| batch.file_row(r);
        match e {
            BatchError::NonFinite { row: r, field, value } => self.value_error(
                row(r),
                &column_of(field),
                format!("{value} is not a finite number"),
            ),
            BatchError::NotProbability { row: r, field, value } => self.value_error(
                row(r),
                &column_of(field),
                format!(
                    "{value} is not a probability (outside [0, 1]); if the scores are not probabilities, set {}",
                    self.voice.say(crate::Setting::ScoreKind)
                ),
            ),
            BatchError::RowSum { row: r, sum, tolerance } => self.value_error(
                row(r),
                &column_of(Field::Score(None)),
                format!("the class probabilities sum to {sum}, not 1 (tolerance {tolerance}; widen it with --sum-tolerance)"),
            ),
            BatchError::Weight { row: r, value } => self.value_error(
                row(r),
                &column_of(Field::Weight),
                format!("weight {value} is not allowed; weights must be finite and not negative"),
            ),
            BatchError::ClassIndex { row: r, field, index, classes } => self.value_error(
                row(r),
                &column_of(field),
                format!("class index {index} is out of range ({classes} classes)"),
            ),
            BatchError::Bounds { row: r, lower, upper } => self.value_error(
                row(r),
                &column_of(Field::Lower),
                format!("the lower bound {lower} is above the upper bound {upper} of the same row"),
            ),
            BatchError::Length { .. } | BatchError::Inputs(_) => self.input_error(e.to_string()),
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
