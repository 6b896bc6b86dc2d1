//! Reliability bins: expected and maximum calibration error, and the
//! calibration curve.
//!
//! Bins split [0, 1] into `n` equal parts exactly as scikit-learn's
//! `calibration_curve(strategy="uniform")` does: inner edges `i * (1 / n)`,
//! the first bin closed `[0, e1]`, the others half-open `(e_i, e_i+1]`.

use serde::Serialize;

/// Mergeable sums per bin: weight, weighted confidence, weighted outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationBins {
    inner_edges: Vec<f64>,
    weight: Vec<f64>,
    confidence: Vec<f64>,
    outcome: Vec<f64>,
}

/// One row of the calibration table.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin.
    pub lower: f64,
    /// Upper edge of the bin.
    pub upper: f64,
    /// Summed weight of the items in the bin (their count when unweighted).
    pub weight: f64,
    /// Mean predicted probability in the bin.
    pub mean_confidence: f64,
    /// Observed frequency of the outcome in the bin.
    pub observed: f64,
}

impl CalibrationBins {
    /// `n` equal-width bins over [0, 1] (at least one).
    pub fn new(n: usize) -> Self {
        let n = n.max(1);
        let step = 1.0 / n as f64;
        Self {
            inner_edges: (1..n).map(|i| i as f64 * step).collect(),
            weight: vec![0.0; n],
            confidence: vec![0.0; n],
            outcome: vec![0.0; n],
        }
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.weight.len()
    }

    /// Whether there are no bins (never: `new` makes at least one).
    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }

    /// The bin of confidence `p`.
    #[inline]
    pub fn bin_of(&self, p: f64) -> usize {
        self.inner_edges.partition_point(|e| *e < p)
    }

    /// Add one prediction with confidence `p` in [0, 1] and a 0/1 outcome.
    #[inline]
    pub fn push(&mut self, p: f64, outcome: bool, weight: f64) {
        let b = self.bin_of(p);
        self.weight[b] += weight;
        self.confidence[b] += weight * p;
        if outcome {
            self.outcome[b] += weight;
        }
    }

    /// Add the sums of `other` (same number of bins).
    pub fn merge(&mut self, other: &CalibrationBins) -> Result<(), crate::MergeError> {
        if other.len() != self.len() {
            return Err(crate::MergeError::ShapeMismatch("calibration bins"));
        }
        for b in 0..self.len() {
            self.weight[b] += other.weight[b];
            self.confidence[b] += other.confidence[b];
            self.outcome[b] += other.outcome[b];
        }
        Ok(())
    }

    /// Expected calibration error: Σ_b (W_b / W) · |observed_b − confidence_b|.
    pub fn ece(&self) -> Option<f64> {
        let total: f64 = self.weight.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let gap: f64 = (0..self.len())
            .map(|b| (self.outcome[b] - self.confidence[b]).abs())
            .sum();
        Some(gap / total)
    }

    /// Maximum calibration error over the non-empty bins.
    pub fn mce(&self) -> Option<f64> {
        (0..self.len())
            .filter(|&b| self.weight[b] > 0.0)
            .map(|b| ((self.outcome[b] - self.confidence[b]) / self.weight[b]).abs())
            .reduce(f64::max)
    }

    /// The non-empty bins, for a reliability diagram.
    pub fn table(&self) -> Vec<CalibrationBin> {
        let n = self.len();
        (0..n)
            .filter(|&b| self.weight[b] > 0.0)
            .map(|b| CalibrationBin {
                lower: if b == 0 { 0.0 } else { self.inner_edges[b - 1] },
                upper: if b + 1 == n { 1.0 } else { self.inner_edges[b] },
                weight: self.weight[b],
                mean_confidence: self.confidence[b] / self.weight[b],
                observed: self.outcome[b] / self.weight[b],
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_follow_searchsorted_left() {
        let mut bins = CalibrationBins::new(10);
        bins.push(0.1, true, 1.0); // on the edge: first bin, as searchsorted(side="left")
        bins.push(0.0, false, 1.0);
        bins.push(1.0, true, 1.0);
        let t = bins.table();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].weight, 2.0);
        assert_eq!(t[1].lower, 0.9);
    }

    #[test]
    fn perfectly_calibrated_bin_has_zero_error() {
        let mut bins = CalibrationBins::new(5);
        for outcome in [true, false, true, false] {
            bins.push(0.5, outcome, 1.0);
        }
        assert_eq!(bins.ece(), Some(0.0));
        assert_eq!(bins.mce(), Some(0.0));
    }
}
