//! Re-deriving a record: the assessment made again from what the record
//! says went into it, compared with the record member by member.
//!
//! A record is a claim; a signature only says who made the claim. Before
//! `assay certify` signs, and whenever a verifier holding the record asks
//! (`assay verify --recompute`), the record's own plan text is resolved
//! against the plan's folder, its inputs digested again, and every result
//! computed again from the predictions the record names — the recorded
//! ones ([`Recheck::Predictions`]), or the model's own, run again on the
//! test set ([`Recheck::ModelRun`]). The new record must equal the stored
//! one everywhere but in what describes the run itself (`/run`, `/tool`,
//! `/environment`): a hand-edited value, interval, verdict or digest is
//! found and named by its JSON pointer.

use std::path::{Path, PathBuf};

use assay_record::Assessment;
pub use assay_record::certificate::Recheck;
use serde_json::Value;

use crate::assessment::{AssessError, Event, Runs, assess_from};
use crate::plan::Plan;

/// The members that describe the run and not its results: taken from the
/// stored record, never compared.
pub const NOT_REDERIVED: [&str; 3] = ["run", "tool", "environment"];

/// How many differences an error names.
const SHOWN: usize = 8;

/// One member whose stored value is not the one computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Its JSON pointer (RFC 6901).
    pub pointer: String,
    /// The stored value (None: the stored record lacks it).
    pub recorded: Option<Value>,
    /// The value computed (None: the re-derived record lacks it).
    pub derived: Option<Value>,
    /// The file the member is about, for a member of `/inputs`
    /// (`the model predictions predictions.parquet`).
    pub about: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| match v {
            None => "(absent)".to_owned(),
            Some(v) => {
                let text = v.to_string();
                if text.chars().count() > 80 {
                    let cut: String = text.chars().take(77).collect();
                    format!("{cut}...")
                } else {
                    text
                }
            }
        };
        let about = self
            .about
            .as_ref()
            .map_or_else(String::new, |a| format!(" ({a})"));
        write!(
            f,
            "{}{about}: recorded {}, computed {}",
            self.pointer,
            show(&self.recorded),
            show(&self.derived)
        )
    }
}

/// Why a record could not be re-derived, or what differs.
#[derive(Debug, thiserror::Error)]
pub enum RederiveError {
    /// The plan named is not the record's.
    #[error(
        "{}: not the record's plan (SHA-256 {found}; the record's plan has {recorded})",
        path.display()
    )]
    OtherPlan {
        /// The plan named.
        path: PathBuf,
        /// Its SHA-256.
        found: String,
        /// The record's.
        recorded: String,
    },
    /// The record's plan text, as it now resolves, cannot be assessed.
    #[error("the record cannot be re-derived: {0}")]
    Assess(#[from] AssessError),
    /// The record is not what its inputs give.
    #[error(
        "the record is not what its inputs give ({checked}): {} member(s) differ{}\n  {}",
        .differences.len(),
        if .differences.len() > SHOWN { format!(", the first {SHOWN}") } else { String::new() },
        .differences.iter().take(SHOWN).map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    Differs {
        /// Which re-derivation was made.
        checked: &'static str,
        /// Every differing member, in document order.
        differences: Vec<Difference>,
    },
    /// The stored record's bytes are not JSON.
    #[error("the record is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A scratch folder for the model's new run cannot be made.
    #[error("cannot make a folder for the model's new run: {0}")]
    Scratch(std::io::Error),
}

/// What a re-derivation needs.
pub struct Request<'a> {
    /// The stored record's bytes, as read.
    pub bytes: &'a [u8],
    /// The stored record, read from them.
    pub record: &'a Assessment,
    /// Where the record is: the model's recorded predictions are beside it.
    pub record_path: &'a Path,
    /// The plan file (default: the record's plan file name, in the folder
    /// above the record's). Only its folder is needed: the plan's text is
    /// the record's; a plan file that is there must be the record's.
    pub plan: Option<&'a Path>,
    /// The predictions used.
    pub recheck: Recheck,
}

