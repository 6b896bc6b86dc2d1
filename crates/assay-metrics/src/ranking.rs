//! Ranking metrics of one score against a binary truth: ROC and PR curves,
//! ROC AUC, average precision, PR AUC and cumulative gains.
//!
//! Two storage modes share one computation. `Exact` keeps every (score,
//! weight) pair and sorts them when the summary is asked for, so ties are
//! grouped exactly as scikit-learn groups them (one threshold per distinct
//! score). `Binned` folds scores into buckets that keep the sign, the exponent
//! and the top `bits` mantissa bits of the score, so memory depends on the range
//! of the scores and not on the number of rows; every bucket then acts as one
//! tied group, and the ROC AUC carries a proven error bound.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// How a ranking state stores scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum CurveMode {
    /// Keep every score: exact curves, memory grows with the rows.
    Exact,
    /// Bucket scores by sign, exponent and the top `bits` mantissa bits
    /// (relative bucket width 2^-bits): memory bounded by the score range.
    Binned {
        /// Mantissa bits kept, 1 to 52.
        bits: u8,
    },
}

impl CurveMode {
    /// The default binned resolution: relative bucket width 2^-16 ≈ 1.5e-5.
    pub const DEFAULT_BINNED: CurveMode = CurveMode::Binned { bits: 16 };
    /// Mantissa bits of binned curves unless a plan or `--bin-bits` says otherwise.
    pub const DEFAULT_BITS: u8 = 16;
}

/// Exact or binned curves, as a plan (`curves = "binned"`) or the command
/// line (`--curves binned`) names them; with the bits, a [`CurveMode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Curves {
    /// Keep every score: exact curves and AUC
    Exact,
    /// Bucket scores: constant memory, AUC with a stated error bound
    Binned,
}

