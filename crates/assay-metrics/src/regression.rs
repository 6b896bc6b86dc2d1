//! Regression: a real target and a real prediction per item, optional
//! sample weights and an optional prediction interval (`lower`, `upper`).
//!
//! The state keeps the rows themselves (three or five numbers a row): the
//! median, the rank correlations and the maximum need them, and merging
//! two states is appending one's rows to the other's, so split–update–merge
//! equals one pass exactly, and every metric is computed in one place,
//! [`metrics`], from the rows in their order.
//!
//! Definitions are scikit-learn's (`sklearn.metrics`, weights where it takes
//! them) and SciPy's (`pearsonr`, `spearmanr`, `kendalltau` tau-b), with one
//! difference: where scikit-learn returns a conventional number for an
//! undefined value (R² = 1.0 or 0.0 for constant targets) or raises (MSLE
//! of a value at or below −1), the metric is `None` with the reason.

use crate::batch::{check_len, check_weights};
use crate::ranking::{from_order_key, order_key};
use crate::state::delegate_state;
use crate::{BatchError, Field, MergeError, MetricSet, MetricValue};

/// The metric ids, in the order they are reported.
pub const METRICS: [&str; 16] = [
    "mae",
    "mse",
    "rmse",
    "r2",
    "explained_variance",
    "max_error",
    "median_absolute_error",
    "mape",
    "msle",
    "rmsle",
    "d2_absolute_error",
    "mean_poisson_deviance",
    "mean_gamma_deviance",
    "pearson_r",
    "spearman_rho",
    "kendall_tau",
];

/// The metrics of a prediction interval, when the rows carry one.
pub const INTERVAL_METRICS: [&str; 2] = ["interval_coverage", "mean_interval_width"];

/// Settings of a regression state: how many points the report keeps for
/// its plots.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionConfig {
    /// Most (target, prediction) points kept for the plots, taken evenly
    /// over the rows in their order.
    pub plot_points: usize,
}

impl Default for RegressionConfig {
    fn default() -> Self {
        Self { plot_points: 2000 }
    }
}

/// Which optional inputs the batches carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegressionInputs {
    /// Sample weights.
    pub weight: bool,
    /// A prediction interval: lower and upper bounds.
    pub bounds: bool,
}

/// One batch of rows.
#[derive(Debug, Clone, Copy)]
pub struct RegressionBatch<'a> {
    /// True values.
    pub target: &'a [f64],
    /// Predicted values.
    pub prediction: &'a [f64],
    /// Sample weights.
    pub weight: Option<&'a [f64]>,
    /// Lower bounds of the prediction interval.
    pub lower: Option<&'a [f64]>,
    /// Upper bounds of the prediction interval.
    pub upper: Option<&'a [f64]>,
}

/// Rows, owned: a state's data, or rows picked out of a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegressionRows {
    /// True values.
    pub target: Vec<f64>,
    /// Predicted values.
    pub prediction: Vec<f64>,
    /// Sample weights.
    pub weight: Option<Vec<f64>>,
    /// Lower bounds.
    pub lower: Option<Vec<f64>>,
    /// Upper bounds.
    pub upper: Option<Vec<f64>>,
}

impl RegressionRows {
    /// No rows, with the optional inputs `inputs` names.
    pub fn empty(inputs: RegressionInputs) -> Self {
        let opt = |on: bool| on.then(Vec::new);
        Self {
            target: Vec::new(),
            prediction: Vec::new(),
            weight: opt(inputs.weight),
            lower: opt(inputs.bounds),
            upper: opt(inputs.bounds),
        }
    }

    fn append(&mut self, other: RegressionRows) {
        self.target.extend(other.target);
        self.prediction.extend(other.prediction);
        for (to, from) in [
            (&mut self.weight, other.weight),
            (&mut self.lower, other.lower),
            (&mut self.upper, other.upper),
        ] {
            if let (Some(to), Some(from)) = (to.as_mut(), from) {
                to.extend(from);
            }
        }
    }

