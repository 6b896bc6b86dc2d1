//! Clustering: a cluster assignment per item, optionally its ground-truth
//! class (external metrics, from the contingency table of classes ×
//! clusters) and its feature vector (internal metrics, Euclidean).
//!
//! The state keeps the contingency table as counts (mergeable exactly:
//! merging adds the counts) and, when there are features, the points
//! themselves (the internal metrics need every point; merging appends).
//! Classes and clusters are indices given by the caller's encoders; the
//! metrics do not depend on their order.
//!
//! Definitions are scikit-learn's defaults (`sklearn.metrics.cluster`,
//! 1.9): the pair-counting indices from the pair confusion matrix in
//! exact integers, the information-theoretic ones in natural logarithms,
//! NMI and AMI with the arithmetic mean as normaliser, AMI's expected
//! mutual information under the hypergeometric model, purity as the share
//! of items in their cluster's majority class. scikit-learn's conventions
//! for degenerate labelings (one cluster, one class, every item its own
//! cluster) are kept: they are definitions, documented there, not
//! undefined values. Where scikit-learn raises (an internal metric with
//! fewer than two clusters or as many clusters as items) the metric is
//! `None` with the reason.
//!
//! The silhouette costs O(n²): it is exact up to
//! [`ClusteringConfig::silhouette_rows`] points; above, it is the
//! silhouette of a seeded sample of that many points (as scikit-learn's
//! `sample_size` does), and the report says so. The per-point values are
//! kept in the report, so an interval can be put on their mean.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::batch::check_len;
use crate::state::delegate_state;
use crate::{BatchError, Field, MergeError, MetricSet, MetricValue};

/// The metrics that need ground-truth classes.
pub const EXTERNAL: [&str; 10] = [
    "adjusted_rand",
    "rand",
    "adjusted_mutual_info",
    "normalized_mutual_info",
    "mutual_info",
    "homogeneity",
    "completeness",
    "v_measure",
    "fowlkes_mallows",
    "purity",
];

/// The metrics that need the features.
pub const INTERNAL: [&str; 3] = ["silhouette", "davies_bouldin", "calinski_harabasz"];

/// Points up to which the silhouette is exact (above: a sample this size).
pub const SILHOUETTE_ROWS: usize = 20_000;

/// Settings of a clustering state.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusteringConfig {
    /// Points up to which the silhouette is computed over every point;
    /// above, over a seeded sample of this many.
    pub silhouette_rows: usize,
    /// Seed of the silhouette's sample.
    pub seed: u64,
}

impl Default for ClusteringConfig {
    fn default() -> Self {
        Self {
            silhouette_rows: SILHOUETTE_ROWS,
            seed: 4213,
        }
    }
}

/// Which optional inputs the batches carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClusteringInputs {
    /// Ground-truth classes.
    pub labels: bool,
    /// Features per point (0: none).
    pub features: usize,
}

/// One batch of rows. A bad feature is reported as `Field::Score(Some(j))`,
/// feature `j`.
#[derive(Debug, Clone, Copy)]
pub struct ClusteringBatch<'a> {
    /// Cluster indices.
    pub cluster: &'a [u32],
    /// Class indices.
    pub label: Option<&'a [u32]>,
    /// Features, row-major, `features` values a row.
    pub features: Option<&'a [f64]>,
}

/// Rows, owned (rows picked out of a batch).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusteringRows {
    /// Cluster indices.
    pub cluster: Vec<u32>,
    /// Class indices.
    pub label: Option<Vec<u32>>,
    /// Features, row-major.
    pub features: Option<Vec<f64>>,
}

/// The contingency table's non-empty cells: (class, cluster) and count, in
/// a fixed order (class, then cluster). Without classes every item is of
/// class 0, and the table holds the cluster sizes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contingency {
    /// (class, cluster) of each cell.
    pub cells: Vec<(u32, u32)>,
    /// Items in each cell.
    pub counts: Vec<u64>,
}

