//! The task-family interface: what every metric state does. A state is
//! made from its settings and the inputs its batches carry, takes typed
//! batches, merges with a state of the same settings, and computes its
//! report. Streaming, slicing and distributed computation are written once
//! against this trait.

use crate::{BatchError, MergeError};

/// The metric state of one task family.
pub trait State: Sized + Send {
    /// Settings fixed when the state is made (classes, threshold, bins, …).
    type Config: Clone + PartialEq;
    /// Which optional inputs (scores, predictions, weights) the batches carry.
    type Inputs: Copy + PartialEq;
    /// One batch of typed rows, borrowed from the caller's buffers.
    type Batch<'a>;
    /// Rows picked out of a batch, owned (a slice's share of a batch).
    type Rows;
    /// Everything the state computes.
    type Report;

    /// An empty state.
    fn new(config: Self::Config, inputs: Self::Inputs) -> Result<Self, BatchError>;

    /// Add a batch; on error nothing is added.
    fn update(&mut self, batch: &Self::Batch<'_>) -> Result<(), BatchError>;

    /// Fold in another state made with the same settings and inputs.
    fn merge(&mut self, other: Self) -> Result<(), MergeError>;

    /// Compute every metric. The state stays usable.
    fn compute(&mut self) -> Self::Report;

    /// The rows `rows` of `batch` (made for a state of `config`), in that order.
    fn pick(config: &Self::Config, batch: &Self::Batch<'_>, rows: &[usize]) -> Self::Rows;

    /// Picked rows as a batch.
    fn batch(rows: &Self::Rows) -> Self::Batch<'_>;
}

/// `impl State` for a state whose inherent `new`, `update`, `merge` and
/// `compute` are the trait's; the family's `pick` and `batch` follow.
macro_rules! delegate_state {
    ($state:ty, $config:ty, $inputs:ty, $batch:ident, $rows:ty, $report:ty, { $($rest:tt)* }) => {
        impl $crate::State for $state {
            type Config = $config;
            type Inputs = $inputs;
            type Batch<'a> = $batch<'a>;
            type Rows = $rows;
            type Report = $report;

            fn new(config: $config, inputs: $inputs) -> Result<Self, $crate::BatchError> {
                <$state>::new(config, inputs)
            }

            fn update(&mut self, batch: &$batch<'_>) -> Result<(), $crate::BatchError> {
                <$state>::update(self, batch)
            }

            fn merge(&mut self, other: Self) -> Result<(), $crate::MergeError> {
                <$state>::merge(self, other)
            }

            fn compute(&mut self) -> $report {
                <$state>::compute(self)
            }

            $($rest)*
        }
    };
}
pub(crate) use delegate_state;

/// The values at `rows`.
pub(crate) fn pick<T: Copy>(values: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&i| values[i]).collect()
}

/// The rows `rows` of row-major values with `width` values a row.
pub(crate) fn pick_rows<T: Copy>(values: &[T], width: usize, rows: &[usize]) -> Vec<T> {
    rows.iter()
        .flat_map(|&i| values[i * width..(i + 1) * width].iter().copied())
        .collect()
}