    /// The rows as a batch.
    pub fn as_batch(&self) -> RegressionBatch<'_> {
        RegressionBatch {
            target: &self.target,
            prediction: &self.prediction,
            weight: self.weight.as_deref(),
            lower: self.lower.as_deref(),
            upper: self.upper.as_deref(),
        }
    }

    /// The rows at `idx` of `b`, in that order (a slice's rows, a
    /// bootstrap replicate).
    pub fn gather(b: &RegressionBatch<'_>, idx: &[usize]) -> RegressionRows {
        let pick = |v: Option<&[f64]>| v.map(|v| crate::state::pick(v, idx));
        RegressionRows {
            target: crate::state::pick(b.target, idx),
            prediction: crate::state::pick(b.prediction, idx),
            weight: pick(b.weight),
            lower: pick(b.lower),
            upper: pick(b.upper),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.target.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }
}

/// The regression state: the rows seen.
#[derive(Debug, Clone)]
pub struct RegressionState {
    config: RegressionConfig,
    inputs: RegressionInputs,
    rows: RegressionRows,
}

/// Everything a regression state computes.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionReport {
    /// Rows.
    pub rows: u64,
    /// Metric id → value.
    pub metrics: MetricSet,
    /// Targets inside their interval and the weight of all rows (with bounds).
    pub coverage: Option<(f64, f64)>,
    /// (target, prediction) points for the plots, evenly over the rows.
    pub points: Vec<[f64; 2]>,
}

impl RegressionState {
    /// An empty state.
    pub fn new(config: RegressionConfig, inputs: RegressionInputs) -> Result<Self, BatchError> {
        Ok(Self {
            config,
            inputs,
            rows: RegressionRows::empty(inputs),
        })
    }

    /// Add a batch; on error nothing is added.
    pub fn update(&mut self, b: &RegressionBatch<'_>) -> Result<(), BatchError> {
        let n = b.target.len();
        check_len(Field::Prediction(None), n, b.prediction.len())?;
        check_weights(b.weight, n)?;
        if b.weight.is_some() != self.inputs.weight {
            return Err(BatchError::Inputs(
                "carries weights when the state has none, or none when it has",
            ));
        }
        if (b.lower.is_some() || b.upper.is_some()) != self.inputs.bounds
            || b.lower.is_some() != b.upper.is_some()
        {
            return Err(BatchError::Inputs(
                "must carry both interval bounds when the state has them, and none otherwise",
            ));
        }
        let fields = [
            (Field::Truth(None), Some(b.target)),
            (Field::Prediction(None), Some(b.prediction)),
            (Field::Lower, b.lower),
            (Field::Upper, b.upper),
        ];
        for (field, values) in fields {
            let Some(values) = values else { continue };
            check_len(field, n, values.len())?;
            if let Some((row, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(BatchError::NonFinite { row, field, value });
            }
        }
        if let (Some(lo), Some(hi)) = (b.lower, b.upper)
            && let Some(row) = (0..n).find(|&i| lo[i] > hi[i])
        {
            return Err(BatchError::Bounds {
                row,
                lower: lo[row],
                upper: hi[row],
            });
        }
        let rows = &mut self.rows;
        rows.target.extend_from_slice(b.target);
        rows.prediction.extend_from_slice(b.prediction);
        for (to, from) in [
            (&mut rows.weight, b.weight),
            (&mut rows.lower, b.lower),
            (&mut rows.upper, b.upper),
        ] {
            if let (Some(to), Some(from)) = (to.as_mut(), from) {
                to.extend_from_slice(from);
            }
        }
        Ok(())
    }

    /// Append another state's rows.
    pub fn merge(&mut self, other: Self) -> Result<(), MergeError> {
        if self.config != other.config || self.inputs != other.inputs {
            return Err(MergeError::ConfigMismatch);
        }
        self.rows.append(other.rows);
        Ok(())
    }

    /// Compute every metric.
    pub fn compute(&mut self) -> RegressionReport {
        let rows = &self.rows;
        let n = rows.len();
        let step = n.div_ceil(self.config.plot_points.max(1)).max(1);
        RegressionReport {
            rows: n as u64,
            metrics: metrics(rows),
            coverage: coverage(rows),
            points: (0..n)
                .step_by(step)
                .map(|i| [rows.target[i], rows.prediction[i]])
                .collect(),
        }
    }

    /// The rows seen.
    pub fn rows(&self) -> &RegressionRows {
        &self.rows
    }

    /// The settings.
    pub fn config(&self) -> &RegressionConfig {
        &self.config
    }
}

delegate_state!(
    RegressionState,
    RegressionConfig,
    RegressionInputs,
    RegressionBatch,
    RegressionRows,
    RegressionReport,
    {
        fn pick(
            _: &RegressionConfig,
            batch: &RegressionBatch<'_>,
            rows: &[usize],
        ) -> RegressionRows {
            RegressionRows::gather(batch, rows)
        }

        fn batch(rows: &RegressionRows) -> RegressionBatch<'_> {
            rows.as_batch()
        }
    }
);