/// The points of a state with features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Points {
    /// Features per point.
    pub width: usize,
    /// Each point's cluster.
    pub cluster: Vec<u32>,
    /// Features, row-major.
    pub features: Vec<f64>,
}

impl Points {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.cluster.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.cluster.is_empty()
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.features[i * self.width..(i + 1) * self.width]
    }
}

/// How the silhouette was computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Silhouette {
    /// The points it was computed over (all, or the sample), in order.
    pub rows: Vec<usize>,
    /// Whether those are a sample of the state's points.
    pub sampled: bool,
    /// Each of those points' silhouette value.
    pub samples: Vec<f64>,
}

/// Everything a clustering state computes.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusteringReport {
    /// Items.
    pub rows: u64,
    /// The metrics: external when there are classes, internal when there
    /// are features.
    pub metrics: MetricSet,
    /// The contingency table.
    pub contingency: Contingency,
    /// The silhouette's points and values, when there are features.
    pub silhouette: Option<Silhouette>,
}

/// The mergeable state.
#[derive(Debug, Clone)]
pub struct ClusteringState {
    config: ClusteringConfig,
    inputs: ClusteringInputs,
    cells: FxHashMap<(u32, u32), u64>,
    rows: u64,
    points: Option<Points>,
}

impl ClusteringState {
    /// An empty state.
    pub fn new(config: ClusteringConfig, inputs: ClusteringInputs) -> Result<Self, BatchError> {
        let points = (inputs.features > 0).then(|| Points {
            width: inputs.features,
            ..Points::default()
        });
        Ok(Self {
            config,
            inputs,
            cells: FxHashMap::default(),
            rows: 0,
            points,
        })
    }

    /// The settings.
    pub fn config(&self) -> &ClusteringConfig {
        &self.config
    }

    /// Add a batch; on error nothing is added.
    pub fn update(&mut self, b: &ClusteringBatch<'_>) -> Result<(), BatchError> {
        let n = b.cluster.len();
        match (b.label, self.inputs.labels) {
            (Some(l), true) => check_len(Field::Truth(None), n, l.len())?,
            (None, false) => {}
            _ => {
                return Err(BatchError::Inputs(
                    "does not carry the classes it was made for",
                ));
            }
        }
        let width = self.inputs.features;
        match (b.features, width > 0) {
            (Some(f), true) => {
                check_len(Field::Score(None), n * width, f.len())?;
                if let Some((i, &value)) = f.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    return Err(BatchError::NonFinite {
                        row: i / width,
                        field: Field::Score(Some(i % width)),
                        value,
                    });
                }
            }
            (None, false) => {}
            _ => {
                return Err(BatchError::Inputs(
                    "does not carry the features it was made for",
                ));
            }
        }
        for i in 0..n {
            let class = b.label.map_or(0, |l| l[i]);
            *self.cells.entry((class, b.cluster[i])).or_insert(0) += 1;
        }
        self.rows += n as u64;
        if let (Some(p), Some(f)) = (self.points.as_mut(), b.features) {
            p.cluster.extend_from_slice(b.cluster);
            p.features.extend_from_slice(f);
        }
        Ok(())
    }

    /// Fold in another state of the same settings.
    pub fn merge(&mut self, other: ClusteringState) -> Result<(), MergeError> {
        if self.config != other.config || self.inputs != other.inputs {
            return Err(MergeError::ConfigMismatch);
        }
        for (k, c) in other.cells {
            *self.cells.entry(k).or_insert(0) += c;
        }
        self.rows += other.rows;
        if let (Some(p), Some(o)) = (self.points.as_mut(), other.points) {
            p.cluster.extend(o.cluster);
            p.features.extend(o.features);
        }
        Ok(())
    }

    /// The contingency table, cells in (class, cluster) order.
    pub fn contingency(&self) -> Contingency {
        let mut cells: Vec<((u32, u32), u64)> = self.cells.iter().map(|(&k, &c)| (k, c)).collect();
        cells.sort_unstable();
        Contingency {
            cells: cells.iter().map(|c| c.0).collect(),
            counts: cells.iter().map(|c| c.1).collect(),
        }
    }

    /// The points, when the state has features.
    pub fn points(&self) -> Option<&Points> {
        self.points.as_ref()
    }

    /// Whether the rows carry classes.
    pub fn inputs(&self) -> ClusteringInputs {
        self.inputs
    }

    /// Compute every metric.
    pub fn compute(&mut self) -> ClusteringReport {
        let contingency = self.contingency();
        let mut metrics = MetricSet::new();
        if self.inputs.labels {
            metrics = external(&contingency.cells, &contingency.counts);
        }
        let silhouette = self.points.as_ref().map(|p| {
            let (mut set, sil) = internal(p, &self.config);
            for id in INTERNAL {
                if let Some(v) = set.get_mut(id) {
                    metrics.insert(id, v.clone());
                }
            }
            sil
        });
        ClusteringReport {
            rows: self.rows,
            metrics,
            contingency,
            silhouette,
        }
    }
}

