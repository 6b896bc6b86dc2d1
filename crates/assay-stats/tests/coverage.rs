//! Coverage: on simulated data with a known truth, 95 % intervals must cover
//! it in 93.5–96.5 % of 2000 repetitions (accuracy by Wilson, F1 by the
//! confusion-cell bootstrap, ROC AUC by DeLong, average precision by the
//! large-sample logit interval). Seeds are fixed, so the test
//! is deterministic; the band is about ±3 standard errors of a 95 % rate.

use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryState};
use assay_stats::binary::IntervalSettings;
use assay_stats::bootstrap::replicate_rng;
use assay_stats::{delong, proportion};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

const REPETITIONS: u64 = 2000;

fn assert_coverage(what: &str, covered: u64) {
    let rate = covered as f64 / REPETITIONS as f64;
    assert!(
        (0.935..=0.965).contains(&rate),
        "{what}: 95% intervals covered the truth in {:.1}% of runs",
        rate * 100.0
    );
}

#[test]
fn wilson_covers_accuracy() {
    let (p, n) = (0.8, 200u64);
    let mut covered = 0;
    for r in 0..REPETITIONS {
        let mut rng = replicate_rng(11, r);
        let x = (0..n).filter(|_| rng.random::<f64>() < p).count() as f64;
        let ci = proportion::wilson(x, n as f64, 0.95).unwrap();
        covered += u64::from(ci.low <= p && p <= ci.high);
    }
    assert_coverage("accuracy (Wilson)", covered);
}

#[test]
fn bootstrap_covers_f1() {
    // Population cells [tn, fp, fn, tp] = [.65, .10, .05, .20] and its F1 = 2tp / (2tp + fp + fn).
    let truth = 2.0 * 0.2 / (2.0 * 0.2 + 0.1 + 0.05);
    let settings = IntervalSettings {
        replicates: 1000,
        ..IntervalSettings::default()
    };
    let f1 = |k: &[u64]| {
        let d = 2 * k[3] + k[1] + k[2];
        (d > 0).then(|| 2.0 * k[3] as f64 / d as f64)
    };
    let mut covered = 0;
    for r in 0..REPETITIONS {
        let mut rng = replicate_rng(12, r);
        // A test set of 400 items drawn from the population proportions.
        let mut items = [0u64; 4];
        for _ in 0..400 {
            let u = rng.random::<f64>() * 1000.0;
            let cell = if u < 650.0 {
                0
            } else if u < 750.0 {
                1
            } else if u < 800.0 {
                2
            } else {
                3
            };
            items[cell] += 1;
        }
        let s = IntervalSettings {
            seed: r,
            ..settings
        };
        let ci = s.counts_interval(&items, 2, &f1).unwrap();
        covered += u64::from(ci.low <= truth && truth <= ci.high);
    }
    assert_coverage("f1 (bootstrap)", covered);
}

#[test]
fn delong_covers_auc() {
    // Binormal scores: positives N(1, 1), negatives N(0, 1); AUC = Φ(1/√2).
    let truth = assay_stats::normal_cdf(1.0 / 2f64.sqrt());
    let mut covered = 0;
    for r in 0..REPETITIONS {
        let mut rng = replicate_rng(13, r);
        let mut pos: Vec<f64> = (0..100)
            .map(|_| 1.0 + Distribution::<f64>::sample(&StandardNormal, &mut rng))
            .collect();
        let mut neg: Vec<f64> = (0..100).map(|_| StandardNormal.sample(&mut rng)).collect();
        pos.sort_by(f64::total_cmp);
        neg.sort_by(f64::total_cmp);
        let (auc, var) = delong::auc_variance(&pos, &neg).unwrap();
        let ci = delong::interval(auc, var.unwrap(), 100.0, 100.0, 0.95);
        covered += u64::from(ci.low <= truth && truth <= ci.high);
    }
    assert_coverage("roc_auc (DeLong)", covered);
}

/// Average precision of `n` binormal items (30 % positives, separation 1.5).
fn average_precision(n: usize, seed: u64, r: u64) -> (f64, f64) {
    let mut rng = replicate_rng(seed, r);
    let mut truth = Vec::with_capacity(n);
    let mut score = Vec::with_capacity(n);
    for _ in 0..n {
        let y = rng.random::<f64>() < 0.3;
        let z: f64 = StandardNormal.sample(&mut rng);
        truth.push(y);
        score.push(z + if y { 1.5 } else { 0.0 });
    }
    let config = BinaryConfig {
        probabilities: false,
        ..BinaryConfig::default()
    };
    let report = BinaryState::evaluate(
        config,
        &BinaryBatch {
            truth: &truth,
            score: Some(&score),
            prediction: None,
            weight: None,
        },
    )
    .expect("a valid batch");
    let positives = truth.iter().filter(|y| **y).count() as f64;
    (
        report
            .metrics
            .get("average_precision")
            .expect("the metric is computed")
            .value
            .expect("the metric is computed"),
        positives,
    )
}

