//! The assessment record (`assessment.json`, schema `assay/assessment/v1`)
//! and the eval result (`assay/eval-result/v1`) as typed structs: written by
//! `assay run` and `assay eval`, read by the report, the certificate, `assay
//! certify` and `assay verify`, through these types and no other way.
//!
//! The types derive `Serialize` and `Deserialize`; a record is read with
//! [`read`], which names the JSON pointer of a missing or mistyped member,
//! and written with [`canonical`] (RFC 8785), so that it can be hashed and
//! signed. Fields a newer writer adds are ignored by an older reader; the
//! schema id says which version a record is.
//!
//! Not here: computing anything. The metric values, intervals, curves and
//! tests come from `assay-metrics`, `assay-stats` and `assay-model`, whose
//! output types the record holds as they are.
//!
//! ```
//! let text = r#"{"schema": "assay/assessment/v2"}"#;
//! let e = assay_record::read(text.as_bytes()).unwrap_err();
//! assert!(e.to_string().contains("/schema"));
//! ```

pub mod assessment;
pub mod canonical;
pub mod certificate;
pub mod eval;
pub mod report;
pub mod text;

pub use assessment::{ASSESSMENT_SCHEMA, Assessment};
pub use eval::{EvalResult, Outcome};
pub use text::{Lang, Text};

/// A record that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Not JSON at all.
    #[error("line {line}, column {column}: not JSON: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A member is missing or of the wrong type.
    #[error("{pointer}: {message}")]
    Field {
        /// JSON pointer of the member.
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl RecordError {
    /// The JSON pointer of the member, when the error is about one.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            RecordError::Field { pointer, .. } => Some(pointer),
            RecordError::Syntax { .. } => None,
        }
    }
}

/// Read an assessment record: the schema id first (another version is
/// refused by name), then every member into its type.
pub fn read(bytes: &[u8]) -> Result<Assessment, RecordError> {
    read_value(parse(bytes)?)
}

/// JSON bytes as a value; a syntax error names its line and column.
fn parse(bytes: &[u8]) -> Result<serde_json::Value, RecordError> {
    serde_json::from_slice(bytes).map_err(|e| RecordError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// [`read`] from JSON already parsed.
pub fn read_value(value: serde_json::Value) -> Result<Assessment, RecordError> {
    match value.get("schema").and_then(serde_json::Value::as_str) {
        Some(ASSESSMENT_SCHEMA) => from_value(value),
        found => Err(RecordError::Field {
            pointer: "/schema".into(),
            message: format!(
                "expected \"{ASSESSMENT_SCHEMA}\" (an assessment record written by `assay run`), not {}",
                found.map_or_else(|| "nothing".to_owned(), |s| format!("{s:?}"))
            ),
        }),
    }
}

/// Read any record type from a JSON value. A member that is missing or of
/// the wrong type is named by its JSON pointer and the type it must have
/// (`/identification/lab/name: expected a string`).
pub fn from_value<T: serde::de::DeserializeOwned>(
    mut value: serde_json::Value,
) -> Result<T, RecordError> {
    // Read from a borrowed value: nothing is copied but the members' text.
    if let Ok(v) = T::deserialize(&value) {
        return Ok(v);
    }
    // A missing member is put back as null and read again, so that the error
    // names the member and the type it must have, not only its parent.
    let mut missing: Option<String> = None;
    for _ in 0..4 {
        let e = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let pointer = pointer_of(e.path());
        let message = e.into_inner().to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
            && missing.is_none()
            && let Some(serde_json::Value::Object(parent)) = value.pointer_mut(&pointer)
        {
            parent.insert(field.to_owned(), serde_json::Value::Null);
            missing = Some(format!("{pointer}/{}", escape(field)));
            continue;
        }
        return Err(RecordError::Field {
            message: expected(&message),
            pointer: missing.unwrap_or(pointer),
        });
    }
    Err(RecordError::Field {
        pointer: missing.unwrap_or_default(),
        message: "is missing".into(),
    })
}

/// serde's message in a record reader's words: what the member must be.
fn expected(message: &str) -> String {
    let Some((_, want)) = message.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    let want = match want {
        "f64" | "f32" => "a number",
        "u64" | "usize" | "u32" | "u16" | "u8" => "a non-negative integer",
        "i64" | "i32" => "an integer",
        "a sequence" => "an array",
        "a map" | "an object" => "an object",
        w if w.starts_with("struct ") => "an object",
        w => w,
    };
    format!("expected {want}")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `evaluation.metrics.accuracy` → `/evaluation/metrics/accuracy`.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&escape(key));
            }
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_member_is_named_with_the_type_it_must_have() {
        let text = "/name: expected a string, or one per language: { en = \"…\", ko = \"…\" }";
        let e = from_value::<assessment::Party>(serde_json::json!({"id": "L"})).unwrap_err();
        assert_eq!(e.to_string(), text);
        let e = from_value::<assessment::Party>(serde_json::json!({"name": 42})).unwrap_err();
        assert_eq!(e.to_string(), text);
        let e = from_value::<assay_metrics::value::Interval>(
            serde_json::json!({"low": "x", "high": 1, "level": 0.95, "method": "wilson"}),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "/low: expected a number");
    }
}
