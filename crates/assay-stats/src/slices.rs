//! Testing slices against the rest: two-proportion z-tests, DeLong for two
//! independent AUCs, the power to see a difference, and multiple-comparison
//! control (Holm, Benjamini–Hochberg) across every slice × metric test.

use serde::Serialize;

use crate::{normal_cdf, normal_quantile};

/// Two-sided pooled two-proportion z-test of x1/n1 against x2/n2, as
/// statsmodels' `proportions_ztest`. `None` when a side is empty or the pooled
/// rate is 0 or 1.
pub fn two_proportion_test(x1: f64, n1: f64, x2: f64, n2: f64) -> Option<(f64, f64)> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 || !se.is_finite() {
        return None;
    }
    let z = (x1 / n1 - x2 / n2) / se;
    Some((z, 2.0 * (1.0 - normal_cdf(z.abs()))))
}

/// Two-sided z-test for two independent AUCs with DeLong variances.
pub fn independent_auc_test(auc1: f64, var1: f64, auc2: f64, var2: f64) -> Option<(f64, f64)> {
    let se = (var1 + var2).sqrt();
    if se == 0.0 || !se.is_finite() {
        return None;
    }
    let z = (auc1 - auc2) / se;
    Some((z, 2.0 * (1.0 - normal_cdf(z.abs()))))
}

/// Power of the two-sided two-proportion test at level `alpha` to detect a
/// difference `delta` around the rate `p` with n1 and n2 items, as
/// statsmodels' `NormalIndPower` with effect size `delta / sqrt(p (1 − p))`.
pub fn power_two_proportions(p: f64, n1: f64, n2: f64, delta: f64, alpha: f64) -> f64 {
    let sd = (p * (1.0 - p)).sqrt();
    if sd == 0.0 || n1 <= 0.0 || n2 <= 0.0 {
        return 0.0;
    }
    let d = delta.abs() / sd;
    let shift = d * (n1 * n2 / (n1 + n2)).sqrt();
    let z = normal_quantile(1.0 - alpha / 2.0);
    normal_cdf(shift - z) + normal_cdf(-shift - z)
}

/// A sample's mean, variance (n − 1 denominator) and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// The mean.
    pub mean: f64,
    /// The unbiased variance.
    pub variance: f64,
    /// The number of values.
    pub n: f64,
}

impl Moments {
    /// From the count, sum and sum of squares of the values; `None` for
    /// fewer than two.
    pub fn from_sums(n: f64, sum: f64, sum_sq: f64) -> Option<Self> {
        if n < 2.0 {
            return None;
        }
        let mean = sum / n;
        let variance = ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0);
        Some(Self { mean, variance, n })
    }
}

/// Welch's two-sided t-test of two means with unequal variances, as
/// `scipy.stats.ttest_ind(…, equal_var=False)`: the statistic and p-value
/// (Student's t with the Welch–Satterthwaite degrees of freedom). `None`
/// when both variances are zero.
pub fn welch_test(a: Moments, b: Moments) -> Option<(f64, f64)> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let (va, vb) = (a.variance / a.n, b.variance / b.n);
    let se = (va + vb).sqrt();
    if se == 0.0 || !se.is_finite() {
        return None;
    }
    let t = (a.mean - b.mean) / se;
    let df = (va + vb).powi(2) / (va * va / (a.n - 1.0) + vb * vb / (b.n - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((t, 2.0 * dist.sf(t.abs())))
}

/// Power of the two-sided test of two means at level `alpha` to detect a
/// difference `delta`, normal approximation with each side's own variance.
pub fn power_two_means(a: Moments, b: Moments, delta: f64, alpha: f64) -> f64 {
    let se = (a.variance / a.n + b.variance / b.n).sqrt();
    if se == 0.0 || !se.is_finite() {
        return 0.0;
    }
    let shift = delta.abs() / se;
    let z = normal_quantile(1.0 - alpha / 2.0);
    normal_cdf(shift - z) + normal_cdf(-shift - z)
}

/// A multiple-comparison procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// Holm's step-down: family-wise error
    Holm,
    /// Benjamini–Hochberg: false discovery rate (`bh` in plans and on the command line)
    #[serde(
        rename(serialize = "benjamini-hochberg", deserialize = "bh"),
        alias = "benjamini-hochberg"
    )]
    #[cfg_attr(feature = "clap", value(name = "bh"))]
    BenjaminiHochberg,
}

/// Adjusted p-values, as statsmodels' `multipletests` (`holm`, `fdr_bh`).
pub fn adjust(p: &[f64], correction: Correction) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    match correction {
        Correction::Holm => {
            let mut running: f64 = 0.0;
            for (rank, &i) in order.iter().enumerate() {
                running = running.max(((m - rank) as f64 * p[i]).min(1.0));
                adjusted[i] = running;
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running: f64 = 1.0;
            for (rank, &i) in order.iter().enumerate().rev() {
                running = running.min((m as f64 / (rank + 1) as f64 * p[i]).min(1.0));
                adjusted[i] = running;
            }
        }
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_and_bh_on_a_small_example() {
        let p = [0.01, 0.04, 0.03, 0.2];
        let holm = adjust(&p, Correction::Holm);
        assert_eq!(holm, vec![0.04, 0.09, 0.09, 0.2]);
        let bh = adjust(&p, Correction::BenjaminiHochberg);
        let expected = [0.04, 0.05333333333333334, 0.05333333333333334, 0.2];
        for (a, b) in bh.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