impl Curves {
    /// The mode, with `bits` mantissa bits when binned.
    pub fn mode(self, bits: u8) -> CurveMode {
        match self {
            Curves::Exact => CurveMode::Exact,
            Curves::Binned => CurveMode::Binned { bits },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Scored {
    score: f64,
    weight: f64,
}

/// A mergeable store of (score, is-positive, weight) triples.
#[derive(Debug, Clone)]
pub struct RankingState {
    mode: CurveMode,
    positives: Vec<Scored>,
    negatives: Vec<Scored>,
    /// Binned mode: bucket key -> [negative weight, positive weight].
    buckets: FxHashMap<u64, [f64; 2]>,
}

/// Order-preserving map from a finite f64 to u64 (−0.0 and 0.0 both map to 0.0's key).
#[inline]
pub(crate) fn order_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[inline]
pub(crate) fn from_order_key(key: u64) -> f64 {
    let bits = if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

impl RankingState {
    /// An empty state.
    pub fn new(mode: CurveMode) -> Self {
        Self {
            mode,
            positives: Vec::new(),
            negatives: Vec::new(),
            buckets: FxHashMap::default(),
        }
    }

    /// The storage mode.
    pub fn mode(&self) -> CurveMode {
        self.mode
    }

    /// Add one item. `score` must be finite.
    #[inline]
    pub fn push(&mut self, score: f64, positive: bool, weight: f64) {
        if weight == 0.0 {
            // A zero-weight item does not exist for the curves (nor for scikit-learn).
            return;
        }
        match self.mode {
            CurveMode::Exact => {
                // -0.0 + 0.0 == +0.0: one tie group for both zeros, as numpy compares them.
                let item = Scored {
                    score: score + 0.0,
                    weight,
                };
                if positive {
                    self.positives.push(item)
                } else {
                    self.negatives.push(item)
                }
            }
            CurveMode::Binned { bits } => {
                let key = order_key(score) >> (52 - u32::from(bits.clamp(1, 52)));
                self.buckets.entry(key).or_insert([0.0, 0.0])[usize::from(positive)] += weight;
            }
        }
    }

    /// Fold `other` into `self`. Both must use the same mode.
    pub fn merge(&mut self, other: RankingState) -> Result<(), crate::MergeError> {
        if self.mode != other.mode {
            return Err(crate::MergeError::ModeMismatch);
        }
        self.positives.extend(other.positives);
        self.negatives.extend(other.negatives);
        for (k, [n, p]) in other.buckets {
            let slot = self.buckets.entry(k).or_insert([0.0, 0.0]);
            slot[0] += n;
            slot[1] += p;
        }
        Ok(())
    }

    /// Visit the tied groups from the highest score down, with their summed
    /// positive and negative weights. Sorts the stored scores in place.
    pub fn for_each_group(&mut self, mut visit: impl FnMut(TieGroup)) {
        match self.mode {
            CurveMode::Exact => {
                let (pos, neg) = (&mut self.positives, &mut self.negatives);
                // Sorting by the order-preserving integer key beats a radix sort here (measured).
                rayon::join(
                    || pos.sort_unstable_by_key(|s| order_key(s.score)),
                    || neg.sort_unstable_by_key(|s| order_key(s.score)),
                );
                let (pos, neg) = (&self.positives, &self.negatives);
                let (mut i, mut j) = (pos.len(), neg.len());
                while i > 0 || j > 0 {
                    let top = match (i, j) {
                        (0, _) => neg[j - 1].score,
                        (_, 0) => pos[i - 1].score,
                        _ => pos[i - 1].score.max(neg[j - 1].score),
                    };
                    let mut group = TieGroup {
                        threshold: top,
                        positive: 0.0,
                        negative: 0.0,
                    };
                    while i > 0 && pos[i - 1].score == top {
                        group.positive += pos[i - 1].weight;
                        i -= 1;
                    }
                    while j > 0 && neg[j - 1].score == top {
                        group.negative += neg[j - 1].weight;
                        j -= 1;
                    }
                    visit(group);
                }
            }
            CurveMode::Binned { bits } => {
                let shift = 52 - u32::from(bits.clamp(1, 52));
                for (key, [negative, positive]) in self.sorted_buckets() {
                    visit(TieGroup {
                        threshold: from_order_key(key << shift),
                        positive,
                        negative,
                    });
                }
            }
        }
    }

    /// Compute the curves and the ranking metrics. `max_points` bounds the
    /// points kept in each curve for plotting (the metrics use every group).
    pub fn summarize(&mut self, max_points: usize) -> RankingSummary {
        let binned = matches!(self.mode, CurveMode::Binned { .. });
        let (pos, neg) = self.totals();
        let mut builder = CurveBuilder::new(pos, neg, max_points, binned);
        self.for_each_group(|g| builder.push(g));
        builder.finish()
    }

    /// Buckets from the highest key down.
    fn sorted_buckets(&self) -> Vec<(u64, [f64; 2])> {
        let mut keys: Vec<(u64, [f64; 2])> = self.buckets.iter().map(|(k, v)| (*k, *v)).collect();
        keys.sort_unstable_by_key(|e| std::cmp::Reverse(e.0));
        keys
    }

    /// Exact mode: the scores of the positive and of the negative items in
    /// ascending order (`summarize` has sorted them already). `None` in
    /// binned mode.
    pub fn sorted_scores(&mut self) -> Option<(Vec<f64>, Vec<f64>)> {
        if self.mode != CurveMode::Exact {
            return None;
        }
        let sorted = |v: &mut Vec<Scored>| {
            if !v.is_sorted_by_key(|s| order_key(s.score)) {
                v.sort_unstable_by_key(|s| order_key(s.score));
            }
            v.iter().map(|s| s.score).collect()
        };
        Some((sorted(&mut self.positives), sorted(&mut self.negatives)))
    }

    /// Summed weights of the positive and the negative items.
    pub fn totals(&self) -> (f64, f64) {
        let mut pos: f64 = self.positives.iter().map(|s| s.weight).sum();
        let mut neg: f64 = self.negatives.iter().map(|s| s.weight).sum();
        // Sum in key order so that the totals do not depend on hash-map history.
        for (_, [n, p]) in self.sorted_buckets() {
            neg += n;
            pos += p;
        }
        (pos, neg)
    }

    /// Number of stored entries (rows in exact mode, buckets in binned mode).
    pub fn stored_len(&self) -> usize {
        self.positives.len() + self.negatives.len() + self.buckets.len()
    }
}

/// All items that share one score (or one bucket).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TieGroup {
    /// The score (binned: the lower edge of the bucket).
    pub threshold: f64,
    /// Summed weight of positive items in the group.
    pub positive: f64,
    /// Summed weight of negative items in the group.
    pub negative: f64,
}

/// ROC curve points, from the highest threshold down; the curve starts at (0, 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct RocCurve {
    /// Score at or above which an item is predicted positive.
    pub thresholds: Vec<f64>,
    /// False positive rate at each threshold.
    pub fpr: Vec<f64>,
    /// True positive rate at each threshold.
    pub tpr: Vec<f64>,
}

/// Precision–recall points, from the highest threshold down; the curve starts at recall 0, precision 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct PrCurve {
    /// Score at or above which an item is predicted positive.
    pub thresholds: Vec<f64>,
    /// Recall at each threshold.
    pub recall: Vec<f64>,
    /// Precision at each threshold.
    pub precision: Vec<f64>,
}

/// Cumulative gains and lift, from the highest threshold down.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct GainsCurve {
    /// Score at or above which an item is selected.
    pub thresholds: Vec<f64>,
    /// Fraction of all items (by weight) selected.
    pub fraction_selected: Vec<f64>,
    /// Fraction of all positives (by weight) among the selected.
    pub fraction_positives: Vec<f64>,
    /// `fraction_positives / fraction_selected`.
    pub lift: Vec<f64>,
}

