//! Multi-label classification: per label a truth column (`true_<LABEL>`),
//! score columns and/or prediction columns, optional weights.

use assay_data::{Batch, Labels, Numbers};
use assay_metrics::Field;
use assay_metrics::multilabel::{
    MultilabelBatch, MultilabelConfig, MultilabelInputs, MultilabelReport, MultilabelState,
};
use assay_stats::binary::IntervalSettings;

use crate::EvalError;
use crate::family::{
    Family, Finished, Planning, StateBatch, attach_all, attach_each, parameters, tool,
};
use crate::result::{ConfusionOut, CurvesOut, EvalResult, OrderedMap, SCHEMA_ID};
use crate::run::{Context, prefixed};
use crate::slices::{
    SliceFacts, SliceSettings, Sliced, SlicesOut, proportion_slices, recall_candidate,
};
use crate::spec::{EvalSpec, ScoreKind, Task};

/// A multi-label evaluation: its labels, their columns, its state's settings.
pub(crate) struct MultilabelFamily {
    names: Vec<String>,
    prefixes: [String; 3],
    truth: Vec<(String, Labels)>,
    scores: Vec<(String, Numbers)>,
    predictions: Vec<(String, Labels)>,
    config: MultilabelConfig,
    inputs: MultilabelInputs,
}

/// Row-major buffers of a decoded batch.
#[derive(Default)]
pub(crate) struct MultilabelDecoder {
    truth: Vec<bool>,
    prediction: Vec<bool>,
    scores: Vec<f64>,
}

impl Family for MultilabelFamily {
    type State = MultilabelState;
    type Decoder = MultilabelDecoder;

    fn plan(
        spec: &EvalSpec,
        Planning {
            reader,
            ctx,
            requests,
        }: Planning<'_>,
    ) -> Result<Self, EvalError> {
        let c = &spec.columns;
        let truth_prefix = c.truth_prefix().to_owned();
        let score_prefix = c.score_prefix().to_owned();
        let pred_prefix = c.prediction_prefix().to_owned();
        let truth_cols = prefixed(reader, &truth_prefix);
        let names: Vec<String> = truth_cols
            .iter()
            .map(|c| c[truth_prefix.len()..].to_owned())
            .collect();
        if names.is_empty() {
            return Err(ctx.input_error(format!(
                "a multi-label task needs truth columns named '{truth_prefix}<LABEL>'"
            )));
        }
        let named = |prefix: &str| -> Vec<String> {
            names.iter().map(|n| format!("{prefix}{n}")).collect()
        };
        let (score_cols, pred_cols) = (named(&score_prefix), named(&pred_prefix));
        let has_scores = score_cols.iter().any(|c| reader.has_column(c));
        let has_preds = pred_cols.iter().any(|c| reader.has_column(c));
        if !has_scores && !has_preds {
            return Err(ctx.input_error(format!(
                "a multi-label task needs score columns ('{score_prefix}<LABEL>') or prediction columns ('{pred_prefix}<LABEL>') for the labels {}",
                names.join(", ")
            )));
        }
        let truth: Vec<(String, Labels)> = truth_cols
            .iter()
            .map(|c| (c.clone(), requests.labels(c, None)))
            .collect();
        let scores: Vec<(String, Numbers)> = if has_scores {
            let role = Some("every label needs a score column once one has");
            score_cols
                .iter()
                .map(|c| (c.clone(), requests.numbers(c, role)))
                .collect()
        } else {
            Vec::new()
        };
        let predictions: Vec<(String, Labels)> = if has_preds {
            let role = Some("every label needs a prediction column once one has");
            pred_cols
                .iter()
                .map(|c| (c.clone(), requests.labels(c, role)))
                .collect()
        } else {
            Vec::new()
        };
        ctx.role("truth", truth_cols.clone());
        if has_scores {
            ctx.role("scores", score_cols);
        }
        if has_preds {
            ctx.role("predictions", pred_cols);
        }
        let mut config = MultilabelConfig::new(names.len());
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
        Ok(Self {
            names,
            prefixes: [truth_prefix, score_prefix, pred_prefix],
            truth,
            scores,
            predictions,
            config,
            inputs,
        })
    }

    fn state_config(&self) -> (MultilabelConfig, MultilabelInputs) {
        (self.config.clone(), self.inputs)
    }

    fn decoder(&self) -> MultilabelDecoder {
        MultilabelDecoder::default()
    }

