//! The task families a state computes, and whether scores are
//! probabilities: settings a plan, the command line and the record share.

use serde::{Deserialize, Serialize};

/// The kind of classification problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Two classes, one of them positive.
    Binary,
    /// One of several classes per item.
    Multiclass,
    /// Any subset of several labels per item.
    Multilabel,
    /// A real value per item.
    Regression,
    /// A cluster per item, judged against classes or by the features.
    Clustering,
}

impl Task {
    /// Parse `binary`, `multiclass`, `multilabel`, `regression` or
    /// `clustering` (also `multi-class`, `multi_label`).
    pub fn from_name(s: &str) -> Option<Task> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "binary" => Some(Task::Binary),
            "multiclass" => Some(Task::Multiclass),
            "multilabel" => Some(Task::Multilabel),
            "regression" => Some(Task::Regression),
            "clustering" => Some(Task::Clustering),
            _ => None,
        }
    }

    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Multilabel => "multilabel",
            Task::Regression => "regression",
            Task::Clustering => "clustering",
        }
    }

    /// Whether the task is classification, the only family the first
    /// edition of 4213 (TS 4213:2022) covers; the others are the second
    /// edition's.
    pub fn is_classification(self) -> bool {
        matches!(self, Task::Binary | Task::Multiclass | Task::Multilabel)
    }
}

/// Whether scores are probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ScoreKind {
    /// Probabilities in [0, 1]: every metric, values outside [0, 1] are errors
    Probability,
    /// Any real score (e.g. a decision function): ranking and threshold metrics only
    Score,
}