/// Curves and ranking metrics of one score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RankingSummary {
    /// Summed weight of positive items.
    pub positive_weight: f64,
    /// Summed weight of negative items.
    pub negative_weight: f64,
    /// Area under the ROC curve (trapezoidal, ties count one half).
    pub roc_auc: Option<f64>,
    /// Binned mode: the largest possible distance of `roc_auc` from the exact value.
    pub roc_auc_error_bound: Option<f64>,
    /// Step-wise average precision, as scikit-learn's `average_precision_score`.
    pub average_precision: Option<f64>,
    /// Trapezoidal area under the precision–recall curve, from (0, 1).
    pub pr_auc: Option<f64>,
    /// Number of distinct thresholds (tied groups).
    pub thresholds_total: usize,
    /// DeLong's placement values, when the pass computed them: (Σ V10,
    /// Σ V10², Σ V01, Σ V01²) over the positive and the negative items.
    pub placement_moments: Option<[f64; 4]>,
    /// ROC points (thinned to at most about `max_points`).
    pub roc: RocCurve,
    /// Precision–recall points (thinned).
    pub pr: PrCurve,
    /// Gains and lift points (thinned).
    pub gains: GainsCurve,
}

/// Accumulates ranking metrics over tied groups pushed from the highest score
/// down, in one streaming pass (the totals are known up front).
#[derive(Debug, Clone)]
pub struct CurveBuilder {
    out: RankingSummary,
    binned: bool,
    resolution: f64,
    tps: f64,
    fps: f64,
    auc_area: f64,
    ap_sum: f64,
    pr_area: f64,
    prev_precision: f64,
    tie_mass: f64,
    /// (fps, tps) at the last point kept.
    kept: Option<(f64, f64)>,
    /// (threshold, precision) of the last group when it was not kept yet.
    pending: Option<(f64, f64)>,
}

impl CurveBuilder {
    /// A builder for items whose positive and negative weights sum to the
    /// given totals, keeping curve points about `1 / max_points` apart.
    pub fn new(total_positive: f64, total_negative: f64, max_points: usize, binned: bool) -> Self {
        Self {
            out: RankingSummary {
                positive_weight: total_positive,
                negative_weight: total_negative,
                ..RankingSummary::default()
            },
            binned,
            resolution: 1.0 / max_points.max(2) as f64,
            tps: 0.0,
            fps: 0.0,
            auc_area: 0.0,
            ap_sum: 0.0,
            pr_area: 0.0,
            prev_precision: 1.0,
            tie_mass: 0.0,
            kept: None,
            pending: None,
        }
    }

    /// Add the next group (scores must come in descending order).
    #[inline]
    pub fn push(&mut self, g: TieGroup) {
        if g.positive == 0.0 && g.negative == 0.0 {
            return; // only zero-weight items: no threshold of their own
        }
        let (prev_tps, prev_fps) = (self.tps, self.fps);
        self.tps += g.positive;
        self.fps += g.negative;
        let (tps, fps) = (self.tps, self.fps);
        self.auc_area += (fps - prev_fps) * (tps + prev_tps) / 2.0;
        self.tie_mass += g.positive * g.negative;
        let precision = if tps + fps > 0.0 {
            tps / (tps + fps)
        } else {
            0.0
        };
        self.ap_sum += (tps - prev_tps) * precision;
        self.pr_area += (tps - prev_tps) * (precision + self.prev_precision) / 2.0;
        self.prev_precision = precision;
        self.out.thresholds_total += 1;

        // Thin in raw weights (no division per group): keep a point once
        // either rate has moved by the resolution since the last one kept.
        let far = match self.kept {
            None => true,
            Some((kept_fps, kept_tps)) => {
                (fps - kept_fps).abs() >= self.resolution * self.out.negative_weight
                    || (tps - kept_tps).abs() >= self.resolution * self.out.positive_weight
            }
        };
        if far {
            self.emit(g.threshold, precision);
            self.pending = None;
        } else {
            // Hold the point back: the last group is always kept.
            self.pending = Some((g.threshold, precision));
        }
    }