    fn decode<'b>(
        &self,
        d: &'b mut MultilabelDecoder,
        batch: &'b Batch,
        ctx: &Context,
    ) -> Result<StateBatch<'b, Self>, EvalError> {
        let l = self.names.len();
        let flags = |cols: &[(String, Labels)], out: &mut Vec<bool>| -> Result<(), EvalError> {
            out.clear();
            out.resize(batch.rows * l, false);
            for (j, (name, column)) in cols.iter().enumerate() {
                for (i, v) in batch.labels(*column).iter().enumerate() {
                    out[i * l + j] = v.as_flag().ok_or_else(|| {
                        ctx.value_error(
                            batch.file_row(i),
                            name,
                            format!("'{v}' is not 0/1 or true/false"),
                        )
                    })?;
                }
            }
            Ok(())
        };
        flags(&self.truth, &mut d.truth)?;
        if !self.predictions.is_empty() {
            flags(&self.predictions, &mut d.prediction)?;
        }
        if !self.scores.is_empty() {
            d.scores.clear();
            d.scores.resize(batch.rows * l, 0.0);
            for (j, (_, column)) in self.scores.iter().enumerate() {
                for (i, v) in batch.numbers(*column).iter().enumerate() {
                    d.scores[i * l + j] = *v;
                }
            }
        }
        Ok(MultilabelBatch {
            truth: &d.truth,
            scores: (!self.scores.is_empty()).then_some(d.scores.as_slice()),
            prediction: (!self.predictions.is_empty()).then_some(d.prediction.as_slice()),
            weight: ctx.weights(batch),
        })
    }

    fn column_of(&self, field: Field, ctx: &Context) -> String {
        let named = |cols: Vec<&String>, j: Option<usize>, prefix: &str| {
            j.and_then(|j| cols.get(j).map(|c| (*c).clone()))
                .unwrap_or_else(|| format!("{prefix}*"))
        };
        let [t, s, p] = &self.prefixes;
        match field {
            Field::Truth(j) => named(self.truth.iter().map(|c| &c.0).collect(), j, t),
            Field::Score(j) => named(self.scores.iter().map(|c| &c.0).collect(), j, s),
            Field::Prediction(j) => named(self.predictions.iter().map(|c| &c.0).collect(), j, p),
            Field::Weight => ctx.weight.clone().unwrap_or_default(),
            Field::Lower | Field::Upper => String::new(),
        }
    }

    fn finish(self, run: Finished<Self>) -> Result<EvalResult, EvalError> {
        let Finished {
            spec,
            mut ctx,
            state,
            slices,
            rows,
            ..
        } = run;
        let mut state = state;
        let names = self.names;
        let mut report = state.compute();
        let slices_out = slices.zip(spec.slices.as_ref()).map(|(states, settings)| {
            finish_slices(states, &report, &names, settings, spec.intervals.as_ref())
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
        let (has_scores, has_preds) = (!self.scores.is_empty(), !self.predictions.is_empty());
        let mut parameters = parameters(spec);
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
                ..CurvesOut::default()
            },
        })
    }
}

/// Every slice, its intervals, and its exact match and per-label recall
/// tested against the rest.
fn finish_slices(
    states: Sliced<MultilabelState>,
    overall: &MultilabelReport,
    names: &[String],
    settings: &SliceSettings,
    intervals: Option<&IntervalSettings>,
) -> SlicesOut {
    let exact_of = |r: &MultilabelReport| {
        r.metrics
            .get("exact_match")
            .and_then(|m| m.value)
            .unwrap_or(0.0)
            * r.rows as f64
    };
    let (total_items, overall_exact) = (overall.rows as f64, exact_of(overall));
    proportion_slices(states, settings, |mut state| {
        let mut report = state.compute();
        if let Some(iv) = intervals {
            let (global, _, _) = assay_stats::multilabel::intervals(&state, &report, iv);
            attach_each(&mut report.metrics, &global);
        }
        let mut candidates = vec![(
            "exact_match".to_owned(),
            exact_of(&report),
            report.rows as f64,
            overall_exact,
            total_items,
        )];
        for (j, name) in names.iter().enumerate() {
            candidates.push(recall_candidate(name, report.counts[j], overall.counts[j]));
        }
        SliceFacts {
            n: report.rows,
            metrics: report.metrics,
            candidates,
        }
    })
}
