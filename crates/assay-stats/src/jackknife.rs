//! Jackknife intervals for the multi-class AUC averages (one-vs-rest macro
//! and prevalence-weighted, one-vs-one macro of Hand & Till) on samples too
//! large for the row bootstrap.
//!
//! Leaving one item out changes each AUC by an amount that its placement
//! values tell exactly: for a class it belongs to, its share of the
//! negatives ranked below it; for a class it does not, its share of that
//! class's items ranked above it (ties one half). One sorted pass per class
//! column therefore gives every leave-one-out value of all three averages in
//! O(n·k) time and O(n) memory per column, and the jackknife variance
//! (n − 1)/n · Σ (θ₋ᵢ − θ̄)² accounts for every covariance between the
//! classes' AUCs — which DeLong's per-class variances alone cannot. The
//! interval is normal with the jackknife standard error.
//!
//! Columns are processed in parallel in chunks of fixed size and their
//! contributions added in column order, so the result does not depend on
//! the thread count.

use assay_metrics::value::Interval;
use rayon::prelude::*;

use crate::normal_quantile;

/// Per-item contributions of one column, and its totals.
struct Column {
    /// One-vs-rest: the data-dependent part of AUC_c(−i).
    ovr: Vec<f64>,
    /// One-vs-one: the data-dependent part of the change of Σ A(a|b).
    ovo: Vec<f64>,
    /// U_c: pairs (item of c, item not of c) ranked correctly by column c.
    u_ovr: f64,
    /// u[c][b]: pairs (item of c, item of b) ranked correctly by column c.
    u_pairs: Vec<f64>,
}

fn column(c: usize, truth: &[u32], scores: &[f64], counts: &[f64]) -> Column {
    let n = truth.len();
    let k = counts.len();
    let m_c = counts[c];
    let others_total = n as f64 - m_c;
    // Highest score first: sort (key, row, class) triples whose key orders
    // like the score (-0.0 and 0.0 tie), and walk them from the end; the
    // class travels with the key, so the walk reads the sorted buffer alone.
    let key = |x: f64| {
        let bits = (x + 0.0).to_bits();
        if bits >> 63 == 1 {
            !bits
        } else {
            bits | 1 << 63
        }
    };
    let mut order: Vec<(u64, u32, u32)> = scores
        .iter()
        .zip(truth)
        .enumerate()
        .map(|(i, (&x, &t))| (key(x), i as u32, t))
        .collect();
    order.sort_unstable_by_key(|e| e.0);
    let mut ovr = vec![0.0; n];
    let mut ovo = vec![0.0; n];
    let mut u_pairs = vec![0.0; k];
    let mut u_ovr = 0.0;
    let (mut c_above, mut others_above, mut inv_above) = (0.0, 0.0, 0.0);
    let inv_count: Vec<f64> = counts.iter().map(|m| 1.0 / m).collect();
    let mut end = n;
    while end > 0 {
        let key = order[end - 1].0;
        let mut start = end - 1;
        while start > 0 && order[start - 1].0 == key {
            start -= 1;
        }
        let group = &order[start..end];
        let (mut c_here, mut others_here, mut inv_here) = (0.0, 0.0, 0.0);
        for &(_, _, t) in group {
            if t as usize == c {
                c_here += 1.0;
            } else {
                others_here += 1.0;
                inv_here += inv_count[t as usize];
            }
        }
        // An item of class c: the other-class items below it (ties one half).
        let below = others_total - others_above - 0.5 * others_here;
        // Its shares of each other class below it: Σ_b r_b / m_b.
        let shares_below = (k as f64 - 1.0) - inv_above - 0.5 * inv_here;
        // An item of another class: the class-c items above it.
        let credit = c_above + 0.5 * c_here;
        for &(_, i, t) in group {
            let (i, t) = (i as usize, t as usize);
            if t == c {
                u_ovr += below;
                ovr[i] = -below / ((m_c - 1.0) * others_total);
                ovo[i] = -shares_below / (m_c - 1.0);
            } else {
                u_pairs[t] += credit;
                ovr[i] = -credit / (m_c * (others_total - 1.0));
                ovo[i] = -credit / (m_c * (counts[t] - 1.0));
            }
        }
        c_above += c_here;
        others_above += others_here;
        inv_above += inv_here;
        end = start;
    }
    Column {
        ovr,
        ovo,
        u_ovr,
        u_pairs,
    }
}