/// `Σ wᵢ f(i) / Σ wᵢ` (NumPy's `average`).
fn average(n: usize, w: Option<&[f64]>, total: f64, f: impl Fn(usize) -> f64) -> f64 {
    let s: f64 = match w {
        None => (0..n).map(&f).sum(),
        Some(w) => (0..n).map(|i| w[i] * f(i)).sum(),
    };
    s / total
}

/// The first row where `bad` holds, as a reason.
fn first_bad(values: &[f64], bad: impl Fn(f64) -> bool, what: &str, needs: &str) -> Option<String> {
    values.iter().position(|&v| bad(v)).map(|i| {
        format!(
            "needs {needs}, but the {what} of row {} is {}",
            i + 1,
            values[i]
        )
    })
}

/// Every regression metric of the rows (the ids of [`METRICS`], then the
/// interval's when the rows carry bounds).
pub fn metrics(rows: &RegressionRows) -> MetricSet {
    let (t, p) = (&rows.target[..], &rows.prediction[..]);
    let n = t.len();
    let w = rows.weight.as_deref();
    let mut set = MetricSet::new();
    let total: f64 = w.map_or(n as f64, |w| w.iter().sum());
    if n == 0 || total <= 0.0 {
        let reason = if n == 0 {
            "there are no rows"
        } else {
            "the weights sum to zero"
        };
        let bounded = rows.lower.is_some().then_some(INTERVAL_METRICS);
        for id in METRICS.iter().chain(bounded.iter().flatten()) {
            set.insert(*id, MetricValue::undefined(reason));
        }
        return set;
    }
    let avg = |f: &dyn Fn(usize) -> f64| average(n, w, total, f);
    let err = |i: usize| t[i] - p[i];
    let mae = avg(&|i| err(i).abs());
    let mse = avg(&|i| err(i) * err(i));
    set.insert("mae", MetricValue::defined(mae));
    set.insert("mse", MetricValue::defined(mse));
    set.insert("rmse", MetricValue::defined(mse.sqrt()));

    let mean_t = avg(&|i| t[i]);
    let ss_tot = avg(&|i| (t[i] - mean_t) * (t[i] - mean_t));
    let constant = "the targets are all equal (their variance is 0)";
    let r2 = if n < 2 {
        MetricValue::undefined("R² needs at least two rows")
    } else {
        MetricValue::ratio(mse, ss_tot, constant).map(|r| 1.0 - r)
    };
    set.insert("r2", r2);
    let mean_err = avg(&|i| err(i));
    let var_err = avg(&|i| (err(i) - mean_err) * (err(i) - mean_err));
    set.insert(
        "explained_variance",
        MetricValue::ratio(var_err, ss_tot, constant).map(|r| 1.0 - r),
    );
    let max = (0..n).map(|i| err(i).abs()).fold(0.0, f64::max);
    set.insert("max_error", MetricValue::defined(max));
    // The sorts (medians, ranks, Kendall's merge sort) on both cores.
    let unweighted = w.is_none() && n >= 2;
    let ((median_abs, median_t), (kendall, (pearson_r, spearman_rho))) = rayon::join(
        || {
            let abs: Vec<f64> = (0..n).map(|i| err(i).abs()).collect();
            (weighted_median(&abs, w), weighted_median(t, w))
        },
        || {
            if !unweighted {
                return (None, (None, None));
            }
            rayon::join(|| kendall_tau_b(t, p), || (pearson(t, p), spearman(t, p)))
        },
    );
    set.insert(
        "median_absolute_error",
        MetricValue::from_option(median_abs, "the rows with weight carry none"),
    );
    set.insert(
        "mape",
        MetricValue::defined(avg(&|i| err(i).abs() / t[i].abs().max(f64::EPSILON))),
    );

    let log_bad = first_bad(t, |v| v <= -1.0, "target", "values above -1")
        .or_else(|| first_bad(p, |v| v <= -1.0, "prediction", "values above -1"));
    match log_bad {
        Some(reason) => {
            set.insert("msle", MetricValue::undefined(reason.clone()));
            set.insert("rmsle", MetricValue::undefined(reason));
        }
        None => {
            let msle = avg(&|i| {
                let d = t[i].ln_1p() - p[i].ln_1p();
                d * d
            });
            set.insert("msle", MetricValue::defined(msle));
            set.insert("rmsle", MetricValue::defined(msle.sqrt()));
        }
    }

    let d2 = if n < 2 {
        MetricValue::undefined("D² needs at least two rows")
    } else {
        match median_t {
            None => MetricValue::undefined("the rows with weight carry none"),
            Some(med) => {
                MetricValue::ratio(mae, avg(&|i| (t[i] - med).abs()), constant).map(|r| 1.0 - r)
            }
        }
    };
    set.insert("d2_absolute_error", d2);

    let poisson =
        first_bad(t, |v| v < 0.0, "target", "targets ≥ 0 and predictions > 0").or_else(|| {
            first_bad(
                p,
                |v| v <= 0.0,
                "prediction",
                "targets ≥ 0 and predictions > 0",
            )
        });
    set.insert(
        "mean_poisson_deviance",
        match poisson {
            Some(reason) => MetricValue::undefined(reason),
            None => MetricValue::defined(avg(&|i| {
                let xlogy = if t[i] == 0.0 {
                    0.0
                } else {
                    t[i] * (t[i] / p[i]).ln()
                };
                2.0 * (xlogy - t[i] + p[i])
            })),
        },
    );
    let gamma = first_bad(t, |v| v <= 0.0, "target", "targets and predictions > 0")
        .or_else(|| first_bad(p, |v| v <= 0.0, "prediction", "targets and predictions > 0"));
    set.insert(
        "mean_gamma_deviance",
        match gamma {
            Some(reason) => MetricValue::undefined(reason),
            None => MetricValue::defined(avg(&|i| 2.0 * ((p[i] / t[i]).ln() + t[i] / p[i] - 1.0))),
        },
    );

    let correlations = [
        ("pearson_r", pearson_r),
        ("spearman_rho", spearman_rho),
        ("kendall_tau", kendall),
    ];
    for (id, value) in correlations {
        let value = if w.is_some() {
            MetricValue::undefined(
                "a correlation takes no sample weights (SciPy's has none); evaluate without the weight column for it",
            )
        } else if n < 2 {
            MetricValue::undefined("a correlation needs at least two rows")
        } else {
            MetricValue::from_option(
                value,
                "the targets or the predictions are all equal: the correlation is undefined",
            )
        };
        set.insert(id, value);
    }

    if let (Some((inside, all)), Some(lo), Some(hi)) =
        (coverage(rows), rows.lower.as_deref(), rows.upper.as_deref())
    {
        set.insert("interval_coverage", MetricValue::defined(inside / all));
        set.insert(
            "mean_interval_width",
            MetricValue::defined(avg(&|i| hi[i] - lo[i])),
        );
    }
    set
}

