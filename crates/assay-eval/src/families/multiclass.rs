//! Multi-class classification: one true class per item, a probability
//! column per class and/or a hard prediction, optional weights. Without a
//! class list (predictions only) the classes are learned as they come and
//! sorted at the end, as scikit-learn's `np.unique` orders them.

use assay_data::{Batch, Label, LabelEncoder, Labels, Numbers};
use assay_metrics::Field;
use assay_metrics::confusion::ConfusionMatrix;
use assay_metrics::multiclass::{
    MulticlassBatch, MulticlassConfig, MulticlassInputs, MulticlassState,
};
use assay_stats::binary::IntervalSettings;

use crate::EvalError;
use crate::family::{
    Family, Finished, Planning, StateBatch, attach_all, attach_each, column_name, parameters, tool,
};
use crate::result::{ConfusionOut, CurvesOut, EvalResult, OrderedMap, SCHEMA_ID};
use crate::run::{Context, prefixed};
use crate::slices::{
    SliceFacts, SliceSettings, Sliced, SlicesOut, proportion_slices, recall_candidate,
};
use crate::spec::{EvalSpec, Task};

/// A multi-class evaluation: its columns, its classes and its state's settings.
pub(crate) struct MulticlassFamily {
    truth: (String, Labels),
    prefix: String,
    probabilities: Vec<(String, Numbers)>,
    prediction: Option<(String, Labels)>,
    class_names: Vec<String>,
    /// The classes are known up front (probability columns or a class list).
    fixed: bool,
    config: MulticlassConfig,
    inputs: MulticlassInputs,
}

/// The classes (fixed or learned) and the decoded indices of a batch.
pub(crate) struct MulticlassDecoder {
    encoder: LabelEncoder,
    truth: Vec<u32>,
    prediction: Vec<u32>,
    probabilities: Vec<f64>,
}

/// The state's settings for `k` classes.
fn config(spec: &EvalSpec, k: usize) -> MulticlassConfig {
    let mut config = MulticlassConfig::new(k);
    if spec.top_k.is_some() {
        config.top_k = spec.top_k.filter(|&t| t < k);
    }
    config.calibration_bins = spec.calibration_bins;
    config.sum_tolerance = spec.sum_tolerance;
    config.max_curve_points = spec.curve_points;
    config
}

impl Family for MulticlassFamily {
    type State = MulticlassState;
    type Decoder = MulticlassDecoder;

    fn plan(
        spec: &EvalSpec,
        Planning {
            reader,
            ctx,
            requests,
        }: Planning<'_>,
    ) -> Result<Self, EvalError> {
        let c = &spec.columns;
        let truth = c.truth().to_owned();
        let prefix = c.probability_prefix().to_owned();
        let (class_names, prob_cols): (Vec<String>, Vec<String>) = match &spec.classes {
            Some(names) => {
                let cols: Vec<String> = names.iter().map(|n| format!("{prefix}{n}")).collect();
                let present = cols.iter().any(|c| reader.has_column(c));
                (names.clone(), if present { cols } else { Vec::new() })
            }
            None => {
                let cols = prefixed(reader, &prefix);
                (
                    cols.iter().map(|c| c[prefix.len()..].to_owned()).collect(),
                    cols,
                )
            }
        };
        let pred = c.prediction_in(reader);
        if prob_cols.is_empty() && pred.is_none() {
            return Err(ctx.input_error(format!(
                "a multi-class task needs probability columns ('{prefix}<CLASS>') or a prediction column ('pred'); the file has: {}",
                reader.columns().join(", ")
            )));
        }
        let truth_col = crate::family::request_truth(spec, requests, &truth);
        let probabilities: Vec<(String, Numbers)> = prob_cols
            .iter()
            .map(|p| {
                let h = requests.numbers(p, Some("a class probability column; one per class"));
                (p.clone(), h)
            })
            .collect();
        let prediction = crate::family::request_prediction(spec, requests, pred);
        ctx.role("truth", vec![truth.clone()]);
        if !prob_cols.is_empty() {
            ctx.role("probabilities", prob_cols.clone());
        }
        if let Some((p, _)) = &prediction {
            ctx.role("prediction", vec![p.clone()]);
        }
        let fixed = !prob_cols.is_empty() || spec.classes.is_some();
        let inputs = MulticlassInputs {
            probabilities: !prob_cols.is_empty(),
            prediction: prediction.is_some(),
            weight: ctx.weight.is_some(),
        };
        let config = if fixed {
            let encoder = LabelEncoder::new(class_names.iter().map(|n| Label::from_text(n)));
            let known = class_names.join(", ");
            if encoder.len() < 2 {
                return Err(ctx.input_error(format!(
                    "a multi-class task needs at least two classes; found: {known}"
                )));
            }
            if encoder.len() != class_names.len() {
                return Err(EvalError::Settings(format!(
                    "the class list names a class twice: {known}"
                )));
            }
            config(spec, encoder.len())
        } else {
            MulticlassConfig {
                learn_classes: true,
                ..config(spec, 0)
            }
        };
        Ok(Self {
            truth: (truth, truth_col),
            prefix,
            probabilities,
            prediction,
            class_names,
            fixed,
            config,
            inputs,
        })
    }

