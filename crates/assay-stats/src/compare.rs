//! Paired comparison of two models on the same items: McNemar's test on
//! the paired correctness, DeLong's test for two correlated AUCs, and the
//! paired bootstrap for the difference of any confusion-matrix metric.

use serde::Serialize;
use statrs::distribution::{Binomial, Discrete, DiscreteCDF};

use crate::{normal_cdf, normal_quantile};
use assay_metrics::value::Interval;

/// McNemar's test from the discordant pairs.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct McNemar {
    /// Items the candidate gets right and the baseline wrong.
    pub candidate_only: u64,
    /// Items the baseline gets right and the candidate wrong.
    pub baseline_only: u64,
    /// Exact two-sided p-value (binomial, as statsmodels' `mcnemar(exact=True)`).
    pub p_exact: f64,
    /// Mid-p value: the exact p-value less the probability of the observed table.
    pub p_mid: f64,
}

/// McNemar's exact and mid-p tests.
pub fn mcnemar(candidate_only: u64, baseline_only: u64) -> McNemar {
    let n = candidate_only + baseline_only;
    let k = candidate_only.min(baseline_only);
    let (p_exact, p_mid) = if n == 0 {
        (1.0, 1.0)
    } else {
        let b = Binomial::new(0.5, n).expect("p = 0.5 and n > 0 are valid");
        // Fagerland, Lydersen & Laake (2013): mid-p = 2·P(X ≤ k) − P(X = k).
        let exact = (2.0 * b.cdf(k)).min(1.0);
        let mid = (2.0 * b.cdf(k) - b.pmf(k)).min(1.0);
        (exact, mid)
    };
    McNemar {
        candidate_only,
        baseline_only,
        p_exact,
        p_mid,
    }
}

/// DeLong's test for the difference of two correlated AUCs.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DeLongPaired {
    /// AUC of the candidate.
    pub auc_candidate: f64,
    /// AUC of the baseline.
    pub auc_baseline: f64,
    /// candidate − baseline.
    pub difference: f64,
    /// Standard error of the difference.
    pub standard_error: f64,
    /// z statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Interval for the difference.
    pub interval: Interval,
}

/// Placement values of one model: for each positive, the share of negatives
/// it outranks; for each negative, the share of positives that outrank it
/// (ties one half). Items keep their order.
fn placements(scores: &[f64], positive: &[bool]) -> (Vec<f64>, Vec<f64>) {
    let mut pos: Vec<f64> = scores
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(s, _)| *s)
        .collect();
    let mut neg: Vec<f64> = scores
        .iter()
        .zip(positive)
        .filter(|(_, p)| !**p)
        .map(|(s, _)| *s)
        .collect();
    pos.sort_by(f64::total_cmp);
    neg.sort_by(f64::total_cmp);
    let count = |sorted: &[f64], s: f64| {
        let below = sorted.partition_point(|x| *x < s);
        let at_or_below = sorted.partition_point(|x| *x <= s);
        (below, at_or_below - below)
    };
    let (m, n) = (pos.len() as f64, neg.len() as f64);
    let mut v10 = Vec::new();
    let mut v01 = Vec::new();
    for (&s, &p) in scores.iter().zip(positive) {
        if p {
            let (below, ties) = count(&neg, s);
            v10.push((below as f64 + 0.5 * ties as f64) / n);
        } else {
            let (below, ties) = count(&pos, s);
            let above = pos.len() - below - ties;
            v01.push((above as f64 + 0.5 * ties as f64) / m);
        }
    }
    (v10, v01)
}

fn covariance(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (n - 1.0)
}

/// DeLong's paired test. `None` unless both classes have at least two items.
pub fn delong_paired(
    candidate: &[f64],
    baseline: &[f64],
    positive: &[bool],
    level: f64,
) -> Option<DeLongPaired> {
    let m = positive.iter().filter(|p| **p).count();
    let n = positive.len() - m;
    if m < 2 || n < 2 {
        return None;
    }
    let (c10, c01) = placements(candidate, positive);
    let (b10, b01) = placements(baseline, positive);
    let auc_c = c10.iter().sum::<f64>() / m as f64;
    let auc_b = b10.iter().sum::<f64>() / m as f64;
    let var = (covariance(&c10, &c10) + covariance(&b10, &b10) - 2.0 * covariance(&c10, &b10))
        / m as f64
        + (covariance(&c01, &c01) + covariance(&b01, &b01) - 2.0 * covariance(&c01, &b01))
            / n as f64;
    let se = var.max(0.0).sqrt();
    let difference = auc_c - auc_b;
    let (z, p_value) = if se > 0.0 {
        let z = difference / se;
        (z, 2.0 * (1.0 - normal_cdf(z.abs())))
    } else {
        (0.0, if difference == 0.0 { 1.0 } else { 0.0 })
    };
    let half = normal_quantile(1.0 - (1.0 - level) / 2.0) * se;
    Some(DeLongPaired {
        auc_candidate: auc_c,
        auc_baseline: auc_b,
        difference,
        standard_error: se,
        z,
        p_value,
        interval: Interval {
            low: difference - half,
            high: difference + half,
            level,
            method: assay_metrics::value::IntervalMethod::Delong,
        },
    })
}

/// The conclusion about candidate − baseline (higher is better) against a
/// non-inferiority margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conclusion {
    /// The whole interval is above zero.
    Superior,
    /// The interval is above −margin but reaches zero.
    NonInferior,
    /// The whole interval is below −margin.
    Inferior,
    /// The interval straddles −margin.
    Inconclusive,
}

/// What a comparison with a baseline must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Hypothesis {
    /// The candidate is not worse than the baseline by more than the margin
    NonInferiority,
    /// The candidate is better than the baseline
    Superiority,
}

impl Hypothesis {
    /// Whether `conclusion` shows what the hypothesis asks.
    pub fn shown_by(self, conclusion: Conclusion) -> bool {
        match self {
            Hypothesis::Superiority => conclusion == Conclusion::Superior,
            Hypothesis::NonInferiority => {
                matches!(conclusion, Conclusion::Superior | Conclusion::NonInferior)
            }
        }
    }
}

/// Conclude from an interval of candidate − baseline, where higher is better.
pub fn conclude(interval: &Interval, margin: f64) -> Conclusion {
    if interval.low > 0.0 {
        Conclusion::Superior
    } else if interval.low > -margin {
        Conclusion::NonInferior
    } else if interval.high < -margin {
        Conclusion::Inferior
    } else {
        Conclusion::Inconclusive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcnemar_symmetric_table_is_not_significant() {
        let t = mcnemar(5, 5);
        assert_eq!(t.p_exact, 1.0);
        assert!((t.p_mid - 1.0).abs() < 1e-12);
        assert!(mcnemar(20, 2).p_exact < 0.001);
    }

    #[test]
    fn identical_models_do_not_differ() {
        let s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9];
        let y = [false, false, true, true, false, true];
        let d = delong_paired(&s, &s, &y, 0.95).unwrap();
        assert_eq!(d.difference, 0.0);
        assert_eq!(d.p_value, 1.0);
    }
}