    fn emit(&mut self, threshold: f64, precision: f64) {
        self.kept = Some((self.fps, self.tps));
        let (total_pos, total_neg) = (self.out.positive_weight, self.out.negative_weight);
        let tpr = if total_pos > 0.0 {
            self.tps / total_pos
        } else {
            0.0
        };
        let out = &mut self.out;
        if total_pos > 0.0 && total_neg > 0.0 {
            out.roc.thresholds.push(threshold);
            out.roc.fpr.push(self.fps / total_neg);
            out.roc.tpr.push(tpr);
        }
        if total_pos > 0.0 {
            out.pr.thresholds.push(threshold);
            out.pr.recall.push(tpr);
            out.pr.precision.push(precision);
            let selected = (self.tps + self.fps) / (total_pos + total_neg);
            out.gains.thresholds.push(threshold);
            out.gains.fraction_selected.push(selected);
            out.gains.fraction_positives.push(tpr);
            out.gains.lift.push(tpr / selected);
        }
    }

    /// Compute metrics and finish the curves.
    pub fn finish(mut self) -> RankingSummary {
        if let Some((threshold, precision)) = self.pending.take() {
            // The pending point is the last group pushed: the running totals are its own.
            self.emit(threshold, precision);
        }
        let (total_pos, total_neg) = (self.out.positive_weight, self.out.negative_weight);
        if total_pos > 0.0 && total_neg > 0.0 {
            self.out.roc_auc = Some(self.auc_area / (total_pos * total_neg));
            if self.binned {
                self.out.roc_auc_error_bound = Some(0.5 * self.tie_mass / (total_pos * total_neg));
            }
        }
        if total_pos > 0.0 {
            self.out.average_precision = Some((self.ap_sum / total_pos).max(0.0));
            self.out.pr_auc = Some(self.pr_area / total_pos);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_key_roundtrips_and_orders() {
        let xs = [-3.5, -1e-300, 0.0, 1e-300, 0.25, 1.0, 7e10];
        for w in xs.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]));
        }
        for x in xs {
            assert_eq!(from_order_key(order_key(x)), x);
        }
        assert_eq!(order_key(-0.0), order_key(0.0));
    }

    #[test]
    fn perfect_ranking_has_auc_one() {
        let mut s = RankingState::new(CurveMode::Exact);
        for (score, pos) in [(0.9, true), (0.8, true), (0.3, false), (0.1, false)] {
            s.push(score, pos, 1.0);
        }
        let r = s.summarize(100);
        assert_eq!(r.roc_auc, Some(1.0));
        assert_eq!(r.average_precision, Some(1.0));
    }

    #[test]
    fn all_tied_scores_give_auc_one_half() {
        let mut s = RankingState::new(CurveMode::Exact);
        for pos in [true, false, true, false, false] {
            s.push(0.5, pos, 1.0);
        }
        let r = s.summarize(100);
        assert_eq!(r.roc_auc, Some(0.5));
        assert_eq!(r.thresholds_total, 1);
    }

    #[test]
    fn binned_bound_covers_exact_value() {
        let mut exact = RankingState::new(CurveMode::Exact);
        let mut binned = RankingState::new(CurveMode::Binned { bits: 3 });
        let mut x = 0.123_f64;
        for i in 0..2000 {
            x = (x * 997.0 + 0.37).fract();
            let pos = (x + (i % 7) as f64 * 0.05) > 0.6;
            exact.push(x, pos, 1.0);
            binned.push(x, pos, 1.0);
        }
        let e = exact.summarize(10).roc_auc.unwrap();
        let b = binned.summarize(10);
        let bound = b.roc_auc_error_bound.unwrap();
        assert!(
            (b.roc_auc.unwrap() - e).abs() <= bound + 1e-12,
            "{} vs {e} bound {bound}",
            b.roc_auc.unwrap()
        );
        assert!(bound > 0.0);
    }
}
