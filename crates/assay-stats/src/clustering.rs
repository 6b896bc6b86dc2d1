//! Intervals of the clustering metrics, the item the unit of resampling:
//!
//! | metrics | method |
//! | --- | --- |
//! | external (ARI, AMI, NMI, …, purity) | bootstrap over the contingency table's cells (multinomial: the same as resampling items), percentile or BCa |
//! | Davies–Bouldin, Calinski–Harabasz | row bootstrap (Poisson counts: each replicate the points repeated as drawn), percentile or BCa, within the row budget |
//! | silhouette | bootstrap of the mean over the points' silhouette values (each point's value held to the clustering and the other points) |
//!
//! Resampling items with replacement repeats points, and a repeated point
//! is at distance 0 from its copy: recomputing the silhouette on such a
//! resample would measure the duplicates, not the clustering. Its interval
//! is therefore that of the mean of the per-point values, which says how
//! well the points' average estimates the population's — the uncertainty
//! that matters most when the silhouette is that of a sample.

use assay_metrics::clustering::{
    ClusteringReport, ClusteringState, EXTERNAL, Points, dispersion, external,
};
use assay_metrics::value::Interval;

use crate::binary::IntervalSettings;

/// How the silhouette's interval is computed, for the record.
pub const SILHOUETTE_INTERVAL: &str = "interval: bootstrap of the mean over the points' silhouette values (each point's value given the clustering and the other points)";

/// An interval for each defined metric of `report`, and a note when some
/// could not be given one.
pub fn intervals(
    state: &ClusteringState,
    report: &ClusteringReport,
    settings: &IntervalSettings,
) -> (Vec<(String, Interval)>, Option<String>) {
    let mut out = Vec::new();
    let mut note = None;
    if state.inputs().labels {
        let c = &report.contingency;
        let cis = settings.cells_intervals(&c.counts, 1, &|counts| {
            let set = external(&c.cells, counts);
            EXTERNAL
                .iter()
                .map(|id| set.get(id).and_then(|m| m.value))
                .collect()
        });
        out.extend(
            EXTERNAL
                .iter()
                .zip(cis)
                .filter_map(|(id, ci)| ci.map(|ci| ((*id).to_owned(), ci))),
        );
    }
    if let Some(points) = state.points() {
        let (cis, n) = dispersion_intervals(points, report, settings);
        out.extend(cis);
        note = n;
        if let Some(sil) = &report.silhouette
            && !sil.samples.is_empty()
        {
            let s = &sil.samples;
            let (reps, jackknife) = settings.resample(s.len(), |w| weighted_mean(s, &w));
            let estimate = report.metrics.get("silhouette").and_then(|m| m.value);
            if let Some(ci) =
                settings.row_interval(estimate, reps.into_iter().flatten().collect(), jackknife)
            {
                out.push(("silhouette".to_owned(), ci));
            }
        }
    }
    (out, note)
}

/// The mean of `values` weighted by `w`; none when the weights sum to 0.
fn weighted_mean(values: &[f64], w: &[f64]) -> Option<f64> {
    let total: f64 = w.iter().sum();
    (total > 0.0).then(|| values.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / total)
}

/// The row bootstrap of Davies–Bouldin and Calinski–Harabasz, within the
/// row budget.
fn dispersion_intervals(
    points: &Points,
    report: &ClusteringReport,
    settings: &IntervalSettings,
) -> (Vec<(String, Interval)>, Option<String>) {
    let n = points.len();
    if n as u64 * settings.replicates as u64 > settings.row_budget {
        let note = format!(
            "no bootstrap intervals for davies_bouldin and calinski_harabasz: {n} points × {} replicates is over the row budget of {} (raise it with --row-bootstrap-budget)",
            settings.replicates, settings.row_budget
        );
        return (Vec::new(), Some(note));
    }
    let (replicates, jackknife) = settings.resample(n, |w| dispersion(points, Some(&w)));
    let jackknife: Option<Vec<Option<&assay_metrics::MetricSet>>> =
        jackknife.as_ref().map(|j| j.iter().map(Some).collect());
    let cis = settings.per_metric(
        &report.metrics,
        replicates.iter(),
        jackknife.as_deref(),
        |id| !matches!(id, "davies_bouldin" | "calinski_harabasz"),
    );
    (cis, None)
}
