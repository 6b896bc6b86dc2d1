//! Slices (every task): every metric and its interval per value of one or
//! more columns (production line, lighting, camera …), each slice tested
//! against the rest, with Holm or Benjamini–Hochberg control across every
//! slice × metric test. A slice too small to support a conclusion — fewer
//! items than the minimum, or too little power to see the stated effect — is
//! marked SliceStatus::InsufficientEvidence and left out of the tests.

use std::collections::BTreeMap;

use assay_data::{Batch, Label, Labels, Requests};
use assay_metrics::{BatchError, MetricSet, State};
use assay_stats::slices::{Correction, adjust, power_two_proportions, two_proportion_test};

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

/// The columns of every slicing, asked for once each: per slicing, the
/// handles of its columns.
pub(crate) struct SliceColumns(Vec<Vec<Labels>>);

impl SliceColumns {
    /// Ask for each distinct slice column once.
    pub(crate) fn request(
        settings: &SliceSettings,
        requests: &mut Requests,
        voice: crate::Voice,
    ) -> Self {
        let mut asked: Vec<(String, Labels)> = Vec::new();
        let mut slicings = Vec::new();
        for cols in &settings.slicings {
            let mut handles = Vec::new();
            for c in cols {
                let handle = match asked.iter().find(|(name, _)| name == c) {
                    Some((_, h)) => *h,
                    None => {
                        let h = requests.labels(
                            c,
                            Some(&voice.role("a slice column", crate::Setting::Slice)),
                        );
                        asked.push((c.clone(), h));
                        h
                    }
                };
                handles.push(handle);
            }
            slicings.push(handles);
        }
        Self(slicings)
    }

    /// Each row's key in slicing `s`: its values in the slicing's columns.
    fn keys(&self, s: usize, batch: &Batch) -> Vec<Vec<Label>> {
        let columns: Vec<&[Label]> = self.0[s].iter().map(|&c| batch.labels(c)).collect();
        (0..batch.rows)
            .map(|i| columns.iter().map(|c| c[i].clone()).collect())
            .collect()
    }
}

/// One state per slice of every slicing, fed from the same batches as the
/// whole input's state: the slicing wrapper every family shares.
pub(crate) struct Sliced<S: State> {
    config: S::Config,
    inputs: S::Inputs,
    /// (slicing, key) → state.
    states: BTreeMap<(usize, Vec<Label>), S>,
}

impl<S: State> Sliced<S> {
    /// No slices yet; each is made with these settings on first use.
    pub(crate) fn new(config: S::Config, inputs: S::Inputs) -> Self {
        Self {
            config,
            inputs,
            states: BTreeMap::new(),
        }
    }

    /// Route each row of `batch` (decoded as `decoded`) to its slice's state,
    /// slicing by slicing.
    pub(crate) fn route(
        &mut self,
        columns: &SliceColumns,
        batch: &Batch,
        decoded: &S::Batch<'_>,
    ) -> Result<(), BatchError> {
        for slicing in 0..columns.0.len() {
            let keys = columns.keys(slicing, batch);
            for (key, rows) in group_rows(&keys) {
                let (config, inputs) = (&self.config, self.inputs);
                let state = state_for(&mut self.states, slicing, key, || {
                    S::new(config.clone(), inputs)
                })?;
                let picked = S::pick(config, decoded, &rows);
                state.update(&S::batch(&picked))?;
            }
        }
        Ok(())
    }

    /// The slices' states, in (slicing, key) order.
    pub(crate) fn into_states(self) -> impl Iterator<Item = ((usize, Vec<Label>), S)> {
        self.states.into_iter()
    }
}

/// A proportion test's counts: `(id, x_slice, n_slice, x_all, n_all)`.
pub(crate) type Candidate = (String, f64, f64, f64, f64);

/// What a family tells of one slice: its items, its metrics (with
/// intervals) and its proportion tests against the rest.
pub(crate) struct SliceFacts {
    /// Items in the slice.
    pub n: u64,
    /// Its metrics.
    pub metrics: MetricSet,
    /// Its proportions and the whole input's.
    pub candidates: Vec<Candidate>,
}

/// A class's (or label's) recall in a slice against the whole input's.
pub(crate) fn recall_candidate(
    name: &str,
    slice: assay_metrics::confusion::BinaryCounts,
    all: assay_metrics::confusion::BinaryCounts,
) -> Candidate {
    (
        format!("recall[{name}]"),
        slice.tp,
        slice.tp + slice.fn_,
        all.tp,
        all.tp + all.fn_,
    )
}

/// Every slice's facts, its proportions tested against the rest, the
/// tests corrected together.
pub(crate) fn proportion_slices<S: State>(
    states: Sliced<S>,
    settings: &SliceSettings,
    mut facts: impl FnMut(S) -> SliceFacts,
) -> SlicesOut {
    let mut groups = Vec::new();
    let mut family = Vec::new();
    for (g, ((slicing, key), state)) in states.into_states().enumerate() {
        let f = facts(state);
        let tests = proportion_tests(f.candidates, f.n, settings, g, &mut family);
        groups.push(SliceResult {
            key: slice_key(settings, slicing, &key),
            n: f.n,
            metrics: f.metrics,
            tests,
        });
    }
    corrected(groups, &family, settings)
}

/// The rows of a batch by slice key.
fn group_rows(keys: &[Vec<Label>]) -> BTreeMap<&Vec<Label>, Vec<usize>> {
    let mut groups: BTreeMap<&Vec<Label>, Vec<usize>> = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        groups.entry(key).or_default().push(i);
    }
    groups
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
/// A slice's test before the correction across tests: judged (no
/// difference shown, until the correction says otherwise) when it has a
/// p-value, insufficient evidence when not.
pub(crate) fn unadjusted_test(
    slice: Option<f64>,
    rest: Option<f64>,
    power: Option<f64>,
    p_value: Option<f64>,
) -> SliceTest {
    SliceTest {
        slice,
        rest,
        power,
        p_value,
        adjusted_p: None,
        status: if p_value.is_some() {
            SliceStatus::NoDifferenceShown
        } else {
            SliceStatus::InsufficientEvidence
        },
    }
}

pub(crate) fn proportion_test(
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
    let test = unadjusted_test(
        (n1 > 0.0).then(|| x1 / n1),
        (n2 > 0.0).then(|| x2 / n2),
        Some(power),
        p_value,
    );
    (test, p_value)
}

/// Candidate proportion tests `(id, x_slice, n_slice, x_all, n_all)` of
/// group `g`, each against the rest; the judged ones join `family`.
pub(crate) fn proportion_tests(
    candidates: Vec<Candidate>,
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
pub(crate) fn slice_key(
    settings: &SliceSettings,
    slicing: usize,
    key: &[Label],
) -> OrderedMap<String> {
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
pub(crate) fn corrected(
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
