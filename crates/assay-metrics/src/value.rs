//! Metric values that may be undefined, and ordered sets of them.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

/// One computed metric: a finite number, or `None` with the reason it is undefined.
///
/// A metric is never NaN or infinite: where the definition divides by zero or
/// needs a class that the data lacks, the value is `None` and `reason` says why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Why a defined value has no interval although intervals were asked
    /// for (e.g. every bootstrap replicate equals a boundary value: a
    /// zero-width interval would claim a certainty the data do not give).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_note: Option<String>,
}

/// A two-sided confidence interval around a metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// How it was computed.
    pub method: IntervalMethod,
}

/// How an interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntervalMethod {
    /// Wilson's score interval of a proportion.
    Wilson,
    /// The Clopper–Pearson exact interval of a proportion.
    ClopperPearson,
    /// DeLong's variance of an AUC, normal interval.
    Delong,
    /// Percentiles of bootstrap replicates.
    BootstrapPercentile,
    /// Bias-corrected and accelerated bootstrap.
    BootstrapBca,
    /// Percentiles of a bootstrap stratified by class (the ROC band).
    BootstrapPercentileStratified,
    /// Large-sample normal interval of a mean.
    Normal,
    /// Large-sample logit interval (average precision).
    Logit,
    /// Jackknife variance, normal or Student's t interval.
    Jackknife,
    /// An AUC at a boundary (0 or 1, where DeLong's variance is 0): the
    /// score interval of the largest variance any distributions allow,
    /// θ(1 − θ) / min(m, n) (Birnbaum and Klose, 1957).
    MaxVariance,
    /// A maximum over bins (MCE): each bin's Wilson interval at the
    /// Bonferroni level, the maximum's bounds taken over them.
    WilsonBonferroni,
}

impl IntervalMethod {
    /// The name in the record (`wilson`, `bootstrap-bca`, …).
    pub fn name(self) -> &'static str {
        match self {
            IntervalMethod::Wilson => "wilson",
            IntervalMethod::ClopperPearson => "clopper-pearson",
            IntervalMethod::Delong => "delong",
            IntervalMethod::BootstrapPercentile => "bootstrap-percentile",
            IntervalMethod::BootstrapBca => "bootstrap-bca",
            IntervalMethod::BootstrapPercentileStratified => "bootstrap-percentile-stratified",
            IntervalMethod::Normal => "normal",
            IntervalMethod::Logit => "logit",
            IntervalMethod::Jackknife => "jackknife",
            IntervalMethod::MaxVariance => "max-variance",
            IntervalMethod::WilsonBonferroni => "wilson-bonferroni",
        }
    }
}

impl PartialEq<&str> for IntervalMethod {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl std::fmt::Display for IntervalMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
                interval_note: None,
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
            interval_note: None,
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

    /// The value changed by `f` (an undefined value stays undefined).
    #[must_use]
    pub fn map(mut self, f: impl FnOnce(f64) -> f64) -> Self {
        if let Some(v) = self.value {
            let mapped = f(v);
            if mapped.is_finite() {
                self.value = Some(mapped);
            } else {
                return Self::undefined("the value is not a finite number");
            }
        }
        self
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

/// Entries in a fixed order, serialized as a JSON object in that order
/// (and read back in the order the object lists them).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<T>(pub Vec<(String, T)>);

impl<T> Default for OrderedMap<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

/// Metrics by id, in the order they were inserted.
pub type MetricSet = OrderedMap<MetricValue>;

impl<T> OrderedMap<T> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entry with this key, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Insert or replace an entry.
    pub fn insert(&mut self, key: impl Into<String>, value: T) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The entry with this key.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for OrderedMap<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = OrderedMap<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedMap<T>, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
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
