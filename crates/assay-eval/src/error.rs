//! Errors of an evaluation: bad input data (file, row, column) or bad settings.

use std::path::PathBuf;

use assay_data::DataError;

/// Why an evaluation could not run. Every variant is the user's to fix
/// (exit code 2); none is a failed criterion.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The file could not be read as asked.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A value is unusable, at a known row and column.
    #[error("{}: row {row}, column '{column}': {problem}", path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// The data as a whole does not fit the task.
    #[error("{}: {problem}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        problem: String,
    },
    /// A criterion that cannot be parsed or names no metric of the result.
    #[error(transparent)]
    Criterion(#[from] crate::criteria::CriterionError),
    /// Settings that cannot work together.
    #[error("{0}")]
    Settings(String),
}