#[test]
fn logit_interval_covers_average_precision() {
    // The population value, from one sample of two million items (its own
    // error, about 3e-4, is small against the intervals' width, about 0.04).
    let (truth, _) = average_precision(2_000_000, 99, 0);
    let mut covered = 0;
    for r in 0..REPETITIONS {
        let (ap, positives) = average_precision(2000, 14, r);
        let ci = assay_stats::binary::logit_interval(ap, positives, 0.95).unwrap();
        covered += u64::from(ci.low <= truth && truth <= ci.high);
    }
    assert_coverage("average_precision (logit)", covered);
}

/// The jackknife intervals of the multi-class AUC averages. Scores share a
/// per-item component across the class columns, so the classes' AUCs are
/// correlated (the case the per-class DeLong variances alone get wrong).
/// Column c: μ_c + e_i + ε_ic for items of class c, e_i + ε_ic otherwise, with
/// e, ε standard normal; every AUC (one-vs-rest and one-vs-one alike) is then
/// Φ(μ_c / 2), and all three averages equal the mean over classes.
#[test]
fn jackknife_covers_multiclass_auc_averages() {
    let mu = [0.9, 1.4, 2.0];
    let k = mu.len();
    let n = 600;
    let truth_value: f64 = mu
        .iter()
        .map(|m| assay_stats::normal_cdf(m / 2.0))
        .sum::<f64>()
        / k as f64;
    let truth: Vec<u32> = (0..n).map(|i| (i % k) as u32).collect();
    let mut covered = [0u64; 3];
    for r in 0..REPETITIONS {
        let mut rng = replicate_rng(17, r);
        let mut columns = vec![vec![0.0; n]; k];
        for i in 0..n {
            let shared: f64 = StandardNormal.sample(&mut rng);
            for c in 0..k {
                let own: f64 = StandardNormal.sample(&mut rng);
                let signal = if truth[i] as usize == c { mu[c] } else { 0.0 };
                columns[c][i] = signal + shared + own;
            }
        }
        let cis = assay_stats::jackknife::auc_averages(&truth, &columns, 0.95).unwrap();
        for (slot, ci) in covered.iter_mut().zip(&cis) {
            *slot += u64::from(ci.low <= truth_value && truth_value <= ci.high);
        }
    }
    eprintln!("jackknife coverage: {covered:?} of {REPETITIONS}");
    assert_coverage("one-vs-rest macro AUC (jackknife)", covered[0]);
    assert_coverage("one-vs-rest weighted AUC (jackknife)", covered[1]);
    assert_coverage("one-vs-one macro AUC (jackknife)", covered[2]);
}

/// The delete-a-group jackknife of the multi-label metrics past the row
/// budget. Four labels, each present with probability 0.3; the truth of an
/// item is predicted correctly with probability 0.85, and the errors of an
/// item's labels are correlated (a shared "hard item" draw), which a
/// label-by-label interval would miss. Hamming loss is then 0.15 and micro
/// recall 0.85 exactly.
#[test]
fn grouped_jackknife_covers_multilabel_metrics() {
    use assay_metrics::multilabel::{
        MultilabelBatch, MultilabelConfig, MultilabelInputs, MultilabelState,
    };
    let (labels, n) = (4, 1000);
    let settings = IntervalSettings {
        replicates: 200,
        row_budget: 1000, // far below n × labels × replicates: the large-sample path
        ..IntervalSettings::default()
    };
    let mut covered = [0u64; 2];
    for r in 0..REPETITIONS {
        let mut rng = replicate_rng(23, r);
        let mut truth = Vec::with_capacity(n * labels);
        let mut prediction = Vec::with_capacity(n * labels);
        for _ in 0..n {
            // Hard items (probability 0.25) err with 0.45, easy ones with 0.05: 0.15 overall.
            let hard = rng.random::<f64>() < 0.25;
            let error = if hard { 0.45 } else { 0.05 };
            for _ in 0..labels {
                let t = rng.random::<f64>() < 0.3;
                truth.push(t);
                prediction.push(if rng.random::<f64>() < error { !t } else { t });
            }
        }
        let config = MultilabelConfig {
            keep_rows: true,
            ..MultilabelConfig::new(labels)
        };
        let inputs = MultilabelInputs {
            scores: false,
            prediction: true,
            weight: false,
        };
        let mut state = MultilabelState::new(config, inputs).unwrap();
        state
            .update(&MultilabelBatch {
                truth: &truth,
                scores: None,
                prediction: Some(&prediction),
                weight: None,
            })
            .unwrap();
        let report = state.compute();
        let (global, _, note) = assay_stats::multilabel::intervals(&state, &report, &settings);
        assert!(note.unwrap().contains("jackknife"));
        let ci = |id: &str| global.iter().find(|(k, _)| k == id).unwrap().1.clone();
        let (h, rc) = (ci("hamming_loss"), ci("recall_micro"));
        assert_eq!(h.method, "jackknife");
        covered[0] += u64::from(h.low <= 0.15 && 0.15 <= h.high);
        covered[1] += u64::from(rc.low <= 0.85 && 0.85 <= rc.high);
    }
    eprintln!("grouped jackknife coverage: {covered:?} of {REPETITIONS}");
    assert_coverage("hamming loss (grouped jackknife)", covered[0]);
    assert_coverage("micro recall (grouped jackknife)", covered[1]);
}

