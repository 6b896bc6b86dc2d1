//! Mergeable metric states for assessing classification and regression
//! models as ISO/IEC 4213 describes.
//!
//! Every task (binary, multi-class, multi-label, regression) has a state with
//! `update(batch)`, `merge(other)` and `compute()`. A state stores sums and
//! counts (and, for exact curves, the scores themselves), never means, so
//! splitting the data, updating one state per part and merging gives the same
//! result as one pass. The one-shot functions are nothing but one update and
//! one compute on a fresh state: there is a single implementation of each
//! metric.
//!
//! Definitions follow scikit-learn exactly (ties in scores, sample weights,
//! clipping in log loss); where scikit-learn returns a conventional number for
//! an undefined metric (0 for MCC with a single predicted class, say), this
//! crate reports `value: None` with the reason instead.
//!
//! Not here: reading files, printing, randomness, confidence intervals.
//!
//! ```
//! use assay_metrics::binary::{BinaryBatch, BinaryConfig, BinaryInputs, BinaryState};
//!
//! let inputs = BinaryInputs { score: true, prediction: false, weight: false };
//! let mut state = BinaryState::new(BinaryConfig::default(), inputs).unwrap();
//! state
//!     .update(&BinaryBatch {
//!         truth: &[true, false, true, false],
//!         score: Some(&[0.9, 0.4, 0.35, 0.1]),
//!         prediction: None,
//!         weight: None,
//!     })
//!     .unwrap();
//! let report = state.compute();
//! assert_eq!(report.metrics.get("roc_auc").unwrap().value, Some(0.75));
//! assert_eq!(report.metrics.get("accuracy").unwrap().value, Some(0.75));
//! ```

pub mod batch;
pub mod binary;
pub mod calibration;
pub mod clustering;
pub mod confusion;
pub mod multiclass;
pub mod multilabel;
pub mod ranking;
pub mod regression;
pub mod state;
pub mod task;
pub mod value;

pub use batch::{BatchError, Field};
pub use state::State;
pub use task::{ScoreKind, Task};
pub use value::{MetricSet, MetricValue, OrderedMap};

/// Why two states cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The states were built with different settings or inputs.
    #[error("the states were built with different settings or inputs")]
    ConfigMismatch,
    /// One state keeps exact curves and the other binned ones.
    #[error("one state keeps exact curves and the other binned curves")]
    ModeMismatch,
    /// Parts of different sizes.
    #[error("the states' {0} differ in size")]
    ShapeMismatch(&'static str),
}
