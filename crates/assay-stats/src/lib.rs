//! Confidence intervals for classification metrics.
//!
//! - proportions: Wilson score (default) and Clopper–Pearson ([`proportion`]);
//! - ROC AUC: DeLong's variance by the O(n log n) midrank algorithm ([`delong`]);
//! - everything else: the bootstrap, percentile or BCa ([`bootstrap`]), with
//!   replicates drawn from a seeded ChaCha stream per replicate, so a result is
//!   bit-identical for the same seed whatever the thread count.
//!
//! Not here: IO, printing, the metric definitions themselves (they come from
//! `assay-metrics` as closures over resampled counts).
//!
//! ```
//! use assay_stats::proportion::wilson;
//!
//! let ci = wilson(81.0, 100.0, 0.95).unwrap();
//! assert!((ci.low - 0.7222).abs() < 1e-4 && (ci.high - 0.8749).abs() < 1e-4);
//! ```

pub mod binary;
pub mod bootstrap;
pub mod clustering;
pub mod compare;
pub mod decision;
pub mod delong;
pub mod jackknife;
pub mod multiclass;
pub mod multilabel;
pub mod proportion;
pub mod regression;
pub mod roc_band;
pub mod sample_size;
pub mod slices;

use statrs::distribution::{ContinuousCDF, Normal};

pub use assay_metrics::value::Interval;

/// Why an interval cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// The confidence level is not strictly between 0 and 1.
    #[error("the confidence level must lie strictly between 0 and 1, not {0}")]
    Level(f64),
}

/// Check a confidence level.
pub fn check_level(level: f64) -> Result<(), StatsError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::Level(level))
    }
}

/// The standard normal quantile.
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// The standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    Normal::standard().cdf(x)
}