/// The weight of the targets inside their interval (`lower ≤ y ≤ upper`)
/// and of all rows, when the rows carry bounds and weight.
fn coverage(rows: &RegressionRows) -> Option<(f64, f64)> {
    let (lo, hi) = (rows.lower.as_deref()?, rows.upper.as_deref()?);
    let w = |i: usize| rows.weight.as_ref().map_or(1.0, |w| w[i]);
    let (mut inside, mut all) = (0.0, 0.0);
    for i in 0..rows.len() {
        let y = rows.target[i];
        all += w(i);
        if lo[i] <= y && y <= hi[i] {
            inside += w(i);
        }
    }
    (all > 0.0).then_some((inside, all))
}

/// The 50th weighted percentile as scikit-learn's `_weighted_percentile(…,
/// average=True)` takes it (and, with unit weights, NumPy's median): the
/// value where the cumulative weight first reaches half the total, or the
/// mean of it and the next value with weight when it reaches it exactly.
/// `None` when every weight is zero.
pub fn weighted_median(values: &[f64], weights: Option<&[f64]>) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let Some(weights) = weights else {
        // Unit weights: NumPy's median, by selection rather than a sort.
        let mut v: Vec<u64> = values.iter().map(|&x| order_key(x)).collect();
        let (_, &mut hi, _) = v.select_nth_unstable(n / 2);
        let hi = from_order_key(hi);
        if n % 2 == 1 {
            return Some(hi);
        }
        let lo = v[..n / 2].iter().copied().max().map_or(hi, from_order_key);
        return Some((lo + hi) / 2.0);
    };
    let mut order: Vec<(u64, f64)> = values
        .iter()
        .zip(weights)
        .map(|(&v, &w)| (order_key(v), w))
        .collect();
    order.sort_unstable_by_key(|e| e.0);
    let mut cdf = Vec::with_capacity(n);
    let mut acc = 0.0;
    for &(_, w) in &order {
        acc += w;
        cdf.push(acc);
    }
    if acc == 0.0 {
        return None;
    }
    let value = |k: usize| from_order_key(order[k].0);
    let mut target = 0.5 * acc;
    if target == 0.0 {
        target = f64::from_bits(target.to_bits() + 1);
    }
    let idx = cdf.partition_point(|&c| c < target).min(n - 1);
    if cdf[idx] - target > f64::EPSILON {
        return Some(value(idx));
    }
    let mut next = (idx + 1).min(n - 1);
    if order[next].1 == 0.0 {
        // The next value with weight: the first past the equal cumulative weights.
        next = cdf.partition_point(|&c| c <= cdf[idx]);
        if next > n - 1 {
            next = idx;
        }
    }
    Some((value(idx) + value(next)) / 2.0)
}

