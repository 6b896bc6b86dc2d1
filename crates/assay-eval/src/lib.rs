//! The evaluation: the spec (which columns mean what, the positive class,
//! thresholds, intervals, slices, criteria), the one streaming pass that
//! joins the readers of `assay-data` to the metric states of
//! `assay-metrics`, slices, the comparison with a baseline, acceptance
//! criteria, and what comes out (the `assay/eval-result/v1` JSON).
//!
//! Not here: test plans, model runs, files other than the predictions
//! (that is `assay-assess`); printing; network access.
//!
//! ```
//! use assay_eval::{evaluate, EvalSpec, Input};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("p.csv");
//! std::fs::write(&path, "label,score\n1,0.9\n0,0.2\n1,0.4\n0,0.6\n").unwrap();
//! let spec = EvalSpec::new(Input::File { path, format: None });
//! let result = evaluate(&spec, &mut |_| {}).unwrap();
//! assert_eq!(result.metrics.get("accuracy").unwrap().value, Some(0.5));
//! assert_eq!(result.metrics.get("roc_auc").unwrap().value, Some(0.75));
//! ```

pub mod compare;
pub mod criteria;
mod error;
mod families;
mod family;
pub mod result;
mod run;
pub mod slices;
pub mod spec;

pub use error::EvalError;
pub use result::{EvalResult, SCHEMA_ID};
pub use run::{detect_task, dry_run, evaluate};
pub use spec::{Columns, EvalSpec, Input, ScoreKind, Setting, Task, Voice};
