//! Slices (every task): every metric and its interval per value of one or
//! more columns (production line, lighting, camera …), each slice tested
//! against the rest, with Holm or Benjamini–Hochberg control across every
//! slice × metric test. A slice too small to support a conclusion — fewer
//! items than the minimum, or too little power to see the stated effect — is
//! marked SliceStatus::InsufficientEvidence and left out of the tests.

use std::collections::BTreeMap;

use assay_data::Label;
use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryInputs, BinaryState};
use assay_metrics::confusion::{BinaryCounts, ConfusionMatrix};
use assay_metrics::multiclass::{
    MulticlassBatch, MulticlassConfig, MulticlassInputs, MulticlassState,
};
use assay_metrics::multilabel::{
    MultilabelBatch, MultilabelConfig, MultilabelInputs, MultilabelReport, MultilabelState,
};
use assay_metrics::{BatchError, MetricSet};
use assay_stats::binary::IntervalSettings;
use assay_stats::slices::{
    Correction, adjust, independent_auc_test, power_two_proportions, two_proportion_test,
};

use crate::result::OrderedMap;
pub use assay_record::eval::{SliceResult, SliceStatus, SliceTest, SlicesOut};

/// How slices are judged.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceSettings {
    /// The slicings: each is a list of columns whose value combinations form
    /// its slices (`--slice line --slice camera` is two slicings,
    /// `--slice line,camera` one).
    pub slicings: Vec<Vec<String>>,
    /// Multiple-comparison control.
    pub correction: Correction,
    /// Fewer items than this: insufficient evidence.
    pub min_size: u64,
    /// Less power than this to see `effect`: insufficient evidence.
    pub min_power: f64,
    /// The difference from the rest the tests must be able to see.
    pub effect: f64,
    /// Significance level of the tests (after correction).
    pub alpha: f64,
}

impl SliceSettings {
    /// Fewer items than this: insufficient evidence.
    pub const MIN_SIZE: u64 = 30;
    /// Less power than this: insufficient evidence.
    pub const MIN_POWER: f64 = 0.8;
    /// The difference from the rest the tests must be able to see.
    pub const EFFECT: f64 = 0.05;

    /// The significance level of the tests at confidence level `level`,
    /// rounded so that 1 − 0.95 reads 0.05.
    pub fn alpha_of(level: f64) -> f64 {
        ((1.0 - level) * 1e12).round() / 1e12
    }

    /// Defaults for these slicings.
    pub fn new(slicings: Vec<Vec<String>>) -> Self {
        Self {
            slicings,
            correction: Correction::Holm,
            min_size: Self::MIN_SIZE,
            min_power: Self::MIN_POWER,
            effect: Self::EFFECT,
            alpha: 0.05,
        }
    }
}

/// The rows of a batch by slice key.
fn group_rows(keys: &[Vec<Label>]) -> BTreeMap<&Vec<Label>, Vec<usize>> {
    let mut groups: BTreeMap<&Vec<Label>, Vec<usize>> = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        groups.entry(key).or_default().push(i);
    }
    groups
}

/// The values at `rows`.
fn pick<T: Copy>(values: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&i| values[i]).collect()
}

/// The state of one slice, made on first use.
fn state_for<'a, S>(
    states: &'a mut BTreeMap<(usize, Vec<Label>), S>,
    slicing: usize,
    key: &[Label],
    make: impl FnOnce() -> Result<S, BatchError>,
) -> Result<&'a mut S, BatchError> {
    let id = (slicing, key.to_vec());
    if !states.contains_key(&id) {
        states.insert(id.clone(), make()?);
    }
    Ok(states.get_mut(&id).expect("inserted above"))
}

/// A two-proportion test of a slice against the rest, unless the slice is
/// too small or the test too weak to see `settings.effect`.
fn proportion_test(
    x1: f64,
    n1: f64,
    x2: f64,
    n2: f64,
    items: u64,
    settings: &SliceSettings,
) -> (SliceTest, Option<f64>) {
    let p = (x1 + x2) / (n1 + n2);
    let power = power_two_proportions(p, n1, n2, settings.effect, settings.alpha);
    let enough = items >= settings.min_size && power >= settings.min_power;
    let p_value = enough
        .then(|| two_proportion_test(x1, n1, x2, n2))
        .flatten()
        .map(|t| t.1);
    let test = SliceTest {
        slice: (n1 > 0.0).then(|| x1 / n1),
        rest: (n2 > 0.0).then(|| x2 / n2),
        power: Some(power),
        p_value,
        adjusted_p: None,
        status: if p_value.is_some() {
            SliceStatus::NoDifferenceShown
        } else {
            SliceStatus::InsufficientEvidence
        },
    };
    (test, p_value)
}

