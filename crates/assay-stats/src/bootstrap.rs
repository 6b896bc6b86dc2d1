//! The bootstrap: replicates, and percentile and BCa intervals from them,
//! exactly as `scipy.stats.bootstrap` turns replicates into an interval
//! (linear-interpolation quantiles; BCa with the "mean" percentile of the
//! observed statistic and the jackknife acceleration).
//!
//! For a statistic of a table of counts (a confusion matrix), resampling rows
//! with replacement is resampling the cells multinomially, so a replicate
//! costs one multinomial draw, not a pass over the rows
//! ([`multinomial_replicates`]).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

use crate::{Interval, normal_cdf, normal_quantile};

/// A metric computed from a table of counts; `None` where it is undefined.
pub type CountStatistic<'a> = dyn Fn(&[u64]) -> Option<f64> + Sync + 'a;

/// Row bootstraps draw from `seed ^ ROW_STREAM`, a stream family apart from
/// the cell bootstraps' so the two never share draws.
pub const ROW_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// Which bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Percentiles of the replicates
    Percentile,
    /// Bias-corrected and accelerated (row bootstraps: acceleration from a grouped jackknife of 100 groups)
    Bca,
}

/// The p-quantile of sorted values with linear interpolation (numpy's and
/// `scipy.stats.quantile`'s default, Hyndman–Fan type 7).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile interval from replicates (sorted in place). `None` without replicates.
pub fn percentile(replicates: &mut [f64], level: f64) -> Option<Interval> {
    if replicates.is_empty() {
        return None;
    }
    replicates.sort_unstable_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    Some(Interval {
        low: quantile_sorted(replicates, alpha),
        high: quantile_sorted(replicates, 1.0 - alpha),
        level,
        method: assay_metrics::value::IntervalMethod::BootstrapPercentile,
    })
}

/// BCa interval from the observed statistic, the replicates (sorted in place)
/// and the jackknife values as (value, multiplicity) pairs. `None` when the
/// correction is undefined (every replicate on one side of the estimate, or
/// a jackknife with no spread).
pub fn bca(
    estimate: f64,
    replicates: &mut [f64],
    jackknife: &[(f64, f64)],
    level: f64,
) -> Option<Interval> {
    if replicates.is_empty() {
        return None;
    }
    replicates.sort_unstable_by(f64::total_cmp);
    let b = replicates.len() as f64;
    let below = replicates.partition_point(|r| *r < estimate) as f64;
    let at_or_below = replicates.partition_point(|r| *r <= estimate) as f64;
    let z0 = normal_quantile((below + at_or_below) / (2.0 * b));
    let n: f64 = jackknife.iter().map(|(_, c)| c).sum();
    let mean = jackknife.iter().map(|(v, c)| v * c).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for &(v, c) in jackknife {
        let u = (n - 1.0) * (mean - v);
        num += c * u * u * u;
        den += c * u * u;
    }
    let a = (num / (n * n * n)) / (6.0 * (den / (n * n)).powf(1.5));
    let alpha = (1.0 - level) / 2.0;
    let z_alpha = normal_quantile(alpha);
    let adjust = |z: f64| {
        let num = z0 + z;
        normal_cdf(z0 + num / (1.0 - a * num))
    };
    let (p_low, p_high) = (adjust(z_alpha), adjust(-z_alpha));
    if !(p_low.is_finite() && p_high.is_finite()) {
        return None;
    }
    Some(Interval {
        low: quantile_sorted(replicates, p_low),
        high: quantile_sorted(replicates, p_high),
        level,
        method: assay_metrics::value::IntervalMethod::BootstrapBca,
    })
}

/// The random stream of replicate `r` under `seed`: independent of how
/// replicates are spread over threads.
pub fn replicate_rng(seed: u64, replicate: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replicate);
    rng
}

/// Draw a multinomial resample of `counts` (same total) into `out`.
pub fn multinomial(counts: &[u64], rng: &mut ChaCha8Rng, out: &mut [u64]) {
    let total: u64 = counts.iter().sum();
    let mut remaining_n = total;
    let mut remaining_mass = total as f64;
    for (i, &c) in counts.iter().enumerate() {
        if remaining_n == 0 || c == 0 {
            out[i] = 0;
            continue;
        }
        if i + 1 == counts.len() || c as f64 >= remaining_mass {
            out[i] = remaining_n;
            remaining_n = 0;
            continue;
        }
        let p = (c as f64 / remaining_mass).clamp(0.0, 1.0);
        let draw = Binomial::new(remaining_n, p).map_or(0, |b| b.sample(rng));
        out[i] = draw;
        remaining_n -= draw;
        remaining_mass -= c as f64;
    }
}