delegate_state!(
    ClusteringState,
    ClusteringConfig,
    ClusteringInputs,
    ClusteringBatch,
    ClusteringRows,
    ClusteringReport,
    {
        fn pick(_: &ClusteringConfig, b: &ClusteringBatch<'_>, rows: &[usize]) -> ClusteringRows {
            let width = b
                .features
                .map_or(0, |f| f.len().checked_div(b.cluster.len()).unwrap_or(0));
            ClusteringRows {
                cluster: crate::state::pick(b.cluster, rows),
                label: b.label.map(|l| crate::state::pick(l, rows)),
                features: b.features.map(|f| crate::state::pick_rows(f, width, rows)),
            }
        }

        fn batch(rows: &ClusteringRows) -> ClusteringBatch<'_> {
            ClusteringBatch {
                cluster: &rows.cluster,
                label: rows.label.as_deref(),
                features: rows.features.as_deref(),
            }
        }
    }
);

/// Marginals of a contingency table: dense over the indices (for a cell's
/// row and column sums) and the non-empty ones (the labelings' groups).
struct Marginals {
    n: u64,
    /// Items per class index.
    rows: Vec<u64>,
    /// Items per cluster index.
    cols: Vec<u64>,
    /// The non-empty classes' sizes.
    classes: Vec<u64>,
    /// The non-empty clusters' sizes.
    clusters: Vec<u64>,
}

impl Marginals {
    fn of(cells: &[(u32, u32)], counts: &[u64]) -> Self {
        let width =
            |f: fn(&(u32, u32)) -> u32| cells.iter().map(|c| f(c) as usize + 1).max().unwrap_or(0);
        let (mut rows, mut cols) = (vec![0u64; width(|c| c.0)], vec![0u64; width(|c| c.1)]);
        for (&(i, j), &c) in cells.iter().zip(counts) {
            rows[i as usize] += c;
            cols[j as usize] += c;
        }
        let non_empty = |v: &[u64]| v.iter().copied().filter(|&c| c > 0).collect();
        Self {
            n: counts.iter().sum(),
            classes: non_empty(&rows),
            clusters: non_empty(&cols),
            rows,
            cols,
        }
    }
}

/// Entropy (natural log) of a labeling with these non-empty group sizes.
fn entropy(sizes: &[u64], n: u64) -> f64 {
    if sizes.len() <= 1 {
        return 0.0;
    }
    let (n, ln_n) = (n as f64, (n as f64).ln());
    -sizes
        .iter()
        .map(|&s| (s as f64 / n) * ((s as f64).ln() - ln_n))
        .sum::<f64>()
}

fn sum_squares(values: impl Iterator<Item = u64>) -> i128 {
    values.map(|v| i128::from(v) * i128::from(v)).sum()
}