/// The slice states of one task: route a batch's rows, slicing by slicing.
pub trait RouteRows<B: ?Sized> {
    /// Route each row of `batch` to its slice's state in slicing `slicing`.
    fn route(&mut self, slicing: usize, keys: &[Vec<Label>], batch: &B) -> Result<(), BatchError>;

    /// Route a batch under every slicing, given each slicing's keys.
    fn route_all(
        &mut self,
        keys: impl Iterator<Item = Vec<Vec<Label>>>,
        batch: &B,
    ) -> Result<(), BatchError> {
        for (slicing, k) in keys.enumerate() {
            self.route(slicing, &k, batch)?;
        }
        Ok(())
    }
}

impl RouteRows<BinaryBatch<'_>> for SliceStates {
    fn route(
        &mut self,
        slicing: usize,
        keys: &[Vec<Label>],
        batch: &BinaryBatch<'_>,
    ) -> Result<(), BatchError> {
        self.update(slicing, keys, batch)
    }
}

impl RouteRows<MulticlassBatch<'_>> for MulticlassSliceStates {
    fn route(
        &mut self,
        slicing: usize,
        keys: &[Vec<Label>],
        batch: &MulticlassBatch<'_>,
    ) -> Result<(), BatchError> {
        self.update(slicing, keys, batch)
    }
}

impl RouteRows<MultilabelBatch<'_>> for MultilabelSliceStates {
    fn route(
        &mut self,
        slicing: usize,
        keys: &[Vec<Label>],
        batch: &MultilabelBatch<'_>,
    ) -> Result<(), BatchError> {
        self.update(slicing, keys, batch)
    }
}

/// Candidate proportion tests `(id, x_slice, n_slice, x_all, n_all)` of
/// group `g`, each against the rest; the judged ones join `family`.
fn proportion_tests(
    candidates: Vec<(String, f64, f64, f64, f64)>,
    items: u64,
    settings: &SliceSettings,
    g: usize,
    family: &mut Vec<(usize, usize, f64)>,
) -> OrderedMap<SliceTest> {
    let mut tests = Vec::new();
    for (id, x1, n1, x_all, n_all) in candidates {
        let (test, p_value) = proportion_test(x1, n1, x_all - x1, n_all - n1, items, settings);
        if let Some(pv) = p_value {
            family.push((g, tests.len(), pv));
        }
        tests.push((id, test));
    }
    OrderedMap(tests)
}

/// Column → value of a slice key.
fn slice_key(settings: &SliceSettings, slicing: usize, key: &[Label]) -> OrderedMap<String> {
    OrderedMap(
        settings.slicings[slicing]
            .iter()
            .cloned()
            .zip(key.iter().map(ToString::to_string))
            .collect(),
    )
}

/// Adjust the family of (group, test, p) across every slice × metric test
/// and assemble the output.
fn corrected(
    mut groups: Vec<SliceResult>,
    family: &[(usize, usize, f64)],
    settings: &SliceSettings,
) -> SlicesOut {
    let raw: Vec<f64> = family.iter().map(|f| f.2).collect();
    for ((g, t, _), adj) in family.iter().zip(adjust(&raw, settings.correction)) {
        let test = &mut groups[*g].tests.0[*t].1;
        test.adjusted_p = Some(adj);
        if adj < settings.alpha {
            test.status = SliceStatus::Differs;
        }
    }
    SlicesOut {
        slicings: settings.slicings.clone(),
        correction: settings.correction,
        alpha: settings.alpha,
        min_size: settings.min_size,
        min_power: settings.min_power,
        effect: settings.effect,
        groups,
    }
}

/// One state per slice, fed from the same batches as the overall state.
pub struct SliceStates {
    config: BinaryConfig,
    inputs: BinaryInputs,
    /// (slicing, key) → state.
    states: BTreeMap<(usize, Vec<Label>), BinaryState>,
}

impl SliceStates {
    /// No slices yet.
    pub fn new(config: BinaryConfig, inputs: BinaryInputs) -> Self {
        Self {
            config,
            inputs,
            states: BTreeMap::new(),
        }
    }

    /// Route each row of a batch to its slice's state in slicing `slicing`.
    pub fn update(
        &mut self,
        slicing: usize,
        keys: &[Vec<Label>],
        batch: &BinaryBatch<'_>,
    ) -> Result<(), BatchError> {
        for (key, rows) in group_rows(keys) {
            let (config, inputs) = (&self.config, self.inputs);
            let state = state_for(&mut self.states, slicing, key, || {
                BinaryState::new(config.clone(), inputs)
            })?;
            let (truth, score) = (
                pick(batch.truth, &rows),
                batch.score.map(|s| pick(s, &rows)),
            );
            let (prediction, weight) = (
                batch.prediction.map(|p| pick(p, &rows)),
                batch.weight.map(|w| pick(w, &rows)),
            );
            state.update(&BinaryBatch {
                truth: &truth,
                score: score.as_deref(),
                prediction: prediction.as_deref(),
                weight: weight.as_deref(),
            })?;
        }
        Ok(())
    }

