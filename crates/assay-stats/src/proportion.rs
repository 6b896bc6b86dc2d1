//! Intervals for a binomial proportion `x / n`, as statsmodels'
//! `proportion_confint` computes them (`method="wilson"` and `"beta"`).

use statrs::distribution::{Beta, ContinuousCDF};

use crate::{Interval, normal_quantile};

/// Wilson score interval. `None` when `n` is zero.
pub fn wilson(x: f64, n: f64, level: f64) -> Option<Interval> {
    if n <= 0.0 {
        return None;
    }
    let z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    let z2 = z * z;
    let p = x / n;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    // At 0 of n (n of n) the bound is 0 (1) exactly, not a rounding away.
    Some(Interval {
        low: if x <= 0.0 {
            0.0
        } else {
            (center - half).max(0.0)
        },
        high: if x >= n {
            1.0
        } else {
            (center + half).min(1.0)
        },
        level,
        method: assay_metrics::value::IntervalMethod::Wilson,
    })
}

/// Clopper–Pearson ("exact") interval from beta quantiles. `None` when `n` is zero.
pub fn clopper_pearson(x: f64, n: f64, level: f64) -> Option<Interval> {
    if n <= 0.0 {
        return None;
    }
    let alpha = 1.0 - level;
    let low = if x <= 0.0 {
        0.0
    } else {
        Beta::new(x, n - x + 1.0).map_or(0.0, |b| b.inverse_cdf(alpha / 2.0))
    };
    let high = if x >= n {
        1.0
    } else {
        Beta::new(x + 1.0, n - x).map_or(1.0, |b| b.inverse_cdf(1.0 - alpha / 2.0))
    };
    Some(Interval {
        low,
        high,
        level,
        method: assay_metrics::value::IntervalMethod::ClopperPearson,
    })
}

/// The maximum calibration error's interval from its bins: each bin's
/// observed frequency gets the Wilson interval at the Bonferroni level
/// (1 − (1 − level) / bins with items), and the MCE's bounds are the
/// smallest and the largest "largest gap between a bin's mean confidence
/// and its frequency" those intervals allow together. Conservative, holds
/// the estimate, and never a point where a bin's frequency is uncertain —
/// which a bootstrap of a maximum does not give (its replicates are biased
/// below, its upper bound often equal to the estimate). Unweighted bins
/// only (`weight` is the item count); `None` without items.
pub fn mce_interval(
    bins: &[assay_metrics::calibration::CalibrationBin],
    level: f64,
) -> Option<Interval> {
    let filled: Vec<_> = bins.iter().filter(|b| b.weight > 0.0).collect();
    if filled.is_empty() {
        return None;
    }
    let each = 1.0 - (1.0 - level) / filled.len() as f64;
    let (mut low, mut high) = (0.0f64, 0.0f64);
    for b in filled {
        let ci = wilson(b.observed * b.weight, b.weight, each)?;
        let c = b.mean_confidence;
        let nearest = if c < ci.low {
            ci.low - c
        } else if c > ci.high {
            c - ci.high
        } else {
            0.0
        };
        let farthest = (c - ci.low).abs().max((ci.high - c).abs());
        low = low.max(nearest);
        high = high.max(farthest);
    }
    Some(Interval {
        low,
        high,
        level,
        method: assay_metrics::value::IntervalMethod::WilsonBonferroni,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_touch_the_bounds() {
        let all = clopper_pearson(10.0, 10.0, 0.95).unwrap();
        assert_eq!(all.high, 1.0);
        let none = clopper_pearson(0.0, 10.0, 0.95).unwrap();
        assert_eq!(none.low, 0.0);
        assert!(wilson(0.0, 0.0, 0.95).is_none());
    }
}
