//! Weighted confusion matrices and the metrics that depend only on them.

use crate::value::MetricValue;

/// A square confusion matrix of summed weights: rows are the truth, columns the prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    n: usize,
    cells: Vec<f64>,
}

impl ConfusionMatrix {
    /// A zero matrix for `n` classes.
    pub fn new(n: usize) -> Self {
        Self {
            n,
            cells: vec![0.0; n * n],
        }
    }

    /// Build from row-major cells (`n * n` of them).
    pub fn from_cells(n: usize, cells: Vec<f64>) -> Self {
        assert_eq!(cells.len(), n * n, "confusion matrix needs n * n cells");
        Self { n, cells }
    }

    /// Grow to `n` classes (no smaller), the new cells zero.
    pub fn grow(&mut self, n: usize) {
        if n <= self.n {
            return;
        }
        let mut cells = vec![0.0; n * n];
        for t in 0..self.n {
            cells[t * n..t * n + self.n].copy_from_slice(&self.cells[t * self.n..(t + 1) * self.n]);
        }
        self.n = n;
        self.cells = cells;
    }

    /// The matrix with class `i` moved to `order[i]` (a permutation).
    pub fn permuted(&self, order: &[usize]) -> Self {
        let n = self.n;
        let mut cells = vec![0.0; n * n];
        for t in 0..n {
            for p in 0..n {
                cells[order[t] * n + order[p]] = self.cells[t * n + p];
            }
        }
        Self { n, cells }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.n
    }

    /// Add `weight` to the cell (truth, predicted).
    #[inline]
    pub fn add(&mut self, truth: usize, predicted: usize, weight: f64) {
        self.cells[truth * self.n + predicted] += weight;
    }

    /// The cell (truth, predicted).
    #[inline]
    pub fn get(&self, truth: usize, predicted: usize) -> f64 {
        self.cells[truth * self.n + predicted]
    }

    /// Add another matrix of the same size.
    pub fn merge(&mut self, other: &ConfusionMatrix) -> Result<(), crate::MergeError> {
        if other.n != self.n {
            return Err(crate::MergeError::ShapeMismatch("confusion matrix"));
        }
        for (a, b) in self.cells.iter_mut().zip(&other.cells) {
            *a += b;
        }
        Ok(())
    }

    /// Rows as vectors, for output.
    pub fn rows(&self) -> Vec<Vec<f64>> {
        self.cells
            .chunks(self.n.max(1))
            .map(<[f64]>::to_vec)
            .collect()
    }

    /// Summed weight of all items.
    pub fn total(&self) -> f64 {
        self.cells.iter().sum()
    }

    /// Summed weight per true class (row sums).
    pub fn truth_totals(&self) -> Vec<f64> {
        (0..self.n)
            .map(|t| (0..self.n).map(|p| self.get(t, p)).sum())
            .collect()
    }

    /// Summed weight per predicted class (column sums).
    pub fn predicted_totals(&self) -> Vec<f64> {
        (0..self.n)
            .map(|p| (0..self.n).map(|t| self.get(t, p)).sum())
            .collect()
    }

    /// Summed weight on the diagonal.
    pub fn correct(&self) -> f64 {
        (0..self.n).map(|c| self.get(c, c)).sum()
    }

    /// Per-class one-vs-rest counts.
    pub fn one_vs_rest(&self, class: usize) -> BinaryCounts {
        let total = self.total();
        let tp = self.get(class, class);
        let truth: f64 = (0..self.n).map(|p| self.get(class, p)).sum();
        let pred: f64 = (0..self.n).map(|t| self.get(t, class)).sum();
        BinaryCounts {
            tp,
            fn_: truth - tp,
            fp: pred - tp,
            tn: total - truth - pred + tp,
        }
    }

    /// One-vs-rest counts of every class, from the row and column sums
    /// computed once (O(C²) for all classes, not O(C³)).
    pub fn all_one_vs_rest(&self) -> Vec<BinaryCounts> {
        let total = self.total();
        let truth = self.truth_totals();
        let pred = self.predicted_totals();
        (0..self.n)
            .map(|c| {
                let tp = self.get(c, c);
                BinaryCounts {
                    tp,
                    fn_: truth[c] - tp,
                    fp: pred[c] - tp,
                    tn: total - truth[c] - pred[c] + tp,
                }
            })
            .collect()
    }

    /// Fraction of weight on the diagonal.
    pub fn accuracy(&self) -> MetricValue {
        MetricValue::ratio(self.correct(), self.total(), "there are no items")
    }

    /// Mean recall over the classes present in the truth, as scikit-learn's
    /// `balanced_accuracy_score` (classes absent from the truth are left out).
    pub fn balanced_accuracy(&self) -> MetricValue {
        let truth = self.truth_totals();
        let recalls: Vec<f64> = (0..self.n)
            .filter(|&c| truth[c] > 0.0)
            .map(|c| self.get(c, c) / truth[c])
            .collect();
        if recalls.is_empty() {
            MetricValue::undefined("there are no items")
        } else {
            MetricValue::defined(recalls.iter().sum::<f64>() / recalls.len() as f64)
        }
    }