/// Every external metric of the table whose non-empty cells are `cells`
/// with `counts` (zero counts allowed: a resampled table).
pub fn external(cells: &[(u32, u32)], counts: &[u64]) -> MetricSet {
    let mut set = MetricSet::new();
    let m = Marginals::of(cells, counts);
    if m.n == 0 {
        for id in EXTERNAL {
            set.insert(id, MetricValue::undefined("there are no rows"));
        }
        return set;
    }
    let n = i128::from(m.n);
    let (kr, kc) = (m.classes.len(), m.clusters.len());
    // The pair confusion matrix over ordered pairs, in exact integers.
    let sq_cells = sum_squares(counts.iter().copied());
    let sq_classes = sum_squares(m.classes.iter().copied());
    let sq_clusters = sum_squares(m.clusters.iter().copied());
    let tp = sq_cells - n;
    let fp = sq_clusters - sq_cells;
    let fn_ = sq_classes - sq_cells;
    let tn = n * n - fp - fn_ - sq_cells;
    let (agree, pairs) = (tp + tn, n * n - n);
    let rand = if agree == pairs || pairs == 0 {
        1.0
    } else {
        agree as f64 / pairs as f64
    };
    let ari = if fn_ == 0 && fp == 0 {
        1.0
    } else {
        let num = 2 * (tp * tn - fn_ * fp);
        let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
        num as f64 / den as f64
    };
    set.insert("adjusted_rand", MetricValue::defined(ari));
    set.insert("rand", MetricValue::defined(rand));

    let mi = mutual_info(cells, counts, &m);
    let (h_true, h_pred) = (entropy(&m.classes, m.n), entropy(&m.clusters, m.n));
    let eps = f64::EPSILON;
    let ami = if (kr == 1 && kc == 1) || (kr == 0 && kc == 0) {
        1.0
    } else if kr == 1 || kc == 1 {
        0.0
    } else {
        let emi = expected_mutual_info(&m.classes, &m.clusters, m.n);
        let normalizer = (h_true + h_pred) / 2.0;
        let clamp = |x: f64| if x < 0.0 { x.min(-eps) } else { x.max(eps) };
        clamp(mi - emi) / clamp(normalizer - emi)
    };
    let nmi = if kr == 1 && kc == 1 {
        1.0
    } else if mi == 0.0 {
        0.0
    } else {
        mi / ((h_true + h_pred) / 2.0)
    };
    set.insert("adjusted_mutual_info", MetricValue::defined(ami));
    set.insert("normalized_mutual_info", MetricValue::defined(nmi));
    set.insert("mutual_info", MetricValue::defined(mi));
    let homogeneity = if h_true != 0.0 { mi / h_true } else { 1.0 };
    let completeness = if h_pred != 0.0 { mi / h_pred } else { 1.0 };
    let v = if homogeneity + completeness == 0.0 {
        0.0
    } else {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    };
    set.insert("homogeneity", MetricValue::defined(homogeneity));
    set.insert("completeness", MetricValue::defined(completeness));
    set.insert("v_measure", MetricValue::defined(v));
    let (tk, pk, qk) = (tp, sq_clusters - n, sq_classes - n);
    let fmi = if tk != 0 {
        (tk as f64 / pk as f64).sqrt() * (tk as f64 / qk as f64).sqrt()
    } else {
        0.0
    };
    set.insert("fowlkes_mallows", MetricValue::defined(fmi));
    set.insert(
        "purity",
        MetricValue::defined(
            majority_agreement(cells, counts, &majority(cells, counts)) / m.n as f64,
        ),
    );
    set
}

/// Each cluster's majority class (the first, by class index, of equal
/// counts), indexed by cluster.
pub fn majority(cells: &[(u32, u32)], counts: &[u64]) -> Vec<Option<(u32, u64)>> {
    let cols = cells.iter().map(|c| c.1 as usize + 1).max().unwrap_or(0);
    let mut best: Vec<Option<(u32, u64)>> = vec![None; cols];
    for (&(i, j), &c) in cells.iter().zip(counts) {
        let b = &mut best[j as usize];
        if c > 0 && b.is_none_or(|(_, bc)| c > bc) {
            *b = Some((i, c));
        }
    }
    best
}

