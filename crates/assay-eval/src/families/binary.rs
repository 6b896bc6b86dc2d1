//! Binary classification: a truth column of two classes, a score and/or a
//! hard prediction, optional weights.

use assay_data::{Batch, Label, Labels, Numbers};
use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryInputs, BinaryState};
use assay_metrics::confusion::{BinaryCounts, ConfusionMatrix};
use assay_metrics::{Field, MetricSet, MetricValue};
use assay_stats::binary::IntervalSettings;
use assay_stats::slices::independent_auc_test;

use crate::EvalError;
use crate::Setting;
use crate::family::{
    Family, Finished, Planning, StateBatch, attach, attach_each, column_name, parameters, tool,
};
use crate::result::{ConfusionOut, CurvesOut, EvalResult, OrderedMap, SCHEMA_ID};
use crate::run::Context;
use crate::slices::{
    SliceResult, SliceSettings, SliceStatus, SliceTest, Sliced, SlicesOut, corrected,
    proportion_test, slice_key,
};
use crate::spec::{EvalSpec, ScoreKind, Task};

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

/// A binary evaluation: its columns and its state's settings.
pub(crate) struct BinaryFamily {
    truth: (String, Labels),
    score: Option<(String, Numbers)>,
    prediction: Option<(String, Labels)>,
    config: BinaryConfig,
    inputs: BinaryInputs,
    positive: Option<String>,
}

/// The labels learned so far and the decoded flags of a batch.
pub(crate) struct BinaryDecoder {
    labels: BinaryLabels,
    truth: Vec<bool>,
    prediction: Vec<bool>,
}

impl Family for BinaryFamily {
    type State = BinaryState;
    type Decoder = BinaryDecoder;

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
        let score = c.score_in(reader);
        let pred = c.prediction_in(reader);
        if score.is_none() && pred.is_none() {
            return Err(ctx.input_error(format!(
                "a binary task needs a score column ('score') or a prediction column ('pred'); the file has: {}; name them with --score or --pred",
                reader.columns().join(", ")
            )));
        }
        let truth_col = crate::family::request_truth(spec, requests, &truth);
        let score = score.map(|s| {
            let h = requests.numbers(
                &s,
                Some(&spec.voice.role("the score column", Setting::Score)),
            );
            (s, h)
        });
        let prediction = crate::family::request_prediction(spec, requests, pred);
        ctx.role("truth", vec![truth.clone()]);
        if let Some((s, _)) = &score {
            ctx.role("score", vec![s.clone()]);
        }
        if let Some((p, _)) = &prediction {
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
            prediction: prediction.is_some(),
            weight: ctx.weight.is_some(),
        };
        Ok(Self {
            truth: (truth, truth_col),
            score,
            prediction,
            config,
            inputs,
            positive: spec.positive.clone(),
        })
    }

    fn state_config(&self) -> (BinaryConfig, BinaryInputs) {
        (self.config.clone(), self.inputs)
    }

    fn decoder(&self) -> BinaryDecoder {
        BinaryDecoder {
            labels: BinaryLabels::new(self.positive.as_deref()),
            truth: Vec::new(),
            prediction: Vec::new(),
        }
    }

    fn decode<'b>(
        &self,
        d: &'b mut BinaryDecoder,
        batch: &'b Batch,
        ctx: &Context,
    ) -> Result<StateBatch<'b, Self>, EvalError> {
        let mut classify = |column: &(String, Labels), out: &mut Vec<bool>| {
            out.clear();
            for (i, l) in batch.labels(column.1).iter().enumerate() {
                let v = d
                    .labels
                    .classify(l)
                    .map_err(|p| ctx.value_error(batch.file_row(i), &column.0, p))?;
                out.push(v);
            }
            Ok::<_, EvalError>(())
        };
        classify(&self.truth, &mut d.truth)?;
        if let Some(p) = &self.prediction {
            classify(p, &mut d.prediction)?;
        }
        Ok(BinaryBatch {
            truth: &d.truth,
            score: self.score.as_ref().map(|s| batch.numbers(s.1)),
            prediction: self.prediction.as_ref().map(|_| d.prediction.as_slice()),
            weight: ctx.weights(batch),
        })
    }

    fn column_of(&self, field: Field, ctx: &Context) -> String {
        match field {
            Field::Truth(_) => self.truth.0.clone(),
            Field::Score(_) => column_name(&self.score),
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
        let weighted = ctx.weight.is_some();
        let mut report = state.compute();
        let slices_out = slices.zip(spec.slices.as_ref()).map(|(states, settings)| {
            finish_slices(
                states,
                &report.counts,
                settings,
                spec.intervals.as_ref().filter(|_| !weighted),
            )
        });
        let intervals = spec.intervals.as_ref().map(|settings| {
            let (cis, note) = assay_stats::binary::intervals(&mut state, &report, settings);
            attach_each(&mut report.metrics, &cis);
            (cis, crate::result::interval_info(settings, note))
        });
        let roc_band = spec
            .intervals
            .as_ref()
            .filter(|_| !weighted && self.score.is_some())
            .and_then(|settings| roc_band(&mut state, settings));
        let (neg_name, pos_name) = decoder.labels.names();
        let matrix = report.counts.matrix();
        let mut per_class = per_class_from_matrix(&matrix, &[neg_name.clone(), pos_name.clone()]);
        let intervals = intervals.map(|(cis, info)| {
            per_class_intervals(&mut per_class, &cis, &neg_name, &pos_name);
            info
        });
        let total = report.counts.total();
        let mut parameters = parameters(spec);
        parameters.threshold = self.prediction.is_none().then_some(spec.threshold);
        parameters.beta = Some(spec.beta);
        parameters.calibration_bins = (self.score.is_some()
            && spec.score_kind == ScoreKind::Probability)
            .then_some(spec.calibration_bins);
        parameters.score_kind = self.score.as_ref().map(|_| spec.score_kind);
        parameters.intervals = intervals;
        Ok(EvalResult {
            schema: SCHEMA_ID.into(),
            tool: tool(),
            task: Task::Binary,
            n: rows,
            total_weight: weighted.then_some(total),
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
                ..CurvesOut::default()
            },
        })
    }
}