/// Pearson's r as SciPy's `pearsonr` computes it (centred, scaled by the
/// largest deviation, normalised, clipped to [−1, 1]); `None` for a
/// constant input.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let centred = |v: &[f64]| -> Option<Vec<f64>> {
        let mean = v.iter().sum::<f64>() / n;
        let mut d: Vec<f64> = v.iter().map(|a| a - mean).collect();
        let max = d.iter().fold(0.0f64, |m, a| m.max(a.abs()));
        if max == 0.0 || v.iter().all(|&a| a == v[0]) {
            return None;
        }
        d.iter_mut().for_each(|a| *a /= max);
        let norm = d.iter().map(|a| a * a).sum::<f64>().sqrt();
        d.iter_mut().for_each(|a| *a /= norm);
        Some(d)
    };
    let (dx, dy) = (centred(x)?, centred(y)?);
    let r: f64 = dx.iter().zip(&dy).map(|(a, b)| a * b).sum();
    Some(r.clamp(-1.0, 1.0))
}

/// Ranks from 1, ties given their average rank (SciPy's `rankdata`).
pub fn average_ranks(v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut order: Vec<(u64, u32)> = v
        .iter()
        .enumerate()
        .map(|(i, &x)| (order_key(x), i as u32))
        .collect();
    order.sort_unstable_by_key(|e| e.0);
    let mut ranks = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && order[end].0 == order[start].0 {
            end += 1;
        }
        // Ranks start + 1 ..= end, averaged.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &(_, i) in &order[start..end] {
            ranks[i as usize] = rank;
        }
        start = end;
    }
    ranks
}

