//! A pointwise confidence band for the ROC curve: the true-positive rate at
//! fixed false-positive rates, with percentile intervals from a bootstrap
//! stratified by class (the class sizes kept, as pROC's `ci.se` does).
//!
//! The data come in as the tie groups of the scores, from the highest score
//! down; each replicate is a multinomial resample of the group counts within
//! each class, so a replicate costs O(groups), not O(rows). Past
//! [`MAX_GROUPS`] distinct scores, neighbouring groups (in score order) are
//! pooled into that many, which moves the curve by at most one pooled group's
//! share of either class (1/2000 of the class for even pools): the band is a
//! picture, the metrics keep every group.

use rayon::prelude::*;
use serde::Serialize;

use crate::binary::IntervalSettings;
use crate::bootstrap::{self, replicate_rng, stratified_multinomial};

/// Most groups a replicate walks through.
pub const MAX_GROUPS: usize = 2000;
/// The band's stream family, apart from the other bootstraps of the same seed.
const BAND_STREAM: u64 = 0xB5AD_4ECE_DA1C_E2A9;

/// The band: at each false-positive rate of `fpr`, the interval of the
/// true-positive rate.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RocBand {
    /// Fixed false-positive rates, 0 to 1.
    pub fpr: Vec<f64>,
    /// The curve's true-positive rate at each of them.
    pub tpr: Vec<f64>,
    /// Lower bound of the true-positive rate.
    pub lower: Vec<f64>,
    /// Upper bound.
    pub upper: Vec<f64>,
    /// Confidence level of each interval (pointwise, not simultaneous).
    pub level: f64,
    /// How: `bootstrap-percentile-stratified`.
    pub method: assay_metrics::value::IntervalMethod,
    /// Replicates drawn.
    pub replicates: usize,
}

/// The band over `points` equally spaced false-positive rates (0 and 1
/// included) from tie groups `(positives, negatives)` in descending score
/// order. None without both classes.
pub fn roc_band(
    groups: &[(u64, u64)],
    settings: &IntervalSettings,
    points: usize,
) -> Option<RocBand> {
    let groups = pool(groups, MAX_GROUPS);
    let g = groups.len();
    // Counts laid out as [positives of each group, negatives of each group]:
    // two equal strata, so the resample keeps each class's size.
    let counts: Vec<u64> = groups
        .iter()
        .map(|&(p, _)| p)
        .chain(groups.iter().map(|&(_, n)| n))
        .collect();
    let positives: u64 = counts[..g].iter().sum();
    let negatives: u64 = counts[g..].iter().sum();
    if positives == 0 || negatives == 0 || points < 2 {
        return None;
    }
    let grid: Vec<f64> = (0..points)
        .map(|i| i as f64 / (points - 1) as f64)
        .collect();
    let curve = tpr_at(&counts, g, &grid);
    let seed = settings.seed ^ BAND_STREAM;
    let replicates: Vec<Vec<f64>> = (0..settings.replicates)
        .into_par_iter()
        .map_init(
            || vec![0; counts.len()],
            |out, r| {
                let mut rng = replicate_rng(seed, r as u64);
                stratified_multinomial(&counts, 2, &mut rng, out);
                tpr_at(out, g, &grid)
            },
        )
        .collect();
    let mut lower = Vec::with_capacity(points);
    let mut upper = Vec::with_capacity(points);
    let mut column = Vec::with_capacity(replicates.len());
    for i in 0..points {
        column.clear();
        column.extend(replicates.iter().map(|r| r[i]));
        let ci = bootstrap::percentile(&mut column, settings.level)?;
        lower.push(ci.low);
        upper.push(ci.high);
    }
    Some(RocBand {
        fpr: grid,
        tpr: curve,
        lower,
        upper,
        level: settings.level,
        method: assay_metrics::value::IntervalMethod::BootstrapPercentileStratified,
        replicates: settings.replicates,
    })
}

/// Pool neighbouring groups so that at most `max` remain, each holding about
/// an equal share of the rows.
fn pool(groups: &[(u64, u64)], max: usize) -> Vec<(u64, u64)> {
    if groups.len() <= max {
        return groups.to_vec();
    }
    let total: u64 = groups.iter().map(|&(p, n)| p + n).sum();
    let mut out = Vec::with_capacity(max);
    let (mut acc, mut seen) = ((0u64, 0u64), 0u64);
    for &(p, n) in groups {
        acc.0 += p;
        acc.1 += n;
        seen += p + n;
        // Close the pool when it reaches its share of the rows.
        if seen * max as u64 >= total * (out.len() as u64 + 1) {
            out.push(acc);
            acc = (0, 0);
        }
    }
    if acc != (0, 0) {
        out.push(acc);
    }
    out
}

