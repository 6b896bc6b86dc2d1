//! Decision rules (ISO/IEC 17025 clause 7.8.6): how a measured value with
//! its interval is judged against a stated limit.

use serde::{Deserialize, Serialize};

/// The decision rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum DecisionRule {
    /// The point estimate must clear the threshold
    Simple,
    /// The confidence bound on the unfavourable side must clear it (guarded acceptance)
    Guarded,
}

impl DecisionRule {
    /// The rule's name as plans and records write it.
    pub fn name(self) -> &'static str {
        match self {
            DecisionRule::Simple => "simple",
            DecisionRule::Guarded => "guarded",
        }
    }
}