/// Near the boundary (AUC ≈ 0.998, 12 items per class), where most samples
/// separate perfectly: DeLong alone would give the point [1, 1] there. The
/// interval of the largest variance (Birnbaum–Klose) then takes over; it is
/// conservative, so the whole procedure must cover at least 95 %, and the
/// share of perfect samples shows the boundary is where it is tested.
#[test]
fn the_boundary_auc_interval_is_not_a_point_and_covers() {
    let shift = 4.1;
    let truth = assay_stats::normal_cdf(shift / 2f64.sqrt());
    let (mut covered, mut perfect) = (0, 0);
    for r in 0..REPETITIONS {
        let mut rng = replicate_rng(17, r);
        let mut pos: Vec<f64> = (0..12)
            .map(|_| shift + Distribution::<f64>::sample(&StandardNormal, &mut rng))
            .collect();
        let mut neg: Vec<f64> = (0..12).map(|_| StandardNormal.sample(&mut rng)).collect();
        pos.sort_by(f64::total_cmp);
        neg.sort_by(f64::total_cmp);
        let (auc, var) = delong::auc_variance(&pos, &neg).unwrap();
        let ci = delong::interval(auc, var.unwrap(), 12.0, 12.0, 0.95);
        assert!(ci.high > ci.low, "a point interval at AUC {auc}");
        if auc == 1.0 {
            perfect += 1;
            assert_eq!(ci.method, assay_metrics::value::IntervalMethod::MaxVariance);
        }
        covered += u64::from(ci.low <= truth && truth <= ci.high);
    }
    let rate = covered as f64 / REPETITIONS as f64;
    assert!(perfect > REPETITIONS / 2, "{perfect} perfect samples");
    assert!(
        rate >= 0.95,
        "covered the truth in {:.1}% of runs",
        rate * 100.0
    );
}

/// MCE from its bins: a model whose frequencies run 0.9·p + 0.05 (the
/// largest gap 0.045 in the outer bins, by the bins' midpoints); 500 items,
/// 10 bins. The Bonferroni bound is conservative: at least 95 %.
#[test]
fn the_mce_interval_from_its_bins_covers() {
    let bins = 10;
    let mut covered = 0;
    for r in 0..REPETITIONS {
        let mut rng = replicate_rng(19, r);
        let mut cal = assay_metrics::calibration::CalibrationBins::new(bins);
        for _ in 0..500 {
            let p: f64 = rng.random();
            let y = rng.random::<f64>() < 0.9 * p + 0.05;
            cal.push(p, y, 1.0);
        }
        let table = cal.table();
        // The truth for these bins: each bin's own mean confidence against
        // the frequency its confidences imply.
        let truth = table
            .iter()
            .filter(|b| b.weight > 0.0)
            .map(|b| (b.mean_confidence - (0.9 * b.mean_confidence + 0.05)).abs())
            .fold(0.0, f64::max);
        let ci = proportion::mce_interval(&table, 0.95).unwrap();
        assert!(ci.high > ci.low);
        let estimate = cal.mce().unwrap();
        assert!(ci.low <= estimate && estimate <= ci.high);
        covered += u64::from(ci.low <= truth && truth <= ci.high);
    }
    let rate = covered as f64 / REPETITIONS as f64;
    assert!(
        rate >= 0.95,
        "covered the truth in {:.1}% of runs",
        rate * 100.0
    );
}