/// The true-positive rate at each false-positive rate of `grid` on the ROC
/// curve of `counts` (positives of `g` groups, then their negatives): the
/// curve joins the points after each group by straight lines (ties are
/// diagonal), and at a vertical step the higher point counts.
fn tpr_at(counts: &[u64], g: usize, grid: &[f64]) -> Vec<f64> {
    let p_total: u64 = counts[..g].iter().sum();
    let n_total: u64 = counts[g..].iter().sum();
    if p_total == 0 || n_total == 0 {
        return vec![f64::NAN; grid.len()];
    }
    let (pt, nt) = (p_total as f64, n_total as f64);
    let mut out = Vec::with_capacity(grid.len());
    let (mut x0, mut y0) = (0.0f64, 0.0f64);
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut k = 0;
    let mut targets = grid.iter().copied().peekable();
    // Points with fpr == 0 raise the curve at 0 before any grid value is read.
    while let Some(&t) = targets.peek() {
        // Advance to the first point whose fpr exceeds t.
        while k < g {
            let (x1, y1) = (
                (fp + counts[g + k]) as f64 / nt,
                (tp + counts[k]) as f64 / pt,
            );
            if x1 > t {
                break;
            }
            tp += counts[k];
            fp += counts[g + k];
            (x0, y0) = (x1, y1);
            k += 1;
        }
        let y = if k < g && x0 < t {
            let (x1, y1) = (
                (fp + counts[g + k]) as f64 / nt,
                (tp + counts[k]) as f64 / pt,
            );
            y0 + (y1 - y0) * (t - x0) / (x1 - x0)
        } else {
            y0
        };
        out.push(y);
        targets.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn the_curve_interpolates_ties_and_takes_the_top_of_steps() {
        // Scores: P=0.9, N=0.8, {P,N}=0.5 tie, N=0.1. P=2, N=3.
        let groups = [(1, 0), (0, 1), (1, 1), (0, 1)];
        let counts: Vec<u64> = groups
            .iter()
            .map(|g| g.0)
            .chain(groups.iter().map(|g| g.1))
            .collect();
        let y = tpr_at(&counts, 4, &[0.0, 1.0 / 3.0, 0.5, 2.0 / 3.0, 1.0]);
        // (0,0)->(0,.5) vertical; ->(1/3,.5); tie diagonal ->(2/3,1); ->(1,1).
        let want = [0.5, 0.5, 0.75, 1.0, 1.0];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{y:?}");
        }
    }

    #[test]
    fn pooling_keeps_totals_and_bounds_the_count() {
        let groups: Vec<(u64, u64)> = (0..10_000).map(|i| (i % 3, (i + 1) % 2)).collect();
        let pooled = pool(&groups, 2000);
        assert!(
            pooled.len() <= 2000 && pooled.len() > 1900,
            "{}",
            pooled.len()
        );
        let sum = |v: &[(u64, u64)]| v.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        assert_eq!(sum(&pooled), sum(&groups));
    }

    /// Pointwise coverage of the true binormal ROC, R(t) = Φ(1 + Φ⁻¹(t)),
    /// over simulated data sets of 150 positives and 150 negatives.
    #[test]
    fn the_band_covers_the_true_curve() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let normal = Normal::new(0.0, 1.0).expect("standard normal");
        let ts = [0.1, 0.3, 0.6];
        let truth: Vec<f64> = ts
            .iter()
            .map(|&t| normal.cdf(1.0 + normal.inverse_cdf(t)))
            .collect();
        let settings = IntervalSettings {
            replicates: 500,
            ..IntervalSettings::default()
        };
        let sets = 400;
        let mut covered = [0usize; 3];
        let mut rng = replicate_rng(11, 0);
        for s in 0..sets {
            let mut items: Vec<(f64, bool)> = (0..300)
                .map(|i| {
                    let z: f64 =
                        rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng);
                    let positive = i < 150;
                    (z + if positive { 1.0 } else { 0.0 }, positive)
                })
                .collect();
            items.sort_by(|a, b| b.0.total_cmp(&a.0));
            let groups: Vec<(u64, u64)> = items
                .iter()
                .map(|&(_, p)| (u64::from(p), u64::from(!p)))
                .collect();
            let band = roc_band(
                &groups,
                &IntervalSettings {
                    seed: s,
                    ..settings
                },
                11,
            )
            .expect("both classes");
            for (j, &t) in ts.iter().enumerate() {
                let i = band
                    .fpr
                    .iter()
                    .position(|&x| (x - t).abs() < 1e-9)
                    .expect("on the grid");
                if band.lower[i] <= truth[j] && truth[j] <= band.upper[i] {
                    covered[j] += 1;
                }
            }
            let _: f64 = rng.random();
        }
        for (j, c) in covered.iter().enumerate() {
            let rate = *c as f64 / sets as f64;
            assert!(
                (0.90..=0.985).contains(&rate),
                "coverage at fpr {} is {rate}",
                ts[j]
            );
        }
    }

    #[test]
    fn the_band_is_deterministic_and_contains_the_curve() {
        let groups: Vec<(u64, u64)> = (0..500u64)
            .map(|i| (u64::from(i % 5 < 3), u64::from(i % 7 < 2)))
            .collect();
        let s = IntervalSettings {
            replicates: 300,
            ..IntervalSettings::default()
        };
        let a = roc_band(&groups, &s, 51).expect("band");
        let b = roc_band(&groups, &s, 51).expect("band");
        assert_eq!(a, b);
        for i in 0..51 {
            assert!(a.lower[i] <= a.upper[i]);
            assert!(a.lower[i] <= a.tpr[i] + 0.05 && a.tpr[i] <= a.upper[i] + 0.05);
        }
        assert!(roc_band(&[(3, 0), (2, 0)], &s, 51).is_none());
    }
}
