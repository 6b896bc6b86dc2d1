//! Evaluation specs, the run that joins the readers of `assay-data` to the
//! metric states of `assay-metrics`, and the result record.
//!
//! This crate owns what a test engineer configures (which columns mean
//! what, the positive class, thresholds) and what comes out (the
//! `assay/eval-result/v1` JSON). It does no printing and no network access.
//!
//! ```
//! use assay_plan::{evaluate, EvalSpec, Input};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("p.csv");
//! std::fs::write(&path, "label,score\n1,0.9\n0,0.2\n1,0.4\n0,0.6\n").unwrap();
//! let spec = EvalSpec::new(Input::File { path, format: None });
//! let result = evaluate(&spec, &mut |_| {}).unwrap();
//! assert_eq!(result.metrics.get("accuracy").unwrap().value, Some(0.5));
//! assert_eq!(result.metrics.get("roc_auc").unwrap().value, Some(0.75));
//! ```

pub mod assessment;
pub mod canonical;
pub mod compare;
pub mod criteria;
pub mod digest;
pub mod environment;
mod error;
pub mod leakage;
pub mod plan;
pub mod result;
mod run;
pub mod slices;
pub mod spec;

pub use error::EvalError;
pub use result::{EvalResult, SCHEMA_ID};
pub use run::{detect_task, evaluate};
pub use spec::{Columns, EvalSpec, Input, ScoreKind, Task};