    /// Matthews correlation coefficient, scikit-learn's covariance formula.
    /// Undefined (scikit-learn reports 0) when truth or prediction holds one class only.
    pub fn mcc(&self) -> MetricValue {
        let t = self.truth_totals();
        let p = self.predicted_totals();
        let s = self.total();
        let c = self.correct();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let cov_ytyp = c * s - dot(&t, &p);
        let cov_ypyp = s * s - dot(&p, &p);
        let cov_ytyt = s * s - dot(&t, &t);
        if cov_ypyp * cov_ytyt == 0.0 {
            MetricValue::undefined(
                "mcc is 0/0 when the truth or the predictions hold a single class (scikit-learn reports 0)",
            )
        } else {
            MetricValue::defined(cov_ytyp / (cov_ytyt * cov_ypyp).sqrt())
        }
    }

    /// Cohen's kappa between truth and prediction (unweighted).
    pub fn cohen_kappa(&self) -> MetricValue {
        let t = self.truth_totals();
        let p = self.predicted_totals();
        let s = self.total();
        if s == 0.0 {
            return MetricValue::undefined("there are no items");
        }
        let observed_disagreement = s - self.correct();
        let expected_disagreement = s - t.iter().zip(&p).map(|(a, b)| a * b).sum::<f64>() / s;
        if expected_disagreement == 0.0 {
            MetricValue::undefined(
                "kappa is 0/0 when chance agreement is 1 (a single class in truth and predictions)",
            )
        } else {
            MetricValue::defined(1.0 - observed_disagreement / expected_disagreement)
        }
    }

    /// Kullback–Leibler divergence D(truth ‖ predicted) of the class distributions
    /// (natural log, as `scipy.stats.entropy`).
    pub fn kl_divergence(&self) -> MetricValue {
        kl_divergence(&self.truth_totals(), &self.predicted_totals())
    }
}

/// D(p ‖ q) after normalizing both, as `scipy.stats.entropy(p, q)`.
pub fn kl_divergence(p: &[f64], q: &[f64]) -> MetricValue {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    if sp <= 0.0 || sq <= 0.0 {
        return MetricValue::undefined("there are no items");
    }
    let mut d = 0.0;
    for (a, b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        if a > 0.0 {
            if b == 0.0 {
                return MetricValue::undefined(
                    "the predictions never name a class that the truth contains, so the divergence is infinite",
                );
            }
            d += a * (a / b).ln();
        }
    }
    MetricValue::defined(d)
}

/// Summed weights of the four outcomes of a binary decision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BinaryCounts {
    /// True positives.
    pub tp: f64,
    /// False positives.
    pub fp: f64,
    /// True negatives.
    pub tn: f64,
    /// False negatives.
    pub fn_: f64,
}

impl BinaryCounts {
    /// Precision: tp / (tp + fp).
    pub fn precision(&self) -> MetricValue {
        MetricValue::ratio(self.tp, self.tp + self.fp, "no item is predicted positive")
    }
    /// Recall (sensitivity, true positive rate): tp / (tp + fn).
    pub fn recall(&self) -> MetricValue {
        MetricValue::ratio(
            self.tp,
            self.tp + self.fn_,
            "no item is positive in the truth",
        )
    }
    /// Specificity (true negative rate): tn / (tn + fp).
    pub fn specificity(&self) -> MetricValue {
        MetricValue::ratio(
            self.tn,
            self.tn + self.fp,
            "no item is negative in the truth",
        )
    }
    /// False positive rate: fp / (fp + tn).
    pub fn fpr(&self) -> MetricValue {
        MetricValue::ratio(
            self.fp,
            self.fp + self.tn,
            "no item is negative in the truth",
        )
    }
    /// False negative rate: fn / (fn + tp).
    pub fn fnr(&self) -> MetricValue {
        MetricValue::ratio(
            self.fn_,
            self.fn_ + self.tp,
            "no item is positive in the truth",
        )
    }
    /// Negative predictive value: tn / (tn + fn).
    pub fn npv(&self) -> MetricValue {
        MetricValue::ratio(self.tn, self.tn + self.fn_, "no item is predicted negative")
    }
    /// F-beta: (1 + β²) tp / ((1 + β²) tp + β² fn + fp), as scikit-learn computes it.
    pub fn fbeta(&self, beta: f64) -> MetricValue {
        let b2 = beta * beta;
        MetricValue::ratio(
            (1.0 + b2) * self.tp,
            b2 * (self.tp + self.fn_) + (self.tp + self.fp),
            "no item is positive in the truth or in the predictions",
        )
    }
    /// Jaccard index: tp / (tp + fp + fn), 1 when the class is absent from truth and prediction.
    pub fn jaccard(&self) -> f64 {
        let d = self.tp + self.fp + self.fn_;
        if d == 0.0 { 1.0 } else { self.tp / d }
    }
    /// Summed weight of all items.
    pub fn total(&self) -> f64 {
        self.tp + self.fp + self.tn + self.fn_
    }
    /// As a 2×2 matrix with the negative class first.
    pub fn matrix(&self) -> ConfusionMatrix {
        ConfusionMatrix::from_cells(2, vec![self.tn, self.fp, self.fn_, self.tp])
    }
    /// Add another set of counts.
    pub fn merge(&mut self, other: &BinaryCounts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.tn += other.tn;
        self.fn_ += other.fn_;
    }
    /// Add one item.
    #[inline]
    pub fn add(&mut self, truth: bool, predicted: bool, weight: f64) {
        match (truth, predicted) {
            (true, true) => self.tp += weight,
            (true, false) => self.fn_ += weight,
            (false, true) => self.fp += weight,
            (false, false) => self.tn += weight,
        }
    }
}
