//! Runs the model under test: an ONNX model (through tract, pure Rust) on an
//! image test set (an ImageFolder tree or a manifest), with the
//! preprocessing the plan declares, timed, and writes the predictions as a
//! Parquet file that the rest of the pipeline reads.
//!
//! Not for: metrics (that is `assay-metrics`), or any printing.
//!
//! Without the default feature `run`, only the settings, the timing and
//! the model identity are compiled (what a reader of an assessment record
//! needs), and neither tract nor the image and Parquet crates are built.
//!
//! ```no_run
//! use assay_model::{ModelSpec, Preprocess, RunSettings, TestSet};
//!
//! let spec = ModelSpec::new("model.onnx".into());
//! let test_set = TestSet::Folder("test".into());
//! let preprocess = Preprocess::default();
//! let out = assay_model::run(&spec, &test_set, &preprocess, &RunSettings::default(),
//!     "predictions.parquet".as_ref(), &mut |_, _| {}).unwrap();
//! println!("{} items, {:.0} items/s", out.items, out.timing.throughput);
//! ```

/// The columns of the predictions file a model run writes (and the plan's
/// evaluation of it reads).
pub mod columns {
    /// The file's name in the record's folder.
    pub const PREDICTIONS_FILE: &str = "predictions.parquet";
    /// The item's id.
    pub const ID: &str = "id";
    /// The true class.
    pub const LABEL: &str = "label";
    /// The predicted class.
    pub const PREDICTION: &str = "pred";
    /// Prefix of the per-class probability columns (`prob_<class>`).
    pub const PROBABILITY_PREFIX: &str = "prob_";
}

mod error;
mod identity;
#[cfg(feature = "run")]
mod image_input;
#[cfg(feature = "run")]
mod onnx;
#[cfg(feature = "run")]
mod perturb;
#[cfg(feature = "run")]
mod predictions;
#[cfg(feature = "run")]
mod run;
mod settings;
#[cfg(feature = "run")]
mod testset;
mod timing;

pub use error::{ModelError, ShapeMismatch};
pub use identity::{ModelIdentity, ModelKind, Resource, identity, relative_name};
#[cfg(feature = "run")]
pub use onnx::{Model, ModelSpec};
#[cfg(feature = "run")]
pub use predictions::write_empty as write_empty_predictions;
#[cfg(feature = "run")]
pub use run::{RunOutput, RunSettings, run};
pub use settings::{
    Color, Interpolation, Layout, OnError, Perturb, Perturbation, Preprocess, ScoreOutput,
};
#[cfg(feature = "run")]
pub use testset::{IMAGE_EXTENSIONS, Item, Listing, TestSet};
pub use timing::{Histogram, Percentiles, Skipped, Timing};
