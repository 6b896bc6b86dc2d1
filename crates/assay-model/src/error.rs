//! Why a model run cannot go on: every variant names the file (and the node,
//! shape or class) to fix.

use std::path::PathBuf;

/// A model, test set or image that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The model file is not an ONNX model tract can read.
    #[error("{}: not a readable ONNX model: {message}", path.display())]
    NotOnnx {
        /// The model file.
        path: PathBuf,
        /// What the ONNX reader said.
        message: String,
    },
    /// The model uses an operator tract does not implement.
    #[error(
        "{}: operator '{operator}' (node '{node}') is not supported by the ONNX runtime assay uses (tract); export the model with standard ONNX operators",
        path.display()
    )]
    UnsupportedOperator {
        /// The model file.
        path: PathBuf,
        /// The operator.
        operator: String,
        /// The node that uses it.
        node: String,
    },
    /// The preprocessing makes tensors of another shape than the model takes.
    #[error(
        "{}: the model's input '{}' has shape {}, but the preprocessing makes {}; {}",
        .0.path.display(), .0.input, .0.model, .0.preprocessing, .0.hint
    )]
    InputShape(Box<ShapeMismatch>),
    /// A named input or output does not exist, or the model has no usable one.
    #[error("{}: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The model failed while running.
    #[error("{}: inference failed on the batch starting at item '{item}': {message}", path.display())]
    Inference {
        /// The model file.
        path: PathBuf,
        /// The first item of the batch.
        item: String,
        /// What tract said.
        message: String,
    },
    /// An image cannot be decoded (and the plan says to stop).
    #[error("{}: cannot decode the image: {message} (set on_error = \"skip\" to count and skip such items)", path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The test set does not fit the model.
    #[error("{}: {message}", path.display())]
    TestSet {
        /// The folder or manifest.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The predictions file cannot be written.
    #[error("cannot write {}: {message}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// A model's declared input against the preprocessing's tensors.
#[derive(Debug)]
pub struct ShapeMismatch {
    /// The model file.
    pub path: PathBuf,
    /// The input's name.
    pub input: String,
    /// The model's declared shape.
    pub model: String,
    /// The shape the preprocessing produces.
    pub preprocessing: String,
    /// The declared dimensions (`None` open), when the rank is known.
    pub declared: Option<Vec<Option<i64>>>,
    /// Which setting would make the shapes agree.
    pub hint: String,
}
