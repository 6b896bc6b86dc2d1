//! Regression: a numeric target column (`target`), a numeric prediction
//! column (`prediction`), optional weights and an optional prediction
//! interval (`lower` and `upper` columns).

use assay_data::{Batch, Numbers};
use assay_metrics::Field;
use assay_metrics::regression::{
    RegressionBatch, RegressionConfig, RegressionInputs, RegressionReport, RegressionState,
};
use assay_stats::binary::IntervalSettings;
use assay_stats::slices::{Moments, power_two_means, welch_test};

use crate::EvalError;
use crate::Setting;
use crate::family::{Family, Finished, Planning, StateBatch, attach_each, parameters, tool};
use crate::result::{ConfusionOut, CurvesOut, EvalResult, SCHEMA_ID};
use crate::run::Context;
use crate::slices::{
    SliceResult, SliceSettings, Sliced, SlicesOut, corrected, slice_key, unadjusted_test,
};
use crate::spec::{EvalSpec, Task};

/// The default target column.
pub const TARGET: &str = "target";
/// The default prediction column.
pub const PREDICTION: &str = "prediction";

/// A regression evaluation: its columns and its state's settings.
pub(crate) struct RegressionFamily {
    target: (String, Numbers),
    prediction: (String, Numbers),
    bounds: Option<[(String, Numbers); 2]>,
    inputs: RegressionInputs,
}

impl Family for RegressionFamily {
    type State = RegressionState;
    type Decoder = ();

    fn plan(
        spec: &EvalSpec,
        Planning {
            reader,
            ctx,
            requests,
        }: Planning<'_>,
    ) -> Result<Self, EvalError> {
        let c = &spec.columns;
        let target = c.truth.clone().unwrap_or_else(|| TARGET.into());
        let prediction = c.prediction.clone().unwrap_or_else(|| PREDICTION.into());
        let number = |requests: &mut assay_data::Requests, name: &str, role: &str, s: Setting| {
            requests.numbers(name, Some(&spec.voice.role(role, s)))
        };
        let t = number(requests, &target, "the target column", Setting::Truth);
        let p = number(
            requests,
            &prediction,
            "the prediction column",
            Setting::Prediction,
        );
        let lower = c.lower_in(reader);
        let upper = c.upper_in(reader);
        let bounds = match (lower, upper) {
            (Some(lo), Some(hi)) => {
                let l = number(requests, &lo, "the interval's lower bound", Setting::Lower);
                let h = number(requests, &hi, "the interval's upper bound", Setting::Upper);
                Some([(lo, l), (hi, h)])
            }
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => {
                return Err(ctx.input_error(format!(
                    "a prediction interval needs both bounds, 'lower' and 'upper' (or the columns named with {} and {}); the file has '{one}' only",
                    spec.voice.say(Setting::Lower),
                    spec.voice.say(Setting::Upper)
                )));
            }
        };
        ctx.role("target", vec![target.clone()]);
        ctx.role("prediction", vec![prediction.clone()]);
        if let Some([(lo, _), (hi, _)]) = &bounds {
            ctx.role("interval", vec![lo.clone(), hi.clone()]);
        }
        let inputs = RegressionInputs {
            weight: ctx.weight.is_some(),
            bounds: bounds.is_some(),
        };
        Ok(Self {
            target: (target, t),
            prediction: (prediction, p),
            bounds,
            inputs,
        })
    }

    fn state_config(&self) -> (RegressionConfig, RegressionInputs) {
        (RegressionConfig::default(), self.inputs)
    }

    fn decoder(&self) {}

