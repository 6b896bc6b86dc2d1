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