    fn state_config(&self) -> (MulticlassConfig, MulticlassInputs) {
        (self.config.clone(), self.inputs)
    }

    fn check_slices(&self, _spec: &EvalSpec) -> Result<(), EvalError> {
        if self.fixed {
            Ok(())
        } else {
            Err(EvalError::Settings(
                "--slice on a multi-class task needs the classes up front: probability columns or --classes".into(),
            ))
        }
    }

    fn decoder(&self) -> MulticlassDecoder {
        MulticlassDecoder {
            encoder: if self.fixed {
                LabelEncoder::new(self.class_names.iter().map(|n| Label::from_text(n)))
            } else {
                LabelEncoder::default()
            },
            truth: Vec::new(),
            prediction: Vec::new(),
            probabilities: Vec::new(),
        }
    }

    fn decode<'b>(
        &self,
        d: &'b mut MulticlassDecoder,
        batch: &'b Batch,
        ctx: &Context,
    ) -> Result<StateBatch<'b, Self>, EvalError> {
        let known = self.class_names.join(", ");
        let fixed = self.fixed;
        let mut encode = |column: &(String, Labels), out: &mut Vec<u32>| {
            out.clear();
            for (i, l) in batch.labels(column.1).iter().enumerate() {
                let index = if fixed {
                    d.encoder.get(l).ok_or_else(|| {
                        ctx.value_error(
                            batch.file_row(i),
                            &column.0,
                            format!("'{l}' is not one of the classes ({known})"),
                        )
                    })?
                } else {
                    d.encoder.insert(l.clone())
                };
                out.push(index);
            }
            Ok::<_, EvalError>(())
        };
        encode(&self.truth, &mut d.truth)?;
        if let Some(p) = &self.prediction {
            encode(p, &mut d.prediction)?;
        }
        d.probabilities.clear();
        if !self.probabilities.is_empty() {
            let cols: Vec<&[f64]> = self
                .probabilities
                .iter()
                .map(|(_, h)| batch.numbers(*h))
                .collect();
            d.probabilities.reserve(batch.rows * cols.len());
            for i in 0..batch.rows {
                d.probabilities.extend(cols.iter().map(|c| c[i]));
            }
        }
        Ok(MulticlassBatch {
            truth: &d.truth,
            probabilities: (!self.probabilities.is_empty()).then_some(d.probabilities.as_slice()),
            prediction: self.prediction.as_ref().map(|_| d.prediction.as_slice()),
            weight: ctx.weights(batch),
        })
    }

    fn column_of(&self, field: Field, ctx: &Context) -> String {
        match field {
            Field::Truth(_) => self.truth.0.clone(),
            Field::Score(Some(j)) => self
                .probabilities
                .get(j)
                .map(|p| p.0.clone())
                .unwrap_or_default(),
            Field::Score(None) => format!("{}*", self.prefix),
            Field::Prediction(_) => column_name(&self.prediction),
            Field::Weight => ctx.weight.clone().unwrap_or_default(),
            Field::Lower | Field::Upper => String::new(),
        }
    }

    fn finish(self, run: Finished<Self>) -> Result<EvalResult, EvalError> {
        let Finished {
            spec,
            mut ctx,
            mut state,
            slices,
            decoder,
            rows,
        } = run;
        let encoder = if self.fixed {
            decoder.encoder
        } else {
            learned_classes(spec, &mut state, &decoder.encoder, &ctx)?
        };
        let names: Vec<String> = encoder.classes().iter().map(ToString::to_string).collect();
        let weighted = ctx.weight.is_some();
        let top_k = state.config().top_k;
        let mut report = state.compute();
        let slices_out = slices.zip(spec.slices.as_ref()).map(|(states, settings)| {
            finish_slices(
                states,
                &report.confusion,
                &names,
                weighted,
                settings,
                spec.intervals.as_ref(),
            )
        });
        let intervals = spec.intervals.as_ref().map(|settings| {
            let (global, by_class, note) =
                assay_stats::multiclass::intervals(&state, &report, weighted, settings);
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
        let with_probabilities = !self.probabilities.is_empty();
        let mut parameters = parameters(spec);
        parameters.calibration_bins = with_probabilities.then_some(spec.calibration_bins);
        parameters.top_k = top_k.filter(|_| with_probabilities);
        parameters.sum_tolerance = with_probabilities.then_some(spec.sum_tolerance);
        parameters.intervals = intervals;
        Ok(EvalResult {
            schema: SCHEMA_ID.into(),
            tool: tool(),
            task: Task::Multiclass,
            n: rows,
            total_weight: weighted.then_some(total),
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
                ..CurvesOut::default()
            },
        })
    }
}