/// Leave-one-out values of (OvR macro, OvR weighted, OvO macro) for every
/// item, and the full-sample values; `None` when a class has fewer than two
/// items (a leave-one-out AUC would be undefined).
pub fn leave_one_out(truth: &[u32], columns: &[Vec<f64>]) -> Option<([f64; 3], Vec<[f64; 3]>)> {
    let n = truth.len();
    let k = columns.len();
    if k < 2 || n < 3 {
        return None;
    }
    let mut counts = vec![0.0; k];
    for &t in truth {
        counts[t as usize] += 1.0;
    }
    if counts.iter().any(|&m| m < 2.0) {
        return None;
    }
    // Sums over columns of the per-item parts, in column order.
    let mut a = vec![0.0; n]; // Σ_c ovr_c(i)
    let mut b = vec![0.0; n]; // Σ_c m_c · ovr_c(i)
    let mut own = vec![0.0; n]; // ovr_{t_i}(i)
    let mut o = vec![0.0; n]; // Σ_c ovo_c(i)
    let mut u_ovr = vec![0.0; k];
    let mut u_pairs = vec![vec![0.0; k]; k];
    const CHUNK: usize = 8;
    for first in (0..k).step_by(CHUNK) {
        let cols: Vec<Column> = (first..(first + CHUNK).min(k))
            .into_par_iter()
            .map(|c| column(c, truth, &columns[c], &counts))
            .collect();
        for (offset, col) in cols.into_iter().enumerate() {
            let c = first + offset;
            for i in 0..n {
                a[i] += col.ovr[i];
                b[i] += counts[c] * col.ovr[i];
                o[i] += col.ovo[i];
                if truth[i] as usize == c {
                    own[i] = col.ovr[i];
                }
            }
            u_ovr[c] = col.u_ovr;
            u_pairs[c] = col.u_pairs;
        }
    }
    let nf = n as f64;
    let kf = k as f64;
    let others = |c: usize| nf - counts[c];
    let auc: Vec<f64> = (0..k).map(|c| u_ovr[c] / (counts[c] * others(c))).collect();
    let full_macro = auc.iter().sum::<f64>() / kf;
    let full_weighted = (0..k).map(|c| counts[c] * auc[c]).sum::<f64>() / nf;
    let mut pair_sum = 0.0;
    for x in 0..k {
        for y in 0..k {
            if x != y {
                pair_sum += u_pairs[x][y] / (counts[x] * counts[y]);
            }
        }
    }
    let pairs = kf * (kf - 1.0);
    let full_ovo = pair_sum / pairs;
    // The parts that depend only on the left-out item's class t.
    let as_negative: f64 = (0..k)
        .map(|c| u_ovr[c] / (counts[c] * (others(c) - 1.0)))
        .sum();
    let as_negative_weighted: f64 = (0..k).map(|c| u_ovr[c] / (others(c) - 1.0)).sum();
    let own_full = |t: usize| u_ovr[t] / ((counts[t] - 1.0) * others(t));
    let macro_const: Vec<f64> = (0..k)
        .map(|t| own_full(t) + as_negative - u_ovr[t] / (counts[t] * (others(t) - 1.0)))
        .collect();
    let weighted_const: Vec<f64> = (0..k)
        .map(|t| counts[t] * own_full(t) + as_negative_weighted - u_ovr[t] / (others(t) - 1.0))
        .collect();
    let ovo_const: Vec<f64> = (0..k)
        .map(|t| {
            let m_t = counts[t];
            let rows: f64 = (0..k)
                .filter(|&y| y != t)
                .map(|y| u_pairs[t][y] / counts[y])
                .sum();
            let cols: f64 = (0..k)
                .filter(|&x| x != t)
                .map(|x| u_pairs[x][t] / counts[x])
                .sum();
            (1.0 / (m_t - 1.0) - 1.0 / m_t) * (rows + cols)
        })
        .collect();
    let values = (0..n)
        .map(|i| {
            let t = truth[i] as usize;
            let macro_ = (macro_const[t] + a[i]) / kf;
            let weighted = (weighted_const[t] + b[i] - (own_full(t) + own[i])) / (nf - 1.0);
            let ovo = full_ovo + (ovo_const[t] + o[i]) / pairs;
            [macro_, weighted, ovo]
        })
        .collect();
    Some(([full_macro, full_weighted, full_ovo], values))
}