    fn decode<'b>(
        &self,
        _: &'b mut (),
        batch: &'b Batch,
        ctx: &Context,
    ) -> Result<StateBatch<'b, Self>, EvalError> {
        let bound = |k: usize| self.bounds.as_ref().map(|b| batch.numbers(b[k].1));
        Ok(RegressionBatch {
            target: batch.numbers(self.target.1),
            prediction: batch.numbers(self.prediction.1),
            weight: ctx.weights(batch),
            lower: bound(0),
            upper: bound(1),
        })
    }

    fn column_of(&self, field: Field, ctx: &Context) -> String {
        let bound = |k: usize| {
            self.bounds
                .as_ref()
                .map(|b| b[k].0.clone())
                .unwrap_or_default()
        };
        match field {
            Field::Truth(_) => self.target.0.clone(),
            Field::Prediction(_) | Field::Score(_) => self.prediction.0.clone(),
            Field::Weight => ctx.weight.clone().unwrap_or_default(),
            Field::Lower => bound(0),
            Field::Upper => bound(1),
        }
    }

    fn finish(self, run: Finished<Self>) -> Result<EvalResult, EvalError> {
        let Finished {
            spec,
            mut ctx,
            mut state,
            slices,
            rows,
            ..
        } = run;
        let mut report = state.compute();
        let slices_out = slices.zip(spec.slices.as_ref()).map(|(states, settings)| {
            finish_slices(states, &state, settings, spec.intervals.as_ref())
        });
        let intervals = spec.intervals.as_ref().map(|settings| {
            let note = attach_intervals(&state, &mut report, settings);
            crate::result::interval_info(settings, note)
        });
        let total_weight = state.rows().weight.as_ref().map(|w| w.iter().sum());
        let mut parameters = parameters(spec);
        parameters.intervals = intervals;
        let RegressionReport {
            metrics, points, ..
        } = report;
        Ok(EvalResult {
            schema: SCHEMA_ID.into(),
            tool: tool(),
            task: Task::Regression,
            n: rows,
            total_weight,
            classes: Vec::new(),
            positive: None,
            input: ctx.input_info(),
            parameters,
            metrics,
            per_class: None,
            per_label: None,
            confusion_matrix: ConfusionOut {
                labels: Vec::new(),
                counts: None,
                per_label: None,
            },
            slices: slices_out,
            criteria: None,
            verdict: None,
            curves: CurvesOut {
                regression: Some(crate::result::RegressionCurves { points }),
                ..CurvesOut::default()
            },
        })
    }
}

/// Give the report's metrics their intervals, and the maximum the reason
/// it has none; the note of metrics left without.
fn attach_intervals(
    state: &RegressionState,
    report: &mut RegressionReport,
    settings: &IntervalSettings,
) -> Option<String> {
    let (cis, note) = assay_stats::regression::intervals(state, report, settings);
    attach_each(&mut report.metrics, &cis);
    let (id, why) = assay_stats::regression::NO_BOOTSTRAP;
    if let Some(m) = report.metrics.get_mut(id).filter(|m| m.value.is_some()) {
        m.interval_note = Some(why.to_owned());
    }
    note
}

/// Count, sum and sum of squares of the absolute errors (unweighted).
fn error_sums(state: &RegressionState) -> (f64, f64, f64) {
    let rows = state.rows();
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for (t, p) in rows.target.iter().zip(&rows.prediction) {
        let e = (t - p).abs();
        sum += e;
        sum_sq += e * e;
    }
    (rows.len() as f64, sum, sum_sq)
}

/// Every slice, its intervals, and its mean absolute error tested against
/// the rest's (Welch's t-test on the absolute errors), with the power to
/// see a difference of `effect` × the overall MAE (the difference the
/// result records as its `effect`).
fn finish_slices(
    states: Sliced<RegressionState>,
    overall: &RegressionState,
    settings: &SliceSettings,
    intervals: Option<&IntervalSettings>,
) -> SlicesOut {
    let (n_all, sum_all, sq_all) = error_sums(overall);
    let overall_mae = if n_all > 0.0 { sum_all / n_all } else { 0.0 };
    let mut groups = Vec::new();
    let mut family = Vec::new();
    for (g, ((slicing, key), mut state)) in states.into_states().enumerate() {
        let mut report = state.compute();
        if let Some(iv) = intervals {
            attach_intervals(&state, &mut report, iv);
        }
        let (n, sum, sq) = error_sums(&state);
        let slice = Moments::from_sums(n, sum, sq);
        let rest = Moments::from_sums(n_all - n, sum_all - sum, sq_all - sq);
        let power = slice
            .zip(rest)
            .map(|(a, b)| power_two_means(a, b, settings.effect * overall_mae, settings.alpha));
        let enough =
            report.rows >= settings.min_size && power.is_some_and(|p| p >= settings.min_power);
        let p_value = slice
            .zip(rest)
            .filter(|_| enough)
            .and_then(|(a, b)| welch_test(a, b))
            .map(|t| t.1);
        if let Some(pv) = p_value {
            family.push((g, 0, pv));
        }
        let test = unadjusted_test(slice.map(|m| m.mean), rest.map(|m| m.mean), power, p_value);
        groups.push(SliceResult {
            key: slice_key(settings, slicing, &key),
            n: report.rows,
            metrics: report.metrics,
            tests: crate::result::OrderedMap(vec![("mae".to_owned(), test)]),
        });
    }
    // The difference the power is about, on the MAE's own scale.
    let mut out = corrected(groups, &family, settings);
    out.effect = settings.effect * overall_mae;
    out
}