/// Spearman's ρ: Pearson's r of the average ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&average_ranks(x), &average_ranks(y))
}

/// Kendall's τ-b as SciPy's `kendalltau` computes it: discordant pairs by
/// a merge sort of the predictions' order once the rows are sorted by
/// (target, prediction) (Knight's algorithm, O(n log n)), ties in either
/// and in both counted; `None` when either input is constant.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    // Sorted by (x, y) through one integer key.
    let mut keys: Vec<u128> = x
        .iter()
        .zip(y)
        .map(|(&a, &b)| (u128::from(order_key(a)) << 64) | u128::from(order_key(b)))
        .collect();
    keys.sort_unstable();
    let pairs = |c: u64| c * c.saturating_sub(1) / 2;
    let tie_pairs = |same: &dyn Fn(usize) -> bool| -> u64 {
        let (mut total, mut run) = (0u64, 1u64);
        for k in 1..n {
            if same(k) {
                run += 1;
            } else {
                total += pairs(run);
                run = 1;
            }
        }
        total + pairs(run)
    };
    let x_ties = tie_pairs(&|k| keys[k - 1] >> 64 == keys[k] >> 64);
    let joint_ties = tie_pairs(&|k| keys[k - 1] == keys[k]);
    let mut ys: Vec<u64> = keys.iter().map(|&k| k as u64).collect();
    drop(keys);
    let discordant = inversions(&mut ys);
    // `ys` is now sorted: ties in y are runs.
    let y_ties = tie_pairs(&|k| ys[k - 1] == ys[k]);
    let all = pairs(n as u64);
    if x_ties == all || y_ties == all {
        return None;
    }
    let concordant_minus_discordant =
        all as f64 - x_ties as f64 - y_ties as f64 + joint_ties as f64 - 2.0 * discordant as f64;
    let tau = concordant_minus_discordant
        / ((all - x_ties) as f64).sqrt()
        / ((all - y_ties) as f64).sqrt();
    Some(tau.clamp(-1.0, 1.0))
}