/// The ROC curve's pointwise band: every 1 % of the false-positive rate.
fn roc_band(
    state: &mut BinaryState,
    settings: &IntervalSettings,
) -> Option<assay_stats::roc_band::RocBand> {
    const BAND_POINTS: usize = 101;
    let mut groups = Vec::new();
    state.ranking_mut().for_each_group(|g| {
        groups.push((g.positive as u64, g.negative as u64));
    });
    assay_stats::roc_band::roc_band(&groups, settings, BAND_POINTS)
}

/// The per-class rates are the binary rates seen from each class.
fn per_class_intervals(
    per_class: &mut OrderedMap<MetricSet>,
    cis: &[(&'static str, assay_metrics::value::Interval)],
    neg_name: &str,
    pos_name: &str,
) {
    let seen_from = [
        (
            neg_name,
            [
                ("precision", "npv"),
                ("recall", "specificity"),
                ("specificity", "recall"),
                ("f1", "f1_negative"),
            ],
        ),
        (
            pos_name,
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
}

/// Each class's rates, one against the rest, and its support.
pub(crate) fn per_class_from_matrix(
    m: &ConfusionMatrix,
    names: &[String],
) -> OrderedMap<MetricSet> {
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

/// One computed slice.
struct Computed {
    slicing: usize,
    key: Vec<Label>,
    n: u64,
    metrics: MetricSet,
    counts: BinaryCounts,
    auc: Option<(f64, f64, Vec<f64>, Vec<f64>)>,
}

/// Every slice, its intervals and its tests against the rest: four
/// proportions (two-proportion tests with power) and the ROC AUC
/// (DeLong, independent samples).
fn finish_slices(
    states: Sliced<BinaryState>,
    overall: &BinaryCounts,
    settings: &SliceSettings,
    intervals: Option<&IntervalSettings>,
) -> SlicesOut {
    let mut computed = Vec::new();
    for ((slicing, key), mut state) in states.into_states() {
        let mut report = state.compute();
        if let Some(iv) = intervals {
            let (cis, _) = assay_stats::binary::intervals(&mut state, &report, iv);
            attach_each(&mut report.metrics, &cis);
        }
        let auc = state.ranking_mut().sorted_scores().and_then(|(pos, neg)| {
            let (a, v) = assay_stats::delong::auc_variance(&pos, &neg)?;
            Some((a, v?, pos, neg))
        });
        computed.push(Computed {
            slicing,
            key,
            n: report.rows,
            metrics: report.metrics,
            counts: report.counts,
            auc,
        });
    }
    let mut tests: Vec<Vec<(&'static str, SliceTest)>> = Vec::new();
    let mut family: Vec<(usize, usize, f64)> = Vec::new();
    for (s, slice) in computed.iter().enumerate() {
        let mut row = proportion_row(slice, overall, settings, s, &mut family);
        if let Some(auc) = auc_test(&computed, s, settings) {
            if let Some(pv) = auc.p_value {
                family.push((s, row.len(), pv));
            }
            row.push(("roc_auc", auc));
        }
        tests.push(row);
    }
    let groups = computed
        .into_iter()
        .zip(tests)
        .map(|(c, t)| SliceResult {
            key: slice_key(settings, c.slicing, &c.key),
            n: c.n,
            metrics: c.metrics,
            tests: OrderedMap(t.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        })
        .collect();
    corrected(groups, &family, settings)
}

/// A slice's accuracy, recall, specificity and precision against the rest.
fn proportion_row(
    slice: &Computed,
    overall: &BinaryCounts,
    settings: &SliceSettings,
    s: usize,
    family: &mut Vec<(usize, usize, f64)>,
) -> Vec<(&'static str, SliceTest)> {
    // Proportion metrics: (id, successes, denominator).
    let proportions = |c: &BinaryCounts| -> [(&'static str, f64, f64); 4] {
        [
            ("accuracy", c.tp + c.tn, c.total()),
            ("recall", c.tp, c.tp + c.fn_),
            ("specificity", c.tn, c.tn + c.fp),
            ("precision", c.tp, c.tp + c.fp),
        ]
    };
    let rest = BinaryCounts {
        tp: overall.tp - slice.counts.tp,
        fp: overall.fp - slice.counts.fp,
        tn: overall.tn - slice.counts.tn,
        fn_: overall.fn_ - slice.counts.fn_,
    };
    let mut row = Vec::new();
    for ((id, x1, n1), (_, x2, n2)) in proportions(&slice.counts)
        .into_iter()
        .zip(proportions(&rest))
    {
        let (test, p_value) = proportion_test(x1, n1, x2, n2, slice.n, settings);
        if let Some(pv) = p_value {
            family.push((s, row.len(), pv));
        }
        row.push((id, test));
    }
    row
}

/// Slice `s`'s ROC AUC against the rest of its slicing (the other slices'
/// scores), when the slice has both classes.
fn auc_test(computed: &[Computed], s: usize, settings: &SliceSettings) -> Option<SliceTest> {
    let slice = &computed[s];
    let (auc, var, _, _) = slice.auc.as_ref()?;
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for (t, other) in computed.iter().enumerate() {
        // The rest: the other slices of the same slicing.
        if t != s
            && other.slicing == slice.slicing
            && let Some((_, _, p, n)) = &other.auc
        {
            pos.extend_from_slice(p);
            neg.extend_from_slice(n);
        }
    }
    pos.sort_by(f64::total_cmp);
    neg.sort_by(f64::total_cmp);
    let rest = assay_stats::delong::auc_variance(&pos, &neg);
    let enough = slice.n >= settings.min_size;
    let test = match (enough, rest) {
        (true, Some((a2, Some(v2)))) => independent_auc_test(*auc, *var, a2, v2),
        _ => None,
    };
    Some(SliceTest {
        slice: Some(*auc),
        rest: rest.map(|r| r.0),
        power: None,
        p_value: test.map(|t| t.1),
        adjusted_p: None,
        status: if test.is_some() {
            SliceStatus::NoDifferenceShown
        } else {
            SliceStatus::InsufficientEvidence
        },
    })
}