/// Normal intervals with the jackknife standard error for the three AUC
/// averages, clipped to [0, 1].
pub fn auc_averages(truth: &[u32], columns: &[Vec<f64>], level: f64) -> Option<[Interval; 3]> {
    let (full, values) = leave_one_out(truth, columns)?;
    let n = values.len() as f64;
    let z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    Some(std::array::from_fn(|m| {
        let mean = values.iter().map(|v| v[m]).sum::<f64>() / n;
        let ss: f64 = values.iter().map(|v| (v[m] - mean).powi(2)).sum();
        let se = ((n - 1.0) / n * ss).sqrt();
        Interval {
            low: (full[m] - z * se).max(0.0),
            high: (full[m] + z * se).min(1.0),
            level,
            method: assay_metrics::value::IntervalMethod::Jackknife,
        }
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::needless_range_loop)]
    use super::*;

    /// AUC of `pos` scores against `neg` scores, by comparing every pair.
    fn naive_auc(pos: &[f64], neg: &[f64]) -> f64 {
        let mut s = 0.0;
        for p in pos {
            for q in neg {
                s += if p > q {
                    1.0
                } else if p == q {
                    0.5
                } else {
                    0.0
                };
            }
        }
        s / (pos.len() * neg.len()) as f64
    }

    /// The three averages straight from their definitions (as scikit-learn's
    /// `roc_auc_score(multi_class="ovr"|"ovo", average="macro"|"weighted")`).
    fn naive(truth: &[u32], columns: &[Vec<f64>]) -> [f64; 3] {
        let k = columns.len();
        let n = truth.len() as f64;
        let (mut macro_, mut weighted, mut ovo) = (0.0, 0.0, 0.0);
        for c in 0..k {
            let pos: Vec<f64> = (0..truth.len())
                .filter(|&i| truth[i] as usize == c)
                .map(|i| columns[c][i])
                .collect();
            let neg: Vec<f64> = (0..truth.len())
                .filter(|&i| truth[i] as usize != c)
                .map(|i| columns[c][i])
                .collect();
            let auc = naive_auc(&pos, &neg);
            macro_ += auc / k as f64;
            weighted += auc * pos.len() as f64 / n;
            for d in 0..k {
                if d != c {
                    let other: Vec<f64> = (0..truth.len())
                        .filter(|&i| truth[i] as usize == d)
                        .map(|i| columns[c][i])
                        .collect();
                    ovo += naive_auc(&pos, &other) / (k * (k - 1)) as f64;
                }
            }
        }
        [macro_, weighted, ovo]
    }

    fn data(n: usize, k: usize, seed: u64) -> (Vec<u32>, Vec<Vec<f64>>) {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let truth: Vec<u32> = (0..n).map(|i| (i % k) as u32).collect();
        let mut columns = vec![vec![0.0; n]; k];
        for i in 0..n {
            let raw: Vec<f64> = (0..k)
                .map(|c| {
                    let signal = if truth[i] as usize == c { 0.8 } else { 0.0 };
                    // Coarse scores: many ties within and across classes.
                    ((next() + signal) * 4.0).round() / 4.0 + 0.05
                })
                .collect();
            let total: f64 = raw.iter().sum();
            for c in 0..k {
                columns[c][i] = raw[c] / total;
            }
        }
        (truth, columns)
    }

    /// Every leave-one-out value equals the averages recomputed without that
    /// item, ties included.
    #[test]
    fn leave_one_out_values_are_exact() {
        for (n, k, seed) in [(30, 3, 1), (41, 4, 2), (25, 5, 3), (12, 2, 4)] {
            let (truth, columns) = data(n, k, seed);
            let (full, values) = leave_one_out(&truth, &columns).unwrap();
            let expect = naive(&truth, &columns);
            for m in 0..3 {
                assert!(
                    (full[m] - expect[m]).abs() < 1e-12,
                    "full {m}: {} vs {}",
                    full[m],
                    expect[m]
                );
            }
            for i in 0..n {
                let t: Vec<u32> = truth
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, &x)| x)
                    .collect();
                let cols: Vec<Vec<f64>> = columns
                    .iter()
                    .map(|col| {
                        col.iter()
                            .enumerate()
                            .filter(|(j, _)| *j != i)
                            .map(|(_, &x)| x)
                            .collect()
                    })
                    .collect();
                let expect = naive(&t, &cols);
                for m in 0..3 {
                    assert!(
                        (values[i][m] - expect[m]).abs() < 1e-12,
                        "n {n} k {k} item {i} average {m}: {} vs {}",
                        values[i][m],
                        expect[m]
                    );
                }
            }
        }
    }

    #[test]
    fn same_result_whatever_the_thread_count() {
        let (truth, columns) = data(3000, 20, 9);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let a = one
            .install(|| auc_averages(&truth, &columns, 0.95))
            .unwrap();
        let b = auc_averages(&truth, &columns, 0.95).unwrap();
        for m in 0..3 {
            assert_eq!(a[m].low.to_bits(), b[m].low.to_bits());
            assert_eq!(a[m].high.to_bits(), b[m].high.to_bits());
        }
    }

    #[test]
    fn a_class_with_one_item_gives_no_interval() {
        let truth = vec![0, 0, 1, 1, 2];
        let columns = vec![vec![0.5; 5], vec![0.3; 5], vec![0.2; 5]];
        assert!(leave_one_out(&truth, &columns).is_none());
    }
}
