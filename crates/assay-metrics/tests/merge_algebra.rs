//! Property tests for the state algebra: split–update–merge equals one pass,
//! merge is associative, and row order does not change any metric.
//!
//! Sums of weights may be added in another order after a split, so values are
//! compared to 1e-12 relative; with unit weights every sum is exact.

use assay_metrics::MetricSet;
use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryInputs, BinaryState};
use assay_metrics::multiclass::{
    MulticlassBatch, MulticlassConfig, MulticlassInputs, MulticlassState,
};
use assay_metrics::multilabel::{
    MultilabelBatch, MultilabelConfig, MultilabelInputs, MultilabelState,
};
use assay_metrics::ranking::CurveMode;
use proptest::prelude::*;

fn same(a: &MetricSet, b: &MetricSet) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.len(), b.len());
    for ((ka, va), (kb, vb)) in a.iter().zip(b.iter()) {
        prop_assert_eq!(ka, kb);
        match (va.value, vb.value) {
            (Some(x), Some(y)) => {
                prop_assert!(
                    (x - y).abs() <= 1e-12 * x.abs().max(y.abs()) + 1e-14,
                    "{}: {} vs {}",
                    ka,
                    x,
                    y
                )
            }
            (None, None) => {}
            (x, y) => prop_assert!(false, "{}: {:?} vs {:?}", ka, x, y),
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct BinaryRows {
    truth: Vec<bool>,
    score: Vec<f64>,
    weight: Vec<f64>,
}

fn binary_rows() -> impl Strategy<Value = BinaryRows> {
    prop::collection::vec((any::<bool>(), 0u8..=20, 0u8..4), 1..120).prop_map(|rows| BinaryRows {
        truth: rows.iter().map(|r| r.0).collect(),
        // Scores on a grid of 21 values: plenty of ties.
        score: rows.iter().map(|r| f64::from(r.1) / 20.0).collect(),
        weight: rows.iter().map(|r| f64::from(r.2) * 0.5).collect(),
    })
}

fn binary_state(
    rows: &BinaryRows,
    range: std::ops::Range<usize>,
    mode: CurveMode,
    weighted: bool,
) -> BinaryState {
    let config = BinaryConfig {
        curve_mode: mode,
        ..BinaryConfig::default()
    };
    let inputs = BinaryInputs {
        score: true,
        prediction: false,
        weight: weighted,
    };
    let mut s = BinaryState::new(config, inputs).expect("a state for these inputs");
    s.update(&BinaryBatch {
        truth: &rows.truth[range.clone()],
        score: Some(&rows.score[range.clone()]),
        prediction: None,
        weight: weighted.then(|| &rows.weight[range.clone()]),
    })
    .expect("a valid batch");
    s
}

fn modes() -> impl Strategy<Value = CurveMode> {
    prop_oneof![Just(CurveMode::Exact), Just(CurveMode::Binned { bits: 8 })]
}

proptest! {
    #[test]
    fn binary_split_merge_equals_one_pass(rows in binary_rows(), cut in 0.0f64..1.0, mode in modes(), weighted in any::<bool>()) {
        let n = rows.truth.len();
        let k = (cut * n as f64) as usize;
        let mut whole = binary_state(&rows, 0..n, mode, weighted);
        let mut left = binary_state(&rows, 0..k, mode, weighted);
        left.merge(binary_state(&rows, k..n, mode, weighted)).unwrap();
        same(&whole.compute().metrics, &left.compute().metrics)?;
    }

    #[test]
    fn binary_merge_is_associative(rows in binary_rows(), a in 0.0f64..1.0, b in 0.0f64..1.0, mode in modes()) {
        let n = rows.truth.len();
        let (i, j) = { let (x, y) = ((a * n as f64) as usize, (b * n as f64) as usize); (x.min(y), x.max(y)) };
        let part = |r: std::ops::Range<usize>| binary_state(&rows, r, mode, true);
        let mut left = part(0..i);
        let mut ab = part(i..j);
        ab.merge(part(j..n)).unwrap();
        left.merge(ab).unwrap();
        let mut right = part(0..i);
        right.merge(part(i..j)).unwrap();
        right.merge(part(j..n)).unwrap();
        same(&left.compute().metrics, &right.compute().metrics)?;
    }

    #[test]
    fn binary_row_order_does_not_matter(rows in binary_rows(), seed in any::<u64>()) {
        let n = rows.truth.len();
        let mut order: Vec<usize> = (0..n).collect();
        // A deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let shuffled = BinaryRows {
            truth: order.iter().map(|&i| rows.truth[i]).collect(),
            score: order.iter().map(|&i| rows.score[i]).collect(),
            weight: order.iter().map(|&i| rows.weight[i]).collect(),
        };
        let mut a = binary_state(&rows, 0..n, CurveMode::Exact, true);
        let mut b = binary_state(&shuffled, 0..n, CurveMode::Exact, true);
        let (ra, rb) = (a.compute(), b.compute());
        same(&ra.metrics, &rb.metrics)?;
        prop_assert_eq!(ra.ranking.unwrap().roc, rb.ranking.unwrap().roc);
    }

    #[test]
    fn multiclass_split_merge_equals_one_pass(
        rows in prop::collection::vec((0u32..4, prop::collection::vec(0u8..5, 4), 1u8..4), 1..80),
        cut in 0.0f64..1.0,
    ) {
        let k = 4;
        let truth: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let mut probs = Vec::new();
        for r in &rows {
            let total: f64 = r.1.iter().map(|&v| f64::from(v) + 1.0).sum();
            probs.extend(r.1.iter().map(|&v| (f64::from(v) + 1.0) / total));
        }
        let weight: Vec<f64> = rows.iter().map(|r| f64::from(r.2)).collect();
        let state = |range: std::ops::Range<usize>| {
            let inputs = MulticlassInputs { probabilities: true, prediction: false, weight: true };
            let mut s = MulticlassState::new(MulticlassConfig::new(k), inputs).unwrap();
            s.update(&MulticlassBatch {
                truth: &truth[range.clone()],
                probabilities: Some(&probs[range.start * k..range.end * k]),
                prediction: None,
                weight: Some(&weight[range]),
            }).unwrap();
            s
        };
        let n = truth.len();
        let c = (cut * n as f64) as usize;
        let mut whole = state(0..n);
        let mut parts = state(0..c);
        parts.merge(state(c..n)).unwrap();
        let (a, b) = (whole.compute(), parts.compute());
        same(&a.metrics, &b.metrics)?;
        for (x, y) in a.per_class.iter().zip(&b.per_class) {
            same(x, y)?;
        }
    }

    #[test]
    fn multilabel_split_merge_equals_one_pass(
        rows in prop::collection::vec((prop::collection::vec(any::<bool>(), 3), prop::collection::vec(0u8..10, 3)), 1..80),
        cut in 0.0f64..1.0,
        mode in modes(),
    ) {
        let l = 3;
        let truth: Vec<bool> = rows.iter().flat_map(|r| r.0.clone()).collect();
        let scores: Vec<f64> = rows.iter().flat_map(|r| r.1.iter().map(|&v| f64::from(v) / 10.0)).collect();
        let state = |range: std::ops::Range<usize>| {
            let mut config = MultilabelConfig::new(l);
            config.curve_mode = mode;
            let inputs = MultilabelInputs { scores: true, prediction: false, weight: false };
            let mut s = MultilabelState::new(config, inputs).unwrap();
            s.update(&MultilabelBatch {
                truth: &truth[range.start * l..range.end * l],
                scores: Some(&scores[range.start * l..range.end * l]),
                prediction: None,
                weight: None,
            }).unwrap();
            s
        };
        let n = rows.len();
        let c = (cut * n as f64) as usize;
        let mut whole = state(0..n);
        let mut parts = state(0..c);
        parts.merge(state(c..n)).unwrap();
        same(&whole.compute().metrics, &parts.compute().metrics)?;
    }
}

#[test]
fn merging_states_with_different_modes_is_refused() {
    let rows = BinaryRows {
        truth: vec![true, false],
        score: vec![0.2, 0.4],
        weight: vec![1.0, 1.0],
    };
    let mut a = binary_state(&rows, 0..2, CurveMode::Exact, false);
    let b = binary_state(&rows, 0..2, CurveMode::Binned { bits: 8 }, false);
    assert!(a.merge(b).is_err());
}

/// Clustering rows: (class, cluster, two features).
fn clustering_rows() -> impl Strategy<Value = Vec<(u32, u32, f64, f64)>> {
    prop::collection::vec((0u32..4, 0u32..6, -10.0f64..10.0, -10.0f64..10.0), 3..120)
}

fn clustering_metrics(rows: &[(u32, u32, f64, f64)], cuts: &[usize]) -> MetricSet {
    use assay_metrics::clustering::{
        ClusteringBatch, ClusteringConfig, ClusteringInputs, ClusteringState,
    };
    let inputs = ClusteringInputs {
        labels: true,
        features: 2,
    };
    let mut all: Option<ClusteringState> = None;
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&rows.len())) {
        let part = &rows[start..end.max(start)];
        let label: Vec<u32> = part.iter().map(|r| r.0).collect();
        let cluster: Vec<u32> = part.iter().map(|r| r.1).collect();
        let features: Vec<f64> = part.iter().flat_map(|r| [r.2, r.3]).collect();
        let mut s = ClusteringState::new(ClusteringConfig::default(), inputs).expect("a state");
        s.update(&ClusteringBatch {
            cluster: &cluster,
            label: Some(&label),
            features: Some(&features),
        })
        .expect("valid rows");
        match all.as_mut() {
            None => all = Some(s),
            Some(a) => a.merge(s).expect("same settings"),
        }
        start = end.max(start);
    }
    all.expect("a state").compute().metrics
}

proptest! {
    #[test]
    fn clustering_split_merge_equals_one_pass(rows in clustering_rows(), a in 0.0f64..1.0, b in 0.0f64..1.0) {
        let n = rows.len();
        let (a, b) = ((a * n as f64) as usize, (b * n as f64) as usize);
        let cuts = [a.min(b), a.max(b)];
        same(&clustering_metrics(&rows, &[]), &clustering_metrics(&rows, &cuts))?;
    }

    #[test]
    fn clustering_row_order_does_not_matter(rows in clustering_rows(), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        same(&clustering_metrics(&rows, &[]), &clustering_metrics(&shuffled, &[]))?;
    }
}