/// Poisson(1) by inversion of its distribution function.
pub fn poisson_one(u: f64) -> u32 {
    let mut k = 0u32;
    let mut p = (-1.0f64).exp();
    let mut cdf = p;
    while u > cdf && k < 30 {
        k += 1;
        p /= f64::from(k);
        cdf += p;
    }
    k
}

/// Poisson(1) row weights of one row-bootstrap replicate: `n` draws from the
/// replicate's own stream (`seed ^ ROW_STREAM`).
pub fn poisson_weights(seed: u64, replicate: u64, n: usize) -> Vec<f64> {
    use rand::RngExt;
    let mut rng = replicate_rng(seed ^ ROW_STREAM, replicate);
    (0..n)
        .map(|_| f64::from(poisson_one(rng.random::<f64>())))
        .collect()
}

/// Groups of the grouped jackknife that estimates BCa's acceleration for
/// row bootstraps (a full jackknife would cost one pass per row).
pub const JACKKNIFE_GROUPS: usize = 100;

/// Row weights that leave out jackknife group `group` of `groups`: rows
/// `i` with `i % groups == group` weigh 0, the others 1.
pub fn group_weights(n: usize, groups: usize, group: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % groups == group { 0.0 } else { 1.0 })
        .collect()
}

/// A multinomial resample within each of `strata` equal, contiguous groups of
/// cells (each group's total kept): with the cells of a confusion matrix laid
/// out by true class, this is the bootstrap stratified by class. One stratum
/// is the plain multinomial.
pub fn stratified_multinomial(
    counts: &[u64],
    strata: usize,
    rng: &mut ChaCha8Rng,
    out: &mut [u64],
) {
    let strata = strata.max(1);
    if strata == 1 || !counts.len().is_multiple_of(strata) {
        multinomial(counts, rng, out);
        return;
    }
    let width = counts.len() / strata;
    for (c, o) in counts.chunks(width).zip(out.chunks_mut(width)) {
        multinomial(c, rng, o);
    }
}

/// `replicates` bootstrap values of `statistic` over multinomial resamples of
/// `counts`; replicates where the statistic is undefined are left out.
pub fn multinomial_replicates(
    counts: &[u64],
    strata: usize,
    replicates: usize,
    seed: u64,
    statistic: &CountStatistic<'_>,
) -> Vec<f64> {
    replicate_tables(counts, strata, replicates, seed, statistic)
        .into_iter()
        .flatten()
        .collect()
}

/// Like [`multinomial_replicates`] for a statistic with several values per
/// table (all the metrics of one confusion matrix at once).
pub fn multinomial_replicates_multi(
    counts: &[u64],
    strata: usize,
    replicates: usize,
    seed: u64,
    statistic: &(dyn Fn(&[u64]) -> Vec<Option<f64>> + Sync),
) -> Vec<Vec<Option<f64>>> {
    replicate_tables(counts, strata, replicates, seed, statistic)
}

/// `statistic` of every replicate table drawn from `counts`. Each
/// replicate has its own stream and the collect keeps index order, so the
/// values do not depend on the thread count.
fn replicate_tables<T: Send>(
    counts: &[u64],
    strata: usize,
    replicates: usize,
    seed: u64,
    statistic: &(dyn Fn(&[u64]) -> T + Sync),
) -> Vec<T> {
    (0..replicates)
        .into_par_iter()
        .map_init(
            || vec![0; counts.len()],
            |out, r| {
                let mut rng = replicate_rng(seed, r as u64);
                stratified_multinomial(counts, strata, &mut rng, out);
                statistic(out)
            },
        )
        .collect()
}

/// Like [`jackknife_counts`] for a statistic with several values: one
/// (values, multiplicity) pair per non-empty cell.
pub fn jackknife_counts_multi(
    counts: &[u64],
    statistic: &(dyn Fn(&[u64]) -> Vec<Option<f64>> + Sync),
) -> Vec<(Vec<Option<f64>>, f64)> {
    leave_one_out(counts, statistic)
}

