//! Runs the model under test: an ONNX model (through tract, pure Rust) on an
//! image test set (an ImageFolder tree or a manifest), with the
//! preprocessing the plan declares, timed, and writes the predictions as a
//! Parquet file that the rest of the pipeline reads.
//!
//! Not for: metrics (that is `assay-metrics`), or any printing.
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

mod error;
mod identity;
mod image_input;
mod onnx;
mod perturb;
mod predictions;
mod run;
mod testset;

pub use error::ModelError;
pub use identity::{ModelIdentity, Resource, identity, relative_name};
pub use image_input::{Color, Interpolation, Layout, Preprocess};
pub use onnx::{Model, ModelSpec, ScoreOutput};
pub use perturb::{Perturb, Perturbation};
pub use run::{OnError, RunOutput, RunSettings, Skipped, Timing, run};
pub use testset::{Item, TestSet};