/// Re-derive `req.record` and compare. Ok: every member computed equals
/// the stored one.
pub fn rederive(req: &Request<'_>, progress: &mut dyn FnMut(Event)) -> Result<(), RederiveError> {
    let record_dir = req.record_path.parent().unwrap_or(Path::new("."));
    let plan_path = plan_path(req.record, req.record_path, req.plan);
    if let Ok(bytes) = std::fs::read(&plan_path) {
        let found = assay_base::digest::sha256_hex(&bytes);
        if found != req.record.plan.sha256 {
            return Err(RederiveError::OtherPlan {
                path: plan_path,
                found,
                recorded: req.record.plan.sha256.clone(),
            });
        }
    }
    let plan = Plan::parse(&plan_path, req.record.plan.text.clone()).map_err(AssessError::from)?;
    let derived = match req.recheck {
        Recheck::Predictions => assess_from(
            &plan,
            Runs::Recorded {
                dir: record_dir,
                record: req.record,
            },
            progress,
        )?,
        Recheck::ModelRun => {
            let scratch = tempfile::tempdir().map_err(RederiveError::Scratch)?;
            assess_from(
                &plan,
                Runs::Model {
                    workdir: scratch.path(),
                },
                progress,
            )?
        }
    };
    let stored: Value = serde_json::from_slice(req.bytes)?;
    let derived: Value = serde_json::from_str(&derived.to_canonical())?;
    let mut differences = differences(&stored, &derived);
    for d in &mut differences {
        d.about = input_named(req.record, &d.pointer);
    }
    // An input that is not what the record says is the cause of every
    // other difference: it comes first.
    differences.sort_by_key(|d| d.about.is_none());
    if differences.is_empty() {
        Ok(())
    } else {
        Err(RederiveError::Differs {
            checked: req.recheck.describe(),
            differences,
        })
    }
}

/// The plan file a record was made from: `plan` when given, else the
/// record's plan file name in the folder above the record's.
pub fn plan_path(record: &Assessment, record_path: &Path, plan: Option<&Path>) -> PathBuf {
    match plan {
        Some(p) => p.to_path_buf(),
        None => record_path
            .parent()
            .unwrap_or(Path::new("."))
            .parent()
            .unwrap_or(Path::new("."))
            .join(plan_file_name(record)),
    }
}

/// The folder the record's plan paths are relative to.
pub fn plan_folder(record: &Assessment, record_path: &Path, plan: Option<&Path>) -> PathBuf {
    plan_path(record, record_path, plan)
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The record's plan file name (`assay.toml` when it has none).
fn plan_file_name(record: &Assessment) -> &str {
    if record.plan.file.is_empty() {
        "assay.toml"
    } else {
        &record.plan.file
    }
}

/// The input a pointer into `/inputs` is about, in words.
fn input_named(record: &Assessment, pointer: &str) -> Option<String> {
    let index: usize = pointer
        .strip_prefix("/inputs/")?
        .split('/')
        .next()?
        .parse()
        .ok()?;
    let input = record.inputs.get(index)?;
    Some(format!("the {} {}", input.role.name(), input.path))
}

/// Every member where `stored` and `derived` differ, outside
/// [`NOT_REDERIVED`].
pub fn differences(stored: &Value, derived: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    match (stored, derived) {
        (Value::Object(a), Value::Object(b)) => {
            let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
            for k in keys.filter(|k| !NOT_REDERIVED.contains(&k.as_str())) {
                walk(&pointer("", k), a.get(k), b.get(k), &mut out);
            }
        }
        _ => walk("", Some(stored), Some(derived), &mut out),
    }
    out
}

/// `parent` extended by the member `key` (RFC 6901 escapes).
fn pointer(parent: &str, key: &str) -> String {
    format!("{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn walk(at: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Difference>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                walk(&pointer(at, k), x.get(k), y.get(k), out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            for i in 0..x.len().max(y.len()) {
                walk(&format!("{at}/{i}"), x.get(i), y.get(i), out);
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(Difference {
            pointer: if at.is_empty() { "/".into() } else { at.into() },
            recorded: x.cloned(),
            derived: y.cloned(),
            about: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_are_named_by_pointer_with_both_values() {
        let stored = json!({
            "run": {"seconds": 1},
            "tool": {"version": "0.1.0"},
            "evaluation": {"metrics": {"accuracy": {"value": 0.99, "ci": {"low": 0.5}}},
                           "classes": ["a", "b/c"]},
            "warnings": [1, 2, 3],
        });
        let derived = json!({
            "run": {"seconds": 2},
            "tool": {"version": "0.2.0"},
            "evaluation": {"metrics": {"accuracy": {"value": 0.97, "ci": {"low": 0.5}}},
                           "classes": ["a", "b/c"], "extra": true},
            "warnings": [1, 2],
        });
        let d = differences(&stored, &derived);
        let pointers: Vec<&str> = d.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/evaluation/metrics/accuracy/value",
                "/evaluation/extra",
                "/warnings/2"
            ]
        );
        assert_eq!(
            d[0].to_string(),
            "/evaluation/metrics/accuracy/value: recorded 0.99, computed 0.97"
        );
        assert_eq!(d[2].derived, None);
        assert!(differences(&stored, &stored).is_empty());
        assert_eq!(pointer("/a", "b/c~d"), "/a/b~1c~0d");
    }
}
