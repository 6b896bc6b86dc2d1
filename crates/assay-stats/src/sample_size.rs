//! Test-set size planning: how many items a lab needs so that the interval
//! around an expected value clears a target, and the converse, the interval a
//! given size will deliver.
//!
//! - Proportions (accuracy, recall, …): the lower bound of the Wilson or
//!   Clopper–Pearson interval at `x = floor(expected · n)` successes.
//! - ROC AUC: Hanley & McNeil's (1982) variance,
//!   `Var = (A(1−A) + (m−1)(Q1−A²) + (n−1)(Q2−A²)) / (m·n)` with
//!   `Q1 = A/(2−A)`, `Q2 = 2A²/(1+A)`, `m` positives and `n` negatives, and
//!   the normal interval.

use serde::Serialize;

use crate::binary::ProportionMethod;
use crate::{normal_quantile, proportion};

/// The largest size searched (items in the denominator).
pub const MAX_ITEMS: u64 = 100_000_000;

/// Sizes up to this are scanned one by one for the smallest valid one.
const LINEAR_SCAN: u64 = 1 << 21;

/// What a plan is for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// A proportion, with its interval method.
    Proportion(ProportionMethod),
    /// ROC AUC with the given share of positive items.
    Auc {
        /// Fraction of positives among all items, in (0, 1).
        prevalence: f64,
    },
}

/// The interval a test set of a given size delivers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivered {
    /// Items in the denominator (proportions) or in total (AUC).
    pub items: u64,
    /// Positives (AUC only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub positives: Option<u64>,
    /// Negatives (AUC only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negatives: Option<u64>,
    /// Lower bound at the expected value.
    pub low: f64,
    /// Upper bound at the expected value.
    pub high: f64,
    /// `high − low`.
    pub width: f64,
}

/// Hanley–McNeil variance of the AUC.
pub fn hanley_mcneil_variance(auc: f64, positives: f64, negatives: f64) -> f64 {
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let a2 = auc * auc;
    (auc * (1.0 - auc) + (positives - 1.0) * (q1 - a2) + (negatives - 1.0) * (q2 - a2))
        / (positives * negatives)
}

/// The interval `items` deliver around `expected`.
pub fn delivered(quantity: Quantity, expected: f64, items: u64, level: f64) -> Option<Delivered> {
    match quantity {
        Quantity::Proportion(method) => {
            let x = (expected * items as f64).floor();
            let n = items as f64;
            let ci = match method {
                ProportionMethod::Wilson => proportion::wilson(x, n, level)?,
                ProportionMethod::ClopperPearson => proportion::clopper_pearson(x, n, level)?,
            };
            Some(Delivered {
                items,
                positives: None,
                negatives: None,
                low: ci.low,
                high: ci.high,
                width: ci.high - ci.low,
            })
        }
        Quantity::Auc { prevalence } => {
            // Positives: items × prevalence, rounded half up.
            let positives = ((items as f64) * prevalence).round() as u64;
            let negatives = items.checked_sub(positives)?;
            if positives == 0 || negatives == 0 {
                return None;
            }
            let var = hanley_mcneil_variance(expected, positives as f64, negatives as f64);
            let half = normal_quantile(1.0 - (1.0 - level) / 2.0) * var.max(0.0).sqrt();
            let (low, high) = ((expected - half).max(0.0), (expected + half).min(1.0));
            Some(Delivered {
                items,
                positives: Some(positives),
                negatives: Some(negatives),
                low,
                high,
                width: high - low,
            })
        }
    }
}

/// The smallest size whose interval around `expected` has its lower bound at
/// or above `target`; `None` when no size up to [`MAX_ITEMS`] does (the
/// target is at or above the expected value, or too close to it).
pub fn required(quantity: Quantity, expected: f64, target: f64, level: f64) -> Option<Delivered> {
    if target >= expected {
        return None;
    }
    let ok = |n: u64| delivered(quantity, expected, n, level).is_some_and(|d| d.low >= target);
    // Grow until the bound clears the target. The floor in `x = floor(p n)`
    // makes the bound saw-toothed in n, so the smallest valid n is then found
    // by scanning up from 1 (bisection when that would be too long).
    let mut high = 2;
    while !ok(high) {
        high *= 2;
        if high > MAX_ITEMS {
            return None;
        }
    }
    if high <= LINEAR_SCAN {
        high = (1..=high).find(|&n| ok(n)).unwrap_or(high);
    } else {
        let mut low = high / 2;
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if ok(mid) { high = mid } else { low = mid }
        }
    }
    delivered(quantity, expected, high, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_size_clears_the_target_and_one_less_does_not() {
        let q = Quantity::Proportion(ProportionMethod::Wilson);
        let d = required(q, 0.97, 0.95, 0.95).unwrap();
        assert!(d.low >= 0.95);
        assert!(delivered(q, 0.97, d.items - 1, 0.95).unwrap().low < 0.95);
        assert!(required(q, 0.95, 0.97, 0.95).is_none());
    }
}
