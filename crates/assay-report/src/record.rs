//! Reading an assessment record: typed access to its JSON that names the
//! field (as a JSON pointer) when something is missing or of the wrong type.

use serde_json::Value;

use crate::ReportError;

/// A place in the record.
#[derive(Clone)]
pub struct At<'a> {
    /// The value there (`Null` when absent).
    pub value: &'a Value,
    path: String,
}

static NULL: Value = Value::Null;

impl<'a> At<'a> {
    /// The record's root.
    pub fn root(value: &'a Value) -> Self {
        At {
            value,
            path: String::new(),
        }
    }

    /// The value at `pointer` below this one (`Null` when absent).
    pub fn at(&self, pointer: &str) -> At<'a> {
        At {
            value: self.value.pointer(pointer).unwrap_or(&NULL),
            path: format!("{}{pointer}", self.path),
        }
    }

    fn wrong(&self, pointer: &str, expected: &str) -> ReportError {
        ReportError::Field {
            pointer: format!("{}{pointer}", self.path),
            expected: expected.to_owned(),
        }
    }

    /// A required string.
    pub fn str(&self, pointer: &str) -> Result<&'a str, ReportError> {
        self.value
            .pointer(pointer)
            .and_then(Value::as_str)
            .ok_or_else(|| self.wrong(pointer, "a string"))
    }

    /// An optional string (absent or null: None; another type: an error).
    pub fn opt_str(&self, pointer: &str) -> Result<Option<&'a str>, ReportError> {
        match self.value.pointer(pointer) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong(pointer, "a string or null")),
        }
    }

    /// A required number.
    pub fn f64(&self, pointer: &str) -> Result<f64, ReportError> {
        self.value
            .pointer(pointer)
            .and_then(Value::as_f64)
            .ok_or_else(|| self.wrong(pointer, "a number"))
    }

    /// An optional number.
    pub fn opt_f64(&self, pointer: &str) -> Result<Option<f64>, ReportError> {
        match self.value.pointer(pointer) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong(pointer, "a number or null")),
        }
    }

    /// A required non-negative integer.
    pub fn u64(&self, pointer: &str) -> Result<u64, ReportError> {
        self.value
            .pointer(pointer)
            .and_then(Value::as_u64)
            .ok_or_else(|| self.wrong(pointer, "a non-negative integer"))
    }

    /// An array (absent or null: empty).
    pub fn array(&self, pointer: &str) -> Result<&'a [Value], ReportError> {
        match self.value.pointer(pointer) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(self.wrong(pointer, "an array")),
        }
    }

    /// An array of numbers.
    pub fn numbers(&self, pointer: &str) -> Result<Vec<f64>, ReportError> {
        self.array(pointer)?
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| self.wrong(pointer, "an array of numbers"))
            })
            .collect()
    }

    /// An object's entries in record order (absent or null: empty).
    pub fn entries(&self, pointer: &str) -> Result<Vec<(&'a str, At<'a>)>, ReportError> {
        match self.value.pointer(pointer) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str(),
                        At {
                            value: v,
                            path: format!("{}{pointer}/{k}", self.path),
                        },
                    )
                })
                .collect()),
            Some(_) => Err(self.wrong(pointer, "an object")),
        }
    }

    /// An array's elements (absent or null: none).
    pub fn items(&self, pointer: &str) -> Result<Vec<At<'a>>, ReportError> {
        Ok(self
            .array(pointer)?
            .iter()
            .enumerate()
            .map(|(i, v)| At {
                value: v,
                path: format!("{}{pointer}/{i}", self.path),
            })
            .collect())
    }

    /// Whether there is a non-null value at `pointer`.
    pub fn has(&self, pointer: &str) -> bool {
        !matches!(self.value.pointer(pointer), None | Some(Value::Null))
    }
}

/// A metric as the record holds it: value, and interval when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    /// The estimate (None: undefined on the data).
    pub value: Option<f64>,
    /// Lower bound, upper bound, level, method.
    pub ci: Option<(f64, f64, f64, String)>,
    /// Why it is undefined, or why it has no interval.
    pub note: Option<String>,
}

impl MetricValue {
    /// Read `{value, ci: {low, high, level, method}, reason}`.
    pub fn read(at: &At<'_>) -> Result<MetricValue, ReportError> {
        let ci = if at.has("/ci") {
            Some((
                at.f64("/ci/low")?,
                at.f64("/ci/high")?,
                at.f64("/ci/level")?,
                at.str("/ci/method")?.to_owned(),
            ))
        } else {
            None
        };
        let note = match at.opt_str("/reason")? {
            Some(r) => Some(r.to_owned()),
            None => at.opt_str("/note")?.map(str::to_owned),
        };
        Ok(MetricValue {
            value: at.opt_f64("/value")?,
            ci,
            note,
        })
    }
}
