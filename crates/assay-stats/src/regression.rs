//! Intervals of the regression metrics: the row bootstrap of the shared
//! settings (Poisson row counts, each replicate the rows repeated as often
//! as drawn, so the median, the maximum and the rank correlations are
//! those of a resampled data set), percentile or BCa; the prediction
//! interval's coverage, a proportion, by the proportion interval on
//! unweighted rows.

use assay_metrics::regression::{RegressionReport, RegressionRows, RegressionState, metrics};
use assay_metrics::value::Interval;

use crate::binary::IntervalSettings;

/// The rows of `rows` repeated `counts[i]` times each (a bootstrap
/// replicate's or a jackknife deletion's data).
fn repeated(rows: &RegressionRows, counts: &[f64]) -> RegressionRows {
    let idx: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i, c as usize))
        .collect();
    RegressionRows::gather(&rows.as_batch(), &idx)
}

/// The metric the row bootstrap cannot bound, and why: a resample's
/// maximum never exceeds the sample's, so the upper bound would be the
/// value itself.
pub const NO_BOOTSTRAP: (&str, &str) = (
    "max_error",
    "no interval: a bootstrap resample's maximum never exceeds the sample's, so its upper bound would be the value itself, a certainty the data do not give",
);

/// An interval for each defined metric of `report`, and a note when some
/// could not be given one.
pub fn intervals(
    state: &RegressionState,
    report: &RegressionReport,
    settings: &IntervalSettings,
) -> (Vec<(String, Interval)>, Option<String>) {
    let rows = state.rows();
    let n = rows.len();
    let mut out = Vec::new();
    let coverage_by_proportion = rows.weight.is_none();
    if let (Some((inside, all)), true) = (report.coverage, coverage_by_proportion)
        && let Some(ci) = settings.proportion(inside, all)
    {
        out.push(("interval_coverage".to_owned(), ci));
    }
    if n as u64 * settings.replicates as u64 > settings.row_budget {
        let note = format!(
            "no bootstrap intervals: {n} rows × {} replicates is over the row budget of {} (raise it with --row-bootstrap-budget)",
            settings.replicates, settings.row_budget
        );
        return (out, Some(note));
    }
    let (replicates, jackknife) = settings.resample(n, |counts| metrics(&repeated(rows, &counts)));
    let jackknife: Option<Vec<Option<&assay_metrics::MetricSet>>> =
        jackknife.as_ref().map(|j| j.iter().map(Some).collect());
    out.extend(settings.per_metric(
        &report.metrics,
        replicates.iter(),
        jackknife.as_deref(),
        |id| (coverage_by_proportion && id == "interval_coverage") || id == NO_BOOTSTRAP.0,
    ));
    (out, None)
}

#[cfg(test)]
mod tests {
    use assay_metrics::regression::{
        RegressionBatch, RegressionConfig, RegressionInputs, RegressionState,
    };
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    use super::*;

    fn state(t: &[f64], p: &[f64]) -> RegressionState {
        let mut s = RegressionState::new(RegressionConfig::default(), RegressionInputs::default())
            .expect("a state");
        s.update(&RegressionBatch {
            target: t,
            prediction: p,
            weight: None,
            lower: None,
            upper: None,
        })
        .expect("rows");
        s
    }

    /// The MAE's and Pearson's r's intervals cover the truth about 95 % of
    /// the time on simulated data (y = x + N(0, 1), so MAE = √(2/π) and
    /// r = 1/√2 for x ~ N(0, 1)).
    #[test]
    fn bootstrap_intervals_cover_the_truth() {
        let settings = IntervalSettings {
            replicates: 400,
            ..IntervalSettings::DEFAULT
        };
        let normal = Normal::new(0.0, 1.0).expect("a distribution");
        let truth_mae = (2.0 / std::f64::consts::PI).sqrt();
        let truth_r = std::f64::consts::FRAC_1_SQRT_2;
        let (mut covered_mae, mut covered_r, trials) = (0, 0, 400);
        for trial in 0..trials {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(trial);
            let x: Vec<f64> = (0..200).map(|_| normal.sample(&mut rng)).collect();
            let y: Vec<f64> = x.iter().map(|v| v + normal.sample(&mut rng)).collect();
            let mut s = state(&y, &x);
            let report = s.compute();
            let (cis, note) = intervals(
                &s,
                &report,
                &IntervalSettings {
                    seed: trial,
                    ..settings
                },
            );
            assert!(note.is_none());
            let ci = |id: &str| cis.iter().find(|(i, _)| i == id).map(|(_, c)| c.clone());
            let (mae, r) = (ci("mae").expect("mae"), ci("pearson_r").expect("r"));
            covered_mae += usize::from(mae.low <= truth_mae && truth_mae <= mae.high);
            covered_r += usize::from(r.low <= truth_r && truth_r <= r.high);
        }
        for (what, covered) in [("mae", covered_mae), ("pearson_r", covered_r)] {
            let rate = covered as f64 / f64::from(trials as u32);
            assert!((0.92..=0.975).contains(&rate), "{what}: coverage {rate}");
        }
    }
}
