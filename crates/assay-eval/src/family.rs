//! The task-family interface of the evaluation: what a family (binary,
//! multi-class, multi-label, …) implements so that the one streaming loop
//! of [`crate::run`] can evaluate it.
//!
//! A family implements [`Family`]:
//!
//! - `plan`: resolve the spec against the file's columns — which columns
//!   it reads (typed handles from `assay_data::Requests`), the roles they
//!   play, its state's settings — refusing, before any row is read, what
//!   cannot work;
//! - `decoder` and `decode`: turn a batch of cells into its state's typed
//!   batch (labels into class indices or flags), every bad cell an error
//!   that names its row and column;
//! - `column_of`: the column a metric-crate error's field is in;
//! - `finish`: the final state (and the slices' states) into the eval
//!   result: metrics with intervals, per class, confusion counts, curves,
//!   slice tests, parameters.
//!
//! Its metric state implements `assay_metrics::State` (update, merge,
//! compute, pick rows for slices). Nothing else in the evaluation knows
//! the family: the loop, slicing, criteria and the result are shared.

use assay_data::{Batch, Reader, Requests};
use assay_metrics::value::Interval;
use assay_metrics::{Field, MetricSet, State};
use assay_record::eval::{Parameters, Tool};

use crate::EvalError;
use crate::run::Context;
use crate::slices::Sliced;
use crate::spec::EvalSpec;

/// The state's typed batch.
pub(crate) type StateBatch<'a, F> = <<F as Family>::State as State>::Batch<'a>;

/// One task family of the evaluation.
pub(crate) trait Family: Sized {
    /// Its metric state.
    type State: State;
    /// What decoding a batch needs and keeps: label encoders, buffers.
    type Decoder;

    /// Resolve the spec against the input's columns and ask for the ones
    /// the family reads.
    fn plan(spec: &EvalSpec, p: Planning<'_>) -> Result<Self, EvalError>;

    /// The settings and inputs of its states (the whole input's and each slice's).
    fn state_config(
        &self,
    ) -> (
        <Self::State as State>::Config,
        <Self::State as State>::Inputs,
    );

    /// Whether slices can be made (a family may need its classes up front).
    fn check_slices(&self, _spec: &EvalSpec) -> Result<(), EvalError> {
        Ok(())
    }

    /// A fresh decoder.
    fn decoder(&self) -> Self::Decoder;

    /// One batch of cells as the state's batch.
    fn decode<'b>(
        &self,
        decoder: &'b mut Self::Decoder,
        batch: &'b Batch,
        ctx: &Context,
    ) -> Result<StateBatch<'b, Self>, EvalError>;

    /// The column a field of a metric-crate error is in.
    fn column_of(&self, field: Field, ctx: &Context) -> String;

    /// The result of the final state.
    fn finish(self, run: Finished<Self>) -> Result<assay_record::EvalResult, EvalError>;
}

/// What [`Family::plan`] works with: the input's columns, the shared
/// context (it records the roles), and the requests it adds to.
pub(crate) struct Planning<'a> {
    /// The input, its columns known.
    pub reader: &'a Reader,
    /// The input's description and errors.
    pub ctx: &'a mut Context,
    /// The columns to read.
    pub requests: &'a mut Requests,
}

/// Ask for the truth column, its role said in the user's words.
pub(crate) fn request_truth(
    spec: &EvalSpec,
    requests: &mut Requests,
    truth: &str,
) -> assay_data::Labels {
    requests.labels(
        truth,
        Some(&spec.voice.role("the truth column", crate::Setting::Truth)),
    )
}

/// Ask for the hard-prediction column, when there is one.
pub(crate) fn request_prediction(
    spec: &EvalSpec,
    requests: &mut Requests,
    prediction: Option<String>,
) -> Option<(String, assay_data::Labels)> {
    prediction.map(|p| {
        let role = spec
            .voice
            .role("the prediction column", crate::Setting::Prediction);
        let h = requests.labels(&p, Some(&role));
        (p, h)
    })
}

/// The name of an optional column (empty when absent), for errors.
pub(crate) fn column_name<H>(column: &Option<(String, H)>) -> String {
    column.as_ref().map(|c| c.0.clone()).unwrap_or_default()
}

/// What the streaming loop hands to [`Family::finish`].
pub(crate) struct Finished<'a, F: Family> {
    /// The spec evaluated.
    pub spec: &'a EvalSpec,
    /// The input's description, columns and weight.
    pub ctx: Context,
    /// The whole input's state.
    pub state: F::State,
    /// The slices' states, when the spec asks for slices.
    pub slices: Option<Sliced<F::State>>,
    /// The decoder after the last batch (learned labels).
    pub decoder: F::Decoder,
    /// Rows read.
    pub rows: u64,
}

/// Give a defined metric its interval. A zero-width interval (every
/// resample at the same, boundary, value) is not one: it would claim a
/// certainty the data do not give, so the metric records why it has none.
pub(crate) fn attach(set: &mut MetricSet, id: &str, ci: &Interval) {
    if let Some(m) = set.get_mut(id)
        && let Some(value) = m.value
    {
        if ci.high > ci.low {
            m.ci = Some(ci.clone());
            m.interval_note = None;
        } else {
            m.ci = None;
            m.interval_note = Some(format!(
                "no interval: every {} resample gives {value} (a boundary value), and a zero-width interval would claim a certainty the data do not give",
                ci.method.name()
            ));
        }
    }
}

/// Attach each (metric id, interval) pair to its metric of `set`.
pub(crate) fn attach_each<A: AsRef<str>>(set: &mut MetricSet, cis: &[(A, Interval)]) {
    for (id, ci) in cis {
        attach(set, id.as_ref(), ci);
    }
}

/// Attach the global intervals and those of each class or label.
pub(crate) fn attach_all<A: AsRef<str>, B: AsRef<str>>(
    metrics: &mut MetricSet,
    global: &[(A, Interval)],
    sets: &mut [MetricSet],
    per_set: &[Vec<(B, Interval)>],
) {
    attach_each(metrics, global);
    for (set, cis) in sets.iter_mut().zip(per_set) {
        attach_each(set, cis);
    }
}

/// The parameters every family records: the curves' mode and points;
/// each family adds its own.
pub(crate) fn parameters(spec: &EvalSpec) -> Parameters {
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

/// The tool that computes the result.
pub(crate) fn tool() -> Tool {
    Tool {
        name: "assay".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}