    /// Compute every slice, its intervals and its tests against the rest.
    pub fn finish(
        mut self,
        overall: &BinaryCounts,
        settings: &SliceSettings,
        intervals: Option<&IntervalSettings>,
    ) -> SlicesOut {
        struct Computed {
            slicing: usize,
            key: Vec<Label>,
            n: u64,
            metrics: MetricSet,
            counts: BinaryCounts,
            auc: Option<(f64, f64, Vec<f64>, Vec<f64>)>,
        }
        let mut computed = Vec::new();
        for ((slicing, key), mut state) in std::mem::take(&mut self.states) {
            let mut report = state.compute();
            if let Some(iv) = intervals {
                let (cis, _) = assay_stats::binary::intervals(&mut state, &report, iv);
                for (id, ci) in cis {
                    if let Some(m) = report.metrics.get_mut(id)
                        && m.value.is_some()
                    {
                        m.ci = Some(ci);
                    }
                }
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
        // Proportion metrics: (id, successes, denominator).
        let proportions = |c: &BinaryCounts| -> [(&'static str, f64, f64); 4] {
            [
                ("accuracy", c.tp + c.tn, c.total()),
                ("recall", c.tp, c.tp + c.fn_),
                ("specificity", c.tn, c.tn + c.fp),
                ("precision", c.tp, c.tp + c.fp),
            ]
        };
        let mut tests: Vec<Vec<(&'static str, SliceTest)>> = Vec::new();
        let mut family: Vec<(usize, usize, f64)> = Vec::new();
        for (s, slice) in computed.iter().enumerate() {
            let mut row = Vec::new();
            let rest = BinaryCounts {
                tp: overall.tp - slice.counts.tp,
                fp: overall.fp - slice.counts.fp,
                tn: overall.tn - slice.counts.tn,
                fn_: overall.fn_ - slice.counts.fn_,
            };
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
            if let Some((auc, var, _, _)) = &slice.auc {
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
                if let Some((_, pv)) = test {
                    family.push((s, row.len(), pv));
                }
                row.push((
                    "roc_auc",
                    SliceTest {
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
                    },
                ));
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
}

/// One multi-class state per slice: every metric and interval per slice,
/// and each slice's accuracy tested against the rest (two-proportion test,
/// power, correction across all tests, as for binary tasks).
pub struct MulticlassSliceStates {
    config: MulticlassConfig,
    inputs: MulticlassInputs,
    states: BTreeMap<(usize, Vec<Label>), MulticlassState>,
}

impl MulticlassSliceStates {
    /// No slices yet.
    pub fn new(config: MulticlassConfig, inputs: MulticlassInputs) -> Self {
        Self {
            config,
            inputs,
            states: BTreeMap::new(),
        }
    }

    /// Route each row of a batch to its slice's state in slicing `slicing`.
    pub fn update(
        &mut self,
        slicing: usize,
        keys: &[Vec<Label>],
        batch: &MulticlassBatch<'_>,
    ) -> Result<(), BatchError> {
        let k = self.config.classes;
        for (key, rows) in group_rows(keys) {
            let (config, inputs) = (&self.config, self.inputs);
            let state = state_for(&mut self.states, slicing, key, || {
                MulticlassState::new(config.clone(), inputs)
            })?;
            let probabilities: Option<Vec<f64>> = batch.probabilities.map(|p| {
                rows.iter()
                    .flat_map(|&i| p[i * k..(i + 1) * k].iter().copied())
                    .collect()
            });
            let (truth, prediction) = (
                pick(batch.truth, &rows),
                batch.prediction.map(|p| pick(p, &rows)),
            );
            let weight = batch.weight.map(|w| pick(w, &rows));
            state.update(&MulticlassBatch {
                truth: &truth,
                probabilities: probabilities.as_deref(),
                prediction: prediction.as_deref(),
                weight: weight.as_deref(),
            })?;
        }
        Ok(())
    }

    /// Compute every slice, its intervals, and its accuracy and per-class
    /// recall tested against the rest.
    pub fn finish(
        self,
        overall: &ConfusionMatrix,
        names: &[String],
        weighted: bool,
        settings: &SliceSettings,
        intervals: Option<&IntervalSettings>,
    ) -> SlicesOut {
        let mut groups = Vec::new();
        let mut family = Vec::new();
        for (g, ((slicing, key), mut state)) in self.states.into_iter().enumerate() {
            let mut report = state.compute();
            if let Some(iv) = intervals {
                let (global, _, _) =
                    assay_stats::multiclass::intervals(&state, &report, weighted, iv);
                for (id, ci) in global {
                    if let Some(m) = report.metrics.get_mut(&id)
                        && m.value.is_some()
                    {
                        m.ci = Some(ci);
                    }
                }
            }
            // Accuracy, and each class's recall, against the rest.
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
                candidates.push((
                    format!("recall[{name}]"),
                    slice.tp,
                    slice.tp + slice.fn_,
                    all.tp,
                    all.tp + all.fn_,
                ));
            }
            let tests = proportion_tests(candidates, report.rows, settings, g, &mut family);
            groups.push(SliceResult {
                key: slice_key(settings, slicing, &key),
                n: report.rows,
                metrics: report.metrics,
                tests,
            });
        }
        corrected(groups, &family, settings)
    }
}

/// One multi-label state per slice: every metric and interval per slice, and
/// each slice's exact-match rate and per-label recall tested against the rest.
pub struct MultilabelSliceStates {
    config: MultilabelConfig,
    inputs: MultilabelInputs,
    states: BTreeMap<(usize, Vec<Label>), MultilabelState>,
}

impl MultilabelSliceStates {
    /// No slices yet.
    pub fn new(config: MultilabelConfig, inputs: MultilabelInputs) -> Self {
        Self {
            config,
            inputs,
            states: BTreeMap::new(),
        }
    }

    /// Route each item of a batch to its slice's state in slicing `slicing`.
    pub fn update(
        &mut self,
        slicing: usize,
        keys: &[Vec<Label>],
        batch: &MultilabelBatch<'_>,
    ) -> Result<(), BatchError> {
        let l = self.config.labels;
        for (key, rows) in group_rows(keys) {
            let (config, inputs) = (&self.config, self.inputs);
            let state = state_for(&mut self.states, slicing, key, || {
                MultilabelState::new(config.clone(), inputs)
            })?;
            let spread = |v: &[bool]| -> Vec<bool> {
                rows.iter()
                    .flat_map(|&i| v[i * l..(i + 1) * l].iter().copied())
                    .collect()
            };
            let truth = spread(batch.truth);
            let prediction = batch.prediction.map(spread);
            let scores: Option<Vec<f64>> = batch.scores.map(|s| {
                rows.iter()
                    .flat_map(|&i| s[i * l..(i + 1) * l].iter().copied())
                    .collect()
            });
            let weight = batch.weight.map(|w| pick(w, &rows));
            state.update(&MultilabelBatch {
                truth: &truth,
                scores: scores.as_deref(),
                prediction: prediction.as_deref(),
                weight: weight.as_deref(),
            })?;
        }
        Ok(())
    }

    /// Compute every slice, its intervals, and its exact match and per-label
    /// recall tested against the rest.
    pub fn finish(
        self,
        overall: &MultilabelReport,
        names: &[String],
        settings: &SliceSettings,
        intervals: Option<&IntervalSettings>,
    ) -> SlicesOut {
        let total_items = overall.rows as f64;
        let overall_exact = overall
            .metrics
            .get("exact_match")
            .and_then(|m| m.value)
            .unwrap_or(0.0)
            * total_items;
        let mut groups = Vec::new();
        let mut family = Vec::new();
        for (g, ((slicing, key), mut state)) in self.states.into_iter().enumerate() {
            let mut report = state.compute();
            if let Some(iv) = intervals {
                let (global, _, _) = assay_stats::multilabel::intervals(&state, &report, iv);
                for (id, ci) in global {
                    if let Some(m) = report.metrics.get_mut(&id)
                        && m.value.is_some()
                    {
                        m.ci = Some(ci);
                    }
                }
            }
            let items = report.rows as f64;
            let exact = report
                .metrics
                .get("exact_match")
                .and_then(|m| m.value)
                .unwrap_or(0.0)
                * items;
            let mut candidates = vec![(
                "exact_match".to_owned(),
                exact,
                items,
                overall_exact,
                total_items,
            )];
            for (j, name) in names.iter().enumerate() {
                let (slice, all) = (report.counts[j], overall.counts[j]);
                candidates.push((
                    format!("recall[{name}]"),
                    slice.tp,
                    slice.tp + slice.fn_,
                    all.tp,
                    all.tp + all.fn_,
                ));
            }
            let tests = proportion_tests(candidates, report.rows, settings, g, &mut family);
            groups.push(SliceResult {
                key: slice_key(settings, slicing, &key),
                n: report.rows,
                metrics: report.metrics,
                tests,
            });
        }
        corrected(groups, &family, settings)
    }
}