/// Items of the table whose class is their cluster's class under
/// `mapping` (cluster → majority class of some table).
pub fn majority_agreement(
    cells: &[(u32, u32)],
    counts: &[u64],
    mapping: &[Option<(u32, u64)>],
) -> f64 {
    cells
        .iter()
        .zip(counts)
        .filter(|((i, j), _)| {
            mapping
                .get(*j as usize)
                .copied()
                .flatten()
                .is_some_and(|(c, _)| c == *i)
        })
        .map(|(_, &c)| c as f64)
        .sum()
}

/// Mutual information (natural log), as scikit-learn sums it over the
/// non-empty cells.
fn mutual_info(cells: &[(u32, u32)], counts: &[u64], m: &Marginals) -> f64 {
    if m.classes.len() <= 1 || m.clusters.len() <= 1 {
        return 0.0;
    }
    let (a, b) = (&m.rows, &m.cols);
    let n = m.n as f64;
    let ln_n = n.ln();
    let mut sum = 0.0;
    for (&(i, j), &c) in cells.iter().zip(counts) {
        if c == 0 {
            continue;
        }
        let c_nm = c as f64 / n;
        let outer = (a[i as usize] as f64) * (b[j as usize] as f64);
        let log_outer = -outer.ln() + ln_n + ln_n;
        let term = c_nm * ((c as f64).ln() - ln_n) + c_nm * log_outer;
        if term.abs() >= f64::EPSILON {
            sum += term;
        }
    }
    sum.max(0.0)
}