/// Pairs i < j with v[i] > v[j] (strictly), counted by a bottom-up merge
/// sort that leaves `v` sorted.
fn inversions<T: Copy + PartialOrd>(v: &mut [T]) -> u64 {
    let n = v.len();
    let mut buf = v.to_vec();
    let mut count = 0u64;
    let mut width = 1;
    let (mut src, mut dst): (&mut [T], &mut [T]) = (v, &mut buf);
    let mut in_v = true;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if src[j] < src[i] {
                    count += (mid - i) as u64;
                    dst[k] = src[j];
                    j += 1;
                } else {
                    dst[k] = src[i];
                    i += 1;
                }
                k += 1;
            }
            dst[k..k + (mid - i)].copy_from_slice(&src[i..mid]);
            k += mid - i;
            dst[k..k + (end - j)].copy_from_slice(&src[j..end]);
            start = end;
        }
        std::mem::swap(&mut src, &mut dst);
        in_v = !in_v;
        width *= 2;
    }
    if !in_v {
        dst.copy_from_slice(src);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(t: &[f64], p: &[f64]) -> RegressionRows {
        RegressionRows {
            target: t.to_vec(),
            prediction: p.to_vec(),
            ..Default::default()
        }
    }

    fn value(set: &MetricSet, id: &str) -> Option<f64> {
        set.get(id).and_then(|m| m.value)
    }

    #[test]
    fn inversions_count_strict_pairs_and_sort() {
        let mut v = vec![3.0, 1.0, 2.0, 2.0, 0.0];
        // (3,1) (3,2) (3,2) (3,0) (1,0) (2,0) (2,0)
        assert_eq!(inversions(&mut v), 7);
        assert_eq!(v, [0.0, 1.0, 2.0, 2.0, 3.0]);
        let mut w: Vec<f64> = (0..37).rev().map(f64::from).collect();
        assert_eq!(inversions(&mut w), 37 * 36 / 2);
    }

    #[test]
    fn kendall_tau_b_with_ties_is_scipys() {
        // scipy.stats.kendalltau([1, 2, 2, 3, 4], [1, 3, 2, 2, 5]).statistic
        let tau = kendall_tau_b(&[1.0, 2.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 2.0, 5.0]);
        assert!((tau.unwrap() - 2.0 / 3.0).abs() < 1e-12, "{tau:?}");
        assert_eq!(kendall_tau_b(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn the_median_averages_at_an_exact_half() {
        assert_eq!(weighted_median(&[4.0, 1.0, 3.0, 2.0], None), Some(2.5));
        assert_eq!(weighted_median(&[4.0, 1.0, 3.0], None), Some(3.0));
        // Weights 1, 1, 0, 2 over 1, 2, 3, 4: half (2) reached at 2 exactly;
        // the next value with weight is 4.
        assert_eq!(
            weighted_median(&[1.0, 2.0, 3.0, 4.0], Some(&[1.0, 1.0, 0.0, 2.0])),
            Some(3.0)
        );
        assert_eq!(weighted_median(&[1.0], Some(&[0.0])), None);
    }

    #[test]
    fn no_rows_still_name_every_metric() {
        let inputs = RegressionInputs {
            weight: false,
            bounds: true,
        };
        let set = metrics(&RegressionRows::empty(inputs));
        let ids: Vec<&str> = set.iter().map(|(id, _)| id).collect();
        let want: Vec<&str> = METRICS.iter().chain(&INTERVAL_METRICS).copied().collect();
        assert_eq!(ids, want);
        assert!(
            set.iter()
                .all(|(_, m)| m.value.is_none() && m.reason.is_some())
        );
    }

    #[test]
    fn undefined_values_say_why() {
        let set = metrics(&rows(&[2.0, 2.0, 2.0], &[1.0, 2.0, -1.5]));
        assert_eq!(value(&set, "mae"), Some(1.5));
        assert!(
            set.get("r2")
                .unwrap()
                .reason
                .as_ref()
                .unwrap()
                .contains("all equal")
        );
        let msle = set.get("msle").unwrap().reason.clone().unwrap();
        assert!(msle.contains("row 3") && msle.contains("-1.5"), "{msle}");
        assert_eq!(value(&set, "max_error"), Some(3.5));
        assert_eq!(value(&set, "kendall_tau"), None);
    }

    #[test]
    fn split_update_merge_is_one_pass() {
        let t: Vec<f64> = (0..50).map(|i| f64::from(i % 7) * 1.5).collect();
        let p: Vec<f64> = (0..50).map(|i| f64::from(i % 5) + 0.25).collect();
        let batch = |a: usize, b: usize| RegressionBatch {
            target: &t[a..b],
            prediction: &p[a..b],
            weight: None,
            lower: None,
            upper: None,
        };
        let inputs = RegressionInputs::default();
        let mut one = RegressionState::new(RegressionConfig::default(), inputs).unwrap();
        one.update(&batch(0, 50)).unwrap();
        let mut left = RegressionState::new(RegressionConfig::default(), inputs).unwrap();
        let mut right = left.clone();
        left.update(&batch(0, 17)).unwrap();
        right.update(&batch(17, 50)).unwrap();
        left.merge(right).unwrap();
        assert_eq!(left.compute(), one.compute());
    }

    #[test]
    fn bad_rows_are_refused_whole() {
        let inputs = RegressionInputs {
            weight: false,
            bounds: true,
        };
        let mut s = RegressionState::new(RegressionConfig::default(), inputs).unwrap();
        let e = s
            .update(&RegressionBatch {
                target: &[1.0, 2.0],
                prediction: &[1.0, 2.0],
                weight: None,
                lower: Some(&[0.0, 3.0]),
                upper: Some(&[2.0, 2.5]),
            })
            .unwrap_err();
        assert_eq!(e.row(), Some(1));
        assert!(s.rows().is_empty());
    }
}
