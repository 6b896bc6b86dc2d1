//! The assessment of a model as a test plan describes it: the plan
//! (`assay.toml`) read and checked once, the model run, the evaluation,
//! the comparison with a baseline, robustness runs, the leakage check,
//! the digest of every input, the assessment record in canonical JSON
//! (`assay/assessment/v1`), and a record's re-derivation from its inputs.
//!
//! Not here: the metrics and their streaming pass (`assay-eval`),
//! printing, network access.
//!
//! ```no_run
//! use assay_assess::assessment::assess;
//! use assay_assess::plan::Plan;
//!
//! let plan = Plan::load("assay.toml".as_ref()).unwrap();
//! let record = assess(&plan, "results".as_ref(), &mut |_| {}).unwrap();
//! println!("{}", record.verdict.overall);
//! ```

pub mod assessment;
pub use assay_record::canonical;
pub mod digest;
pub mod environment;
mod inputs;
pub mod leakage;
pub mod plan;
pub mod rederive;
mod robustness;
mod warnings;
