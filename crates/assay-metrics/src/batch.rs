//! Validation shared by every task's `update`: what may be wrong in a batch,
//! reported by row index within the batch and by field.

use std::fmt;

/// Which input a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The truth column (or, multi-label, the truth column of label `0`).
    Truth(Option<usize>),
    /// The score / probability column (of class or label `0` when given).
    Score(Option<usize>),
    /// The hard prediction column (of label `0` when given).
    Prediction(Option<usize>),
    /// The sample-weight column.
    Weight,
    /// Regression: the prediction interval's lower bound.
    Lower,
    /// Regression: the prediction interval's upper bound.
    Upper,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, idx) = match self {
            Field::Truth(i) => ("truth", i),
            Field::Score(i) => ("score", i),
            Field::Prediction(i) => ("prediction", i),
            Field::Weight => ("weight", &None),
            Field::Lower => ("lower bound", &None),
            Field::Upper => ("upper bound", &None),
        };
        match idx {
            Some(i) => write!(f, "{name} #{i}"),
            None => write!(f, "{name}"),
        }
    }
}

/// A batch that cannot be used; `row` counts from 0 within the batch.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    /// A column is not as long as the truth.
    #[error("{field} has {got} values but the truth has {expected}")]
    Length {
        /// The short or long input.
        field: Field,
        /// Expected number of values.
        expected: usize,
        /// Number found.
        got: usize,
    },
    /// NaN or infinity.
    #[error("row {row}: {field} is {value}, not a finite number")]
    NonFinite {
        /// Row within the batch.
        row: usize,
        /// Where.
        field: Field,
        /// The value found.
        value: f64,
    },
    /// A probability outside [0, 1].
    #[error(
        "row {row}: {field} is {value}, outside [0, 1]; pass scores that are not probabilities as such"
    )]
    NotProbability {
        /// Row within the batch.
        row: usize,
        /// Where.
        field: Field,
        /// The value found.
        value: f64,
    },
    /// Class probabilities that do not sum to one.
    #[error("row {row}: class probabilities sum to {sum}, not 1 (tolerance {tolerance})")]
    RowSum {
        /// Row within the batch.
        row: usize,
        /// The sum found.
        sum: f64,
        /// The tolerance in force.
        tolerance: f64,
    },
    /// A negative or non-finite weight.
    #[error("row {row}: weight is {value}; weights must be finite and not negative")]
    Weight {
        /// Row within the batch.
        row: usize,
        /// The value found.
        value: f64,
    },
    /// A class index out of range.
    #[error("row {row}: {field} is class index {index}, but there are {classes} classes")]
    ClassIndex {
        /// Row within the batch.
        row: usize,
        /// Where.
        field: Field,
        /// The index found.
        index: u32,
        /// Number of classes.
        classes: usize,
    },
    /// A prediction interval whose lower bound is above its upper bound.
    #[error("row {row}: the interval's lower bound {lower} is above its upper bound {upper}")]
    Bounds {
        /// Row within the batch.
        row: usize,
        /// The lower bound.
        lower: f64,
        /// The upper bound.
        upper: f64,
    },
    /// A required input is missing or an unexpected one is present.
    #[error("the batch {0}")]
    Inputs(&'static str),
}

impl BatchError {
    /// The row within the batch, where the problem is tied to one.
    pub fn row(&self) -> Option<usize> {
        match self {
            BatchError::NonFinite { row, .. }
            | BatchError::NotProbability { row, .. }
            | BatchError::RowSum { row, .. }
            | BatchError::Weight { row, .. }
            | BatchError::ClassIndex { row, .. }
            | BatchError::Bounds { row, .. } => Some(*row),
            BatchError::Length { .. } | BatchError::Inputs(_) => None,
        }
    }

    /// The same error with its row moved by `offset` (batch row to file row).
    #[must_use]
    pub fn offset_row(mut self, offset: usize) -> Self {
        match &mut self {
            BatchError::NonFinite { row, .. }
            | BatchError::NotProbability { row, .. }
            | BatchError::RowSum { row, .. }
            | BatchError::Weight { row, .. }
            | BatchError::ClassIndex { row, .. }
            | BatchError::Bounds { row, .. } => *row += offset,
            BatchError::Length { .. } | BatchError::Inputs(_) => {}
        }
        self
    }
}

pub(crate) fn check_len(field: Field, expected: usize, got: usize) -> Result<(), BatchError> {
    if expected == got {
        Ok(())
    } else {
        Err(BatchError::Length {
            field,
            expected,
            got,
        })
    }
}

pub(crate) fn check_weights(weights: Option<&[f64]>, expected: usize) -> Result<(), BatchError> {
    if let Some(w) = weights {
        check_len(Field::Weight, expected, w.len())?;
        if let Some((row, &value)) = w
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(BatchError::Weight { row, value });
        }
    }
    Ok(())
}

/// Check scores: finite, and within [0, 1] when they must be probabilities.
/// `columns` > 1 means row-major scores with that many per row.
pub(crate) fn check_scores(
    scores: &[f64],
    columns: usize,
    probabilities: bool,
) -> Result<(), BatchError> {
    let columns = columns.max(1);
    let field = |i: usize| {
        if columns > 1 {
            Field::Score(Some(i % columns))
        } else {
            Field::Score(None)
        }
    };
    for (i, &v) in scores.iter().enumerate() {
        if !v.is_finite() {
            return Err(BatchError::NonFinite {
                row: i / columns,
                field: field(i),
                value: v,
            });
        }
        if probabilities && !(0.0..=1.0).contains(&v) {
            return Err(BatchError::NotProbability {
                row: i / columns,
                field: field(i),
                value: v,
            });
        }
    }
    Ok(())
}

#[inline]
pub(crate) fn weight_at(weights: Option<&[f64]>, i: usize) -> f64 {
    weights.map_or(1.0, |w| w[i])
}