/// The expected mutual information of two labelings with these group
/// sizes under the hypergeometric model of chance (Vinh, Epps and Bailey,
/// 2010), each term as scikit-learn computes it. A cell with more than 64
/// possible counts is summed from the mode of its hypergeometric
/// distribution outward, by the ratio of neighbouring probabilities, until
/// the probability falls below 10⁻²⁴ of the mode's (it falls
/// monotonically: the distribution is log-concave), which leaves out less
/// than the double-precision rounding of the whole.
pub fn expected_mutual_info(a: &[u64], b: &[u64], n: u64) -> f64 {
    let lg = |x: f64| libm::lgamma(x);
    let nf = n as f64;
    let ln_n = nf.ln();
    let gln_n1 = lg(nf + 1.0);
    let prep = |s: &[u64]| -> Vec<(f64, f64, f64)> {
        s.iter()
            .map(|&x| {
                let x = x as f64;
                (x.ln(), lg(x + 1.0), lg(nf - x + 1.0))
            })
            .collect()
    };
    let (pa, pb) = (prep(a), prep(b));
    let cell = |i: usize, j: usize| -> f64 {
        let (ai, bj) = (a[i], b[j]);
        let (log_a, gln_a, gln_na) = pa[i];
        let (log_b, gln_b, gln_nb) = pb[j];
        let start = 1.max((ai + bj).saturating_sub(n));
        let end = ai.min(bj);
        if start > end {
            return 0.0;
        }
        let (af, bf) = (ai as f64, bj as f64);
        let pmf = |k: u64| {
            let k = k as f64;
            let gln = gln_a + gln_b + gln_na + gln_nb
                - (lg(k + 1.0) + gln_n1)
                - lg(af - k + 1.0)
                - lg(bf - k + 1.0)
                - lg(nf - af - bf + k + 1.0);
            gln.exp()
        };
        let term = |k: u64, p: f64| {
            let kf = k as f64;
            (kf / nf) * ((ln_n + kf.ln()) - log_a - log_b) * p
        };
        if end - start < 64 {
            return (start..=end).map(|k| term(k, pmf(k))).sum();
        }
        // From the mode outward, each probability from its neighbour's by
        // the ratio p(k+1)/p(k) = (a−k)(b−k) / ((k+1)(N−a−b+k+1)): one
        // product a step instead of four log-gammas, and no cancellation of
        // log-gammas near ln Γ(N).
        let rest = nf - af - bf;
        let up = |k: f64| (af - k) * (bf - k) / ((k + 1.0) * (rest + k + 1.0));
        let mode = (((af + 1.0) * (bf + 1.0) / (nf + 2.0)).floor() as u64).clamp(start, end);
        let top = pmf(mode);
        let floor = top * 1e-24;
        let mut sum = term(mode, top);
        let (mut k, mut p) = (mode, top);
        while k < end && p >= floor {
            p *= up(k as f64);
            k += 1;
            sum += term(k, p);
        }
        let (mut k, mut p) = (mode, top);
        while k > start && p >= floor {
            k -= 1;
            p /= up(k as f64);
            sum += term(k, p);
        }
        sum
    };
    (0..a.len())
        .into_par_iter()
        .map(|i| (0..b.len()).map(|j| cell(i, j)).sum::<f64>())
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// The points of `p` grouped: dense cluster indices (in order of first
/// appearance over the points given) and their count.
fn dense_clusters(cluster: impl Iterator<Item = u32>) -> (Vec<usize>, usize) {
    let mut map: FxHashMap<u32, usize> = FxHashMap::default();
    let idx = cluster
        .map(|c| {
            let k = map.len();
            *map.entry(c).or_insert(k)
        })
        .collect();
    (idx, map.len())
}

/// Why an internal metric is undefined for `k` clusters of `n` points.
fn cluster_count_reason(k: usize, n: usize) -> Option<String> {
    (k < 2 || k >= n)
        .then(|| format!("needs between 2 and n − 1 clusters; the {n} points are in {k}"))
}

/// The Davies–Bouldin and Calinski–Harabasz indices of the points with
/// multiplicities `weights` (every point once when `None`; a bootstrap
/// replicate's counts otherwise: the same as the points repeated).
pub fn dispersion(p: &Points, weights: Option<&[f64]>) -> MetricSet {
    let mut set = MetricSet::new();
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let (idx, _) = dense_clusters((0..p.len()).filter(|&i| w(i) > 0.0).map(|i| p.cluster[i]));
    let kept: Vec<usize> = (0..p.len()).filter(|&i| w(i) > 0.0).collect();
    let k = idx.iter().copied().max().map_or(0, |m| m + 1);
    let n: f64 = kept.iter().map(|&i| w(i)).sum();
    if let Some(why) = cluster_count_reason(k, n as usize) {
        set.insert("davies_bouldin", MetricValue::undefined(why.clone()));
        set.insert("calinski_harabasz", MetricValue::undefined(why));
        return set;
    }
    let d = p.width;
    let mut sizes = vec![0.0; k];
    let mut centroids = vec![0.0; k * d];
    let mut mean = vec![0.0; d];
    for (&i, &c) in kept.iter().zip(&idx) {
        let wi = w(i);
        sizes[c] += wi;
        for (f, x) in p.row(i).iter().enumerate() {
            centroids[c * d + f] += wi * x;
            mean[f] += wi * x;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    for c in 0..k {
        for f in 0..d {
            centroids[c * d + f] /= sizes[c];
        }
    }
    let centroid = |c: usize| &centroids[c * d..(c + 1) * d];
    let mut intra_sq = 0.0;
    let mut intra = vec![0.0; k];
    for (&i, &c) in kept.iter().zip(&idx) {
        let sq = squared_distance(p.row(i), centroid(c));
        intra_sq += w(i) * sq;
        intra[c] += w(i) * sq.sqrt();
    }
    let extra: f64 = (0..k)
        .map(|c| sizes[c] * squared_distance(centroid(c), &mean))
        .sum();
    let ch = if intra_sq == 0.0 {
        1.0
    } else {
        extra * (n - k as f64) / (intra_sq * (k as f64 - 1.0))
    };
    for c in 0..k {
        intra[c] /= sizes[c];
    }
    let near_zero = |x: f64| x.abs() <= 1e-8;
    let between = |a: usize, b: usize| squared_distance(centroid(a), centroid(b)).sqrt();
    let all_between_zero = (0..k).all(|a| (0..k).all(|b| near_zero(between(a, b))));
    let db = if intra.iter().all(|&x| near_zero(x)) || all_between_zero {
        0.0
    } else {
        let scores = (0..k).map(|a| {
            (0..k)
                .filter(|&b| b != a)
                .map(|b| {
                    let dist = between(a, b);
                    if dist == 0.0 {
                        0.0
                    } else {
                        (intra[a] + intra[b]) / dist
                    }
                })
                .fold(0.0, f64::max)
        });
        scores.sum::<f64>() / k as f64
    };
    set.insert("davies_bouldin", MetricValue::defined(db));
    set.insert("calinski_harabasz", MetricValue::defined(ch));
    set
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The silhouette value of each of the points `rows` of `p`, against those
/// points only (scikit-learn's `silhouette_samples`: 0 for a point alone
/// in its cluster); `None` with the reason when there are fewer than two
/// clusters or as many clusters as points.
pub fn silhouette_samples(p: &Points, rows: &[usize]) -> Result<Vec<f64>, String> {
    let (idx, k) = dense_clusters(rows.iter().map(|&i| p.cluster[i]));
    if let Some(why) = cluster_count_reason(k, rows.len()) {
        return Err(why);
    }
    let mut sizes = vec![0usize; k];
    for &c in &idx {
        sizes[c] += 1;
    }
    Ok(rows
        .par_iter()
        .enumerate()
        .map_init(
            || vec![0.0; k],
            |sums, (a, &i)| {
                sums.iter_mut().for_each(|s| *s = 0.0);
                let x = p.row(i);
                for (b, &j) in rows.iter().enumerate() {
                    sums[idx[b]] += squared_distance(x, p.row(j)).sqrt();
                }
                let own = idx[a];
                if sizes[own] <= 1 {
                    return 0.0;
                }
                let intra = sums[own] / (sizes[own] - 1) as f64;
                let inter = (0..k)
                    .filter(|&c| c != own)
                    .map(|c| sums[c] / sizes[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                let s = (inter - intra) / intra.max(inter);
                if s.is_nan() { 0.0 } else { s }
            },
        )
        .collect())
}

/// The points the silhouette is computed over: all, or a seeded sample of
/// `config.silhouette_rows` (a partial Fisher–Yates shuffle driven by
/// SplitMix64), in increasing order.
pub fn silhouette_rows(n: usize, config: &ClusteringConfig) -> Vec<usize> {
    let m = config.silhouette_rows;
    if n <= m {
        return (0..n).collect();
    }
    let mut state = config.seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let span = (n - i) as u64;
        // Lemire's multiply-shift: uniform enough for a 64-bit draw.
        let j = i + ((u128::from(next()) * u128::from(span)) >> 64) as usize;
        all.swap(i, j);
    }
    let mut picked = all[..m].to_vec();
    picked.sort_unstable();
    picked
}

/// The internal metrics of the points, and how the silhouette was computed.
fn internal(p: &Points, config: &ClusteringConfig) -> (MetricSet, Silhouette) {
    let mut set = dispersion(p, None);
    let rows = silhouette_rows(p.len(), config);
    let sampled = rows.len() < p.len();
    let (value, samples) = match silhouette_samples(p, &rows) {
        Ok(s) => {
            let mean = s.iter().sum::<f64>() / s.len() as f64;
            let mut v = MetricValue::defined(mean);
            if sampled {
                v = v.with_note(format!(
                    "the silhouette of a seeded sample of {} of the {} points (exact up to {})",
                    rows.len(),
                    p.len(),
                    config.silhouette_rows
                ));
            }
            (v, s)
        }
        Err(why) => (MetricValue::undefined(why), Vec::new()),
    };
    set.insert("silhouette", value);
    (
        set,
        Silhouette {
            rows,
            sampled,
            samples,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(labels: &[u32], clusters: &[u32]) -> MetricSet {
        let mut s = ClusteringState::new(
            ClusteringConfig::default(),
            ClusteringInputs {
                labels: true,
                features: 0,
            },
        )
        .expect("state");
        s.update(&ClusteringBatch {
            cluster: clusters,
            label: Some(labels),
            features: None,
        })
        .expect("rows");
        s.compute().metrics
    }

    fn value(set: &MetricSet, id: &str) -> f64 {
        set.get(id).and_then(|m| m.value).expect(id)
    }

    #[test]
    fn documented_examples_of_scikit_learn() {
        // From scikit-learn's docstrings.
        let m = table(&[0, 0, 1, 2], &[0, 0, 1, 1]);
        assert!((value(&m, "adjusted_rand") - 0.571_428_571_428_571_4).abs() < 1e-15);
        let m = table(&[0, 0, 1, 1], &[1, 1, 0, 0]);
        assert_eq!(value(&m, "adjusted_rand"), 1.0);
        assert_eq!(value(&m, "fowlkes_mallows"), 1.0);
        let m = table(&[0, 0, 0, 0], &[0, 1, 2, 3]);
        assert_eq!(value(&m, "adjusted_mutual_info"), 0.0);
        assert_eq!(value(&m, "normalized_mutual_info"), 0.0);
        assert_eq!(value(&m, "fowlkes_mallows"), 0.0);
        let m = table(&[0, 0, 1, 1, 2, 2], &[0, 0, 1, 2, 2, 2]);
        assert!((value(&m, "homogeneity") - 0.710_309).abs() < 1e-6);
        assert!((value(&m, "purity") - 5.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn the_truncated_expected_mutual_information_is_the_full_sum() {
        let (a, b) = ([300u64, 500, 200], [250u64, 250, 400, 100]);
        let n = 1000;
        let lg = |x: f64| libm::lgamma(x);
        let nf = n as f64;
        // Each probability is the exponential of a sum of log-gammas near
        // ln Γ(1001) ≈ 5.9e3, whose rounding (≈ 1e-12) carries into it:
        // two summation orders agree to about 1e-12 relative (scikit-learn
        // gives 0.0030154772312978467), a truncation that lost a term would not.
        let mut full = 0.0;
        for &ai in &a {
            for &bj in &b {
                let (af, bf) = (ai as f64, bj as f64);
                for k in 1.max((ai + bj).saturating_sub(n))..=ai.min(bj) {
                    let kf = k as f64;
                    let p = (lg(af + 1.0) + lg(bf + 1.0) + lg(nf - af + 1.0) + lg(nf - bf + 1.0)
                        - lg(kf + 1.0)
                        - lg(nf + 1.0)
                        - lg(af - kf + 1.0)
                        - lg(bf - kf + 1.0)
                        - lg(nf - af - bf + kf + 1.0))
                    .exp();
                    full += kf / nf * (nf * kf / (af * bf)).ln() * p;
                }
            }
        }
        let fast = expected_mutual_info(&a, &b, n);
        assert!((fast - full).abs() <= 1e-11 * full, "{fast} vs {full}");
        assert!((fast - 0.003_015_477_231_297_846_7).abs() <= 1e-11 * full);
    }

    #[test]
    fn a_seeded_sample_is_the_same_each_time_and_distinct() {
        let config = ClusteringConfig {
            silhouette_rows: 100,
            seed: 7,
        };
        let a = silhouette_rows(10_000, &config);
        assert_eq!(a, silhouette_rows(10_000, &config));
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_ne!(
            a,
            silhouette_rows(10_000, &ClusteringConfig { seed: 8, ..config })
        );
    }
}