/// `statistic` of the counts with one item of each non-empty cell left
/// out, with that cell's count (the values' weight).
fn leave_one_out<T>(counts: &[u64], statistic: &dyn Fn(&[u64]) -> T) -> Vec<(T, f64)> {
    let mut out = Vec::new();
    let mut work = counts.to_vec();
    for i in 0..counts.len() {
        if counts[i] == 0 {
            continue;
        }
        work[i] -= 1;
        out.push((statistic(&work), counts[i] as f64));
        work[i] += 1;
    }
    out
}

/// Jackknife values of a statistic of counts: leaving out one item of cell
/// `i` gives the same value for every item of that cell.
pub fn jackknife_counts(
    counts: &[u64],
    statistic: &dyn Fn(&[u64]) -> Option<f64>,
) -> Option<Vec<(f64, f64)>> {
    leave_one_out(counts, statistic)
        .into_iter()
        .map(|(v, w)| Some((v?, w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn multinomial_keeps_the_total() {
        let counts = [5, 0, 90, 5];
        let mut rng = replicate_rng(1, 0);
        let mut out = [0; 4];
        for _ in 0..100 {
            multinomial(&counts, &mut rng, &mut out);
            assert_eq!(out.iter().sum::<u64>(), 100);
            assert_eq!(out[1], 0);
        }
    }

    #[test]
    fn poisson_one_has_mean_one() {
        let n = 100_000;
        let mut rng = replicate_rng(3, 0);
        let total: u64 = (0..n)
            .map(|_| u64::from(poisson_one(rng.random::<f64>())))
            .sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
    }

    #[test]
    fn stratified_resampling_keeps_each_class_total() {
        let counts = [30, 5, 2, 13]; // [tn, fp | fn, tp]
        let mut rng = replicate_rng(2, 0);
        let mut out = [0; 4];
        for _ in 0..200 {
            stratified_multinomial(&counts, 2, &mut rng, &mut out);
            assert_eq!(out[0] + out[1], 35);
            assert_eq!(out[2] + out[3], 15);
        }
    }

    #[test]
    fn replicates_do_not_depend_on_threads() {
        let counts = [40, 10, 5, 45];
        let stat = |c: &[u64]| Some(c[0] as f64 / c.iter().sum::<u64>() as f64);
        let a = multinomial_replicates(&counts, 1, 500, 7, &stat);
        let b: Vec<f64> = (0..500)
            .map(|r| {
                let mut rng = replicate_rng(7, r);
                let mut out = [0; 4];
                multinomial(&counts, &mut rng, &mut out);
                stat(&out).unwrap()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        let v = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert_eq!(quantile_sorted(&v, 0.25), 1.75);
    }

    /// The grouped jackknife (100 groups) gives BCa nearly the interval the
    /// full jackknife (one value per row) gives, on a skewed statistic where
    /// BCa and percentile differ.
    #[test]
    fn grouped_jackknife_acceleration_matches_the_full_one() {
        let n = 600;
        let mut rng = replicate_rng(5, 0);
        // Log-normal data: the mean's bootstrap distribution is skewed.
        let x: Vec<f64> = (0..n)
            .map(|_| {
                let z: f64 =
                    rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng);
                (1.2 * z).exp()
            })
            .collect();
        let mean = |w: &[f64]| {
            let total: f64 = w.iter().sum();
            x.iter().zip(w).map(|(x, w)| x * w).sum::<f64>() / total
        };
        let estimate = mean(&vec![1.0; n]);
        let mut reps: Vec<f64> = (0..4000).map(|r| mean(&poisson_weights(9, r, n))).collect();
        let full: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let mut w = vec![1.0; n];
                w[i] = 0.0;
                (mean(&w), 1.0)
            })
            .collect();
        let grouped: Vec<(f64, f64)> = (0..JACKKNIFE_GROUPS)
            .map(|g| (mean(&group_weights(n, JACKKNIFE_GROUPS, g)), 1.0))
            .collect();
        let a = bca(estimate, &mut reps.clone(), &full, 0.95).unwrap();
        let b = bca(estimate, &mut reps.clone(), &grouped, 0.95).unwrap();
        let p = percentile(&mut reps, 0.95).unwrap();
        let width = a.high - a.low;
        assert!((a.low - b.low).abs() < 0.03 * width, "{a:?} vs {b:?}");
        assert!((a.high - b.high).abs() < 0.03 * width, "{a:?} vs {b:?}");
        // BCa moves the interval towards the long tail, more than the
        // grouped-versus-full difference.
        assert!(a.high - p.high > 0.05 * width, "{a:?} vs percentile {p:?}");
    }
}