/// The classes a state learned, sorted; the state relabelled to them.
fn learned_classes(
    spec: &EvalSpec,
    state: &mut MulticlassState,
    learned: &LabelEncoder,
    ctx: &Context,
) -> Result<LabelEncoder, EvalError> {
    let sorted = learned.sorted();
    if sorted.len() < 2 {
        return Err(ctx.input_error(format!(
            "truth and predictions hold a single class ('{}'); a multi-class task needs at least two",
            sorted
                .classes()
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        )));
    }
    let order: Vec<usize> = learned
        .classes()
        .iter()
        .filter_map(|l| sorted.get(l).map(|i| i as usize))
        .collect();
    let top_k = config(spec, sorted.len()).top_k;
    state
        .relabel(&order, top_k)
        .map_err(|e| ctx.input_error(e.to_string()))?;
    Ok(sorted)
}

/// Every slice, its intervals, and its accuracy and per-class recall
/// tested against the rest (two-proportion tests with power).
fn finish_slices(
    states: Sliced<MulticlassState>,
    overall: &ConfusionMatrix,
    names: &[String],
    weighted: bool,
    settings: &SliceSettings,
    intervals: Option<&IntervalSettings>,
) -> SlicesOut {
    proportion_slices(states, settings, |mut state| {
        let mut report = state.compute();
        if let Some(iv) = intervals {
            let (global, _, _) = assay_stats::multiclass::intervals(&state, &report, weighted, iv);
            attach_each(&mut report.metrics, &global);
        }
        let cm = &report.confusion;
        let mut candidates = vec![(
            "accuracy".to_owned(),
            cm.correct(),
            cm.total(),
            overall.correct(),
            overall.total(),
        )];
        for (c, name) in names.iter().enumerate() {
            let (slice, all) = (cm.one_vs_rest(c), overall.one_vs_rest(c));
            candidates.push(recall_candidate(name, slice, all));
        }
        SliceFacts {
            n: report.rows,
            metrics: report.metrics,
            candidates,
        }
    })
}
