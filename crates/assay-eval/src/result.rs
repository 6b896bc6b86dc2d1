//! The evaluation result (`assay/eval-result/v1`): its types live in
//! `assay-record`; here, how the run's outputs become its parts.

use assay_metrics::ranking::RankingSummary;

pub use assay_metrics::value::OrderedMap;
pub use assay_record::eval::{
    ClusteringCurves, ConfusionOut, CurvesOut, EvalResult, InputInfo, IntervalInfo, Outcome,
    Parameters, RegressionCurves, SCHEMA_ID, ScoreCurves, SilhouettePoints, Tool,
};

/// The interval settings in force, as the result records them.
pub fn interval_info(
    s: &assay_stats::binary::IntervalSettings,
    note: Option<String>,
) -> IntervalInfo {
    IntervalInfo {
        level: s.level,
        bootstrap_replicates: s.replicates,
        seed: s.seed,
        proportion: s.proportion,
        bootstrap: s.bootstrap,
        stratified: s.stratified,
        note,
    }
}

/// One score's curves from a ranking summary; curves that are undefined
/// (one class) are left out.
pub fn score_curves(s: RankingSummary) -> ScoreCurves {
    let two = s.positive_weight > 0.0 && s.negative_weight > 0.0;
    let any_pos = s.positive_weight > 0.0;
    ScoreCurves {
        thresholds_total: s.thresholds_total,
        roc: two.then_some(s.roc),
        pr: any_pos.then_some(s.pr),
        gains: any_pos.then_some(s.gains),
    }
}
