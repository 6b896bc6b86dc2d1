//! Metric values that may be undefined, and ordered sets of them.

use serde::Serialize;
use serde::ser::SerializeMap;

/// One computed metric: a finite number, or `None` with the reason it is undefined.
///
/// A metric is never NaN or infinite: where the definition divides by zero or
/// needs a class that the data lacks, the value is `None` and `reason` says why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricValue {
    /// The value, or `None` when the metric is undefined on this data.
    pub value: Option<f64>,
    /// Why the value is undefined (only when `value` is `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A caveat on a defined value, e.g. classes left out of an average.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Largest possible distance from the exact value (binned curves only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_bound: Option<f64>,
    /// Confidence interval, when one was asked for and can be computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<Interval>,
}

/// A two-sided confidence interval around a metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// How it was computed: `wilson`, `clopper-pearson`, `delong`,
    /// `bootstrap-percentile`, `bootstrap-bca`, `normal` (large-sample mean),
    /// `logit` (large-sample average precision).
    pub method: &'static str,
}

impl MetricValue {
    /// A defined value. A non-finite input becomes undefined rather than leaking NaN.
    pub fn defined(value: f64) -> Self {
        if value.is_finite() {
            Self {
                value: Some(value),
                reason: None,
                note: None,
                error_bound: None,
                ci: None,
            }
        } else {
            Self::undefined("the value is not a finite number")
        }
    }

    /// An undefined value with its reason.
    pub fn undefined(reason: impl Into<String>) -> Self {
        Self {
            value: None,
            reason: Some(reason.into()),
            note: None,
            error_bound: None,
            ci: None,
        }
    }

    /// `numerator / denominator`, undefined with `reason` when the denominator is zero.
    pub fn ratio(numerator: f64, denominator: f64, reason: &str) -> Self {
        if denominator == 0.0 {
            Self::undefined(reason)
        } else {
            Self::defined(numerator / denominator)
        }
    }

    /// Build from an optional value, with `reason` used when it is `None`.
    pub fn from_option(value: Option<f64>, reason: impl Into<String>) -> Self {
        match value {
            Some(v) => Self::defined(v),
            None => Self::undefined(reason),
        }
    }

    /// Attach a caveat to a defined value.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        if self.value.is_some() {
            self.note = Some(note.into());
        }
        self
    }

    /// Attach an error bound to a defined value.
    #[must_use]
    pub fn with_error_bound(mut self, bound: f64) -> Self {
        if self.value.is_some() {
            self.error_bound = Some(bound);
        }
        self
    }
}

/// Metrics in the order they were inserted, serialized as a JSON object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSet {
    entries: Vec<(String, MetricValue)>,
}

impl MetricSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The metric with this id, to change.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut MetricValue> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v)
    }

    /// Insert or replace a metric.
    pub fn insert(&mut self, id: impl Into<String>, value: MetricValue) {
        let id = id.into();
        match self.entries.iter_mut().find(|(k, _)| *k == id) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((id, value)),
        }
    }

    /// The metric with this id.
    pub fn get(&self, id: &str) -> Option<&MetricValue> {
        self.entries.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }

    /// The metrics in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MetricValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many metrics the set holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Serialize for MetricSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Weighted mean of the defined values, as scikit-learn's `_nanaverage`:
/// undefined entries are left out. Returns the mean and how many were left out.
pub(crate) fn nan_average(values: &[Option<f64>], weights: Option<&[f64]>) -> (Option<f64>, usize) {
    let mut sum = 0.0;
    let mut total_weight = 0.0;
    let mut left_out = 0;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let w = weights.map_or(1.0, |w| w[i]);
                sum += w * v;
                total_weight += w;
            }
            None => left_out += 1,
        }
    }
    if left_out == values.len() {
        (None, left_out)
    } else if total_weight == 0.0 {
        // Every defined entry has weight zero: scikit-learn then ignores the weights.
        nan_average(values, None)
    } else {
        (Some(sum / total_weight), left_out)
    }
}

/// An average over classes or labels as a metric value, with a note naming what was left out.
pub(crate) fn averaged(
    values: &[Option<f64>],
    weights: Option<&[f64]>,
    what: &str,
    kind: &str,
) -> MetricValue {
    let (mean, left_out) = nan_average(values, weights);
    match mean {
        None => MetricValue::undefined(format!("{what} is undefined for every {kind}")),
        Some(m) if left_out > 0 => MetricValue::defined(m).with_note(format!(
            "{left_out} {kind}(s) where {what} is undefined are left out of the average"
        )),
        Some(m) => MetricValue::defined(m),
    }
}