/// Regression: the row bootstrap's percentile intervals of the MAE and of
/// Pearson's r. y = x + e with x, e ~ N(0, 1), prediction x: the absolute
/// error |e| has mean √(2/π), and r(y, x) = 1/√2.
#[test]
fn row_bootstrap_covers_regression_metrics() {
    use assay_metrics::regression::{
        RegressionBatch, RegressionConfig, RegressionInputs, RegressionState,
    };
    let truth_mae = (2.0 / std::f64::consts::PI).sqrt();
    let truth_r = std::f64::consts::FRAC_1_SQRT_2;
    let settings = IntervalSettings {
        replicates: 400,
        ..IntervalSettings::default()
    };
    let (mut mae, mut r) = (0, 0);
    for rep in 0..REPETITIONS {
        let mut rng = replicate_rng(31, rep);
        let x: Vec<f64> = (0..300).map(|_| rng.sample(StandardNormal)).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|v| v + rng.sample::<f64, _>(StandardNormal))
            .collect();
        let mut state =
            RegressionState::new(RegressionConfig::default(), RegressionInputs::default()).unwrap();
        state
            .update(&RegressionBatch {
                target: &y,
                prediction: &x,
                weight: None,
                lower: None,
                upper: None,
            })
            .unwrap();
        let report = state.compute();
        let s = IntervalSettings {
            seed: rep,
            ..settings
        };
        let (cis, note) = assay_stats::regression::intervals(&state, &report, &s);
        assert!(note.is_none());
        let ci = |id: &str| cis.iter().find(|(i, _)| i == id).unwrap().1.clone();
        let (m, c) = (ci("mae"), ci("pearson_r"));
        mae += u64::from(m.low <= truth_mae && truth_mae <= m.high);
        r += u64::from(c.low <= truth_r && truth_r <= c.high);
    }
    assert_coverage("regression mae (row bootstrap)", mae);
    assert_coverage("regression pearson_r (row bootstrap)", r);
}

/// Clustering: the cell bootstrap's percentile intervals of the adjusted
/// Rand index and of purity. Classes 0, 1, 2 with probabilities 0.5, 0.3,
/// 0.2; an item keeps its class as its cluster with probability 0.75, else
/// falls in one of four clusters at random. The population's values are
/// those of the expected table at a billion items (the indices' large-n limit).
#[test]
fn cell_bootstrap_covers_clustering_metrics() {
    use assay_metrics::clustering::{
        ClusteringBatch, ClusteringConfig, ClusteringInputs, ClusteringState, external,
    };
    let class_p = [0.5, 0.3, 0.2];
    let (mut cells, mut expected) = (Vec::new(), Vec::new());
    for (i, p) in class_p.iter().enumerate() {
        for j in 0..4 {
            let q: f64 = if i == j {
                0.75 + 0.25 / 4.0
            } else {
                0.25 / 4.0
            };
            cells.push((i as u32, j as u32));
            expected.push((p * q * 1e9).round() as u64);
        }
    }
    let truth = external(&cells, &expected);
    let value = |id: &str| truth.get(id).unwrap().value.unwrap();
    let (truth_ari, truth_purity) = (value("adjusted_rand"), value("purity"));
    let settings = IntervalSettings {
        replicates: 400,
        ..IntervalSettings::default()
    };
    let (mut ari, mut purity) = (0, 0);
    for rep in 0..REPETITIONS {
        let mut rng = replicate_rng(37, rep);
        let (mut label, mut cluster) = (Vec::new(), Vec::new());
        for _ in 0..400 {
            let u: f64 = rng.random();
            let c = if u < 0.5 {
                0
            } else if u < 0.8 {
                1
            } else {
                2
            };
            let keep = rng.random::<f64>() < 0.75;
            label.push(c);
            cluster.push(if keep { c } else { rng.random_range(0..4u32) });
        }
        let inputs = ClusteringInputs {
            labels: true,
            features: 0,
        };
        let mut state = ClusteringState::new(ClusteringConfig::default(), inputs).unwrap();
        state
            .update(&ClusteringBatch {
                cluster: &cluster,
                label: Some(&label),
                features: None,
            })
            .unwrap();
        let report = state.compute();
        let s = IntervalSettings {
            seed: rep,
            ..settings
        };
        let (cis, _) = assay_stats::clustering::intervals(&state, &report, &s);
        let ci = |id: &str| cis.iter().find(|(i, _)| i == id).unwrap().1.clone();
        let (a, p) = (ci("adjusted_rand"), ci("purity"));
        ari += u64::from(a.low <= truth_ari && truth_ari <= a.high);
        purity += u64::from(p.low <= truth_purity && truth_purity <= p.high);
    }
    assert_coverage("clustering adjusted_rand (cell bootstrap)", ari);
    assert_coverage("clustering purity (cell bootstrap)", purity);
}
