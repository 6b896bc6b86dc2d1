//! Computational performance of a model run (ISO/IEC TS 4213 clauses
//! 5.3.11–5.3.12) and the items a run left out, as the record holds them.

use serde::{Deserialize, Serialize};

/// An item left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The item's id.
    pub id: String,
    /// Why.
    pub reason: String,
}

/// Percentiles of a duration, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean.
    pub mean: f64,
    /// How the durations spread: counts between log-spaced edges.
    pub histogram: Histogram,
}

/// Counts of durations between edges spaced evenly on a log scale (ten bins
/// per decade: 1, 1.26, 1.58, 2, 2.51, ... 10 ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bin edges in milliseconds, ascending; one more than the counts.
    pub edges_ms: Vec<f64>,
    /// Durations in each bin (lower edge included).
    pub counts: Vec<u64>,
}

/// Computational performance (ISO/IEC TS 4213 clauses 5.3.11–5.3.12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Per item: its decoding and preprocessing plus its share of the batch's inference.
    pub item_latency_ms: Percentiles,
    /// Per batch: the model call alone.
    pub batch_latency_ms: Percentiles,
    /// Items per second over the whole run (decoding included).
    pub throughput: f64,
    /// Items per second of model time alone (summed over threads).
    pub inference_throughput: f64,
    /// Items per model call.
    pub batch_size: usize,
    /// Threads running batches side by side.
    pub threads: usize,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
}
