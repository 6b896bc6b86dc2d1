//! The certificate's signed statement: an in-toto Statement v1 whose subject
//! is the model and whose predicate (`assay/certificate/v1`) says who
//! certifies what, against which standard, on which evidence, with which
//! results, for how long. Written by `assay certify`, read by `assay
//! verify`, the certificate page and the registry, through these types.
//!
//! Members are declared in the order of their names, so that a statement
//! serialises the same whether it is written from these types or from
//! the JSON it was read from. A verifier needs only the members it checks
//! (type, subject, number, dates, issuer, standard, record digest,
//! verdict); the others read as empty when a statement leaves them out.

use assay_metrics::Task;
use assay_metrics::value::Interval;
use assay_model::ModelKind;
use assay_stats::decision::DecisionRule;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::RecordError;
pub use crate::assessment::IssuerRole;
use crate::assessment::{InputRole, ToolRecord};
use crate::report::ReportFile;
use crate::text::Text;

/// The in-toto statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of an Assay certificate, version 1.
pub const PREDICATE_TYPE: &str = "https://example.invalid/assay/certificate/v1";

/// The address that names exactly one certificate: its status page
/// followed by its SHA-256 (`…/certificates/NUMBER/SHA256`). Its QR code
/// carries it; the registry answers it with the certificate's page,
/// saying whether the copy at hand is the one logged.
pub fn verification_url(status_url: &str, cert_sha256: &str) -> String {
    format!("{}/{cert_sha256}", status_url.trim_end_matches('/'))
}

/// The statement a certificate signs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What is certified.
    pub predicate: Predicate,
    /// [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The model: exactly one.
    pub subject: Vec<Subject>,
}

/// The model a statement is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subject {
    /// Its SHA-256 (or manifest root).
    pub digest: Sha256,
    /// Its file or directory name.
    pub name: String,
}

/// A SHA-256 digest member, `{"sha256": "…"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sha256 {
    /// Lower-case hex.
    pub sha256: String,
}

/// The certificate's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Predicate {
    /// The record the certificate rests on.
    pub assessment: AssessmentRef,
    /// Number, dates, status address.
    pub certificate: Numbering,
    /// How the criteria were judged.
    #[serde(default)]
    pub decision_rule: Option<DecisionRule>,
    /// The holder (the lab's client).
    #[serde(default)]
    pub holder: Holder,
    /// The certifying lab.
    pub issuer: IssuerRef,
    /// The model under test.
    pub model: ModelRef,
    /// The test reports written from the record.
    #[serde(default)]
    pub reports: Vec<CitedReport>,
    /// Every criterion's judgement.
    #[serde(default)]
    pub results: Vec<Claim>,
    /// What the model was assessed for.
    #[serde(default)]
    pub scope: Scope,
    /// Who authorised the reports the certificate rests on (the plan's
    /// `[report] authoriser`), with their function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatory: Option<Signatory>,
    /// Standard and edition.
    pub standard: String,
    /// The evidence other than the model.
    #[serde(default)]
    pub test_data: Vec<Evidence>,
    /// Always `pass`: only a passing assessment is certified.
    pub verdict: String,
}

/// A test report the certificate rests on: its file and its number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedReport {
    /// Its file name.
    pub file: String,
    /// `html` or `pdf`.
    pub format: String,
    /// Its issue date, YYYY-MM-DD (absent in older certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    /// `en` or `ko`.
    pub lang: String,
    /// The report's number (absent in older certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

impl CitedReport {
    /// The report a digest file describes.
    pub fn of(digest: &crate::report::ReportDigest) -> Self {
        let r: &ReportFile = &digest.report;
        CitedReport {
            file: r.file.clone(),
            format: r.format.clone(),
            issued: Some(digest.issued.clone()),
            lang: r.lang.clone(),
            number: Some(digest.number.clone()),
            sha256: r.sha256.clone(),
            size: r.size,
        }
    }
}

/// The person who authorised the reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signatory {
    /// Name.
    pub name: Text,
    /// Function, e.g. "Technical manager".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Text>,
}

/// The assessment record a certificate names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssessmentRef {
    /// The plan's id.
    #[serde(default)]
    pub plan_id: String,
    /// The plan file's SHA-256.
    #[serde(default)]
    pub plan_sha256: String,
    /// The plan's version.
    #[serde(default)]
    pub plan_version: String,
    /// The record's SHA-256.
    pub sha256: String,
    /// Its size in bytes.
    #[serde(default)]
    pub size: u64,
    /// The tool that made the record.
    #[serde(default)]
    pub tool: Option<ToolRecord>,
    /// How the record was re-derived before it was signed (absent in
    /// certificates issued before records were re-derived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rederived: Option<Recheck>,
}

/// How a record was re-derived from its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recheck {
    /// Every result computed again from the recorded predictions (the
    /// model run's or the client's), every input digested again.
    #[serde(rename = "predictions")]
    Predictions,
    /// As [`Recheck::Predictions`], the model first run again on the test
    /// set: its predictions must be the recorded ones.
    #[serde(rename = "model run")]
    ModelRun,
}

impl Recheck {
    /// What was done, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Recheck::Predictions => "recomputed from the recorded predictions",
            Recheck::ModelRun => "recomputed from a new run of the model",
        }
    }
}

/// The certificate's number and dates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Numbering {
    /// Issue date, YYYY-MM-DD.
    pub issued: String,
    /// `ISSUER-YEAR-SEQUENCE`.
    pub number: String,
    /// Where its status can be checked.
    #[serde(default)]
    pub status_url: Option<String>,
    /// First and last day of validity.
    pub validity: Validity,
}

/// A validity period, YYYY-MM-DD each.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Validity {
    /// The last day.
    pub not_after: String,
    /// The first day.
    pub not_before: String,
}

/// The holder of the certificate.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Holder {
    /// Postal address.
    #[serde(default)]
    pub address: Option<Text>,
    /// Name.
    #[serde(default)]
    pub name: Text,
}

/// The issuer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuerRef {
    /// Accreditation and its scope.
    #[serde(default)]
    pub accreditation: Option<Text>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<Text>,
    /// Short identifier (the certificate numbers' prefix).
    pub id: String,
    /// The signing key's id.
    #[serde(default)]
    pub keyid: String,
    /// Name.
    #[serde(default)]
    pub name: Text,
    /// A test lab or a certification body (absent: a test lab).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<IssuerRole>,
    /// The logo or accreditation mark the certificate shows, by digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Logo>,
}

/// An image the certificate shows, named by its digest so that a rendering
/// can be checked against the signed statement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Logo {
    /// `image/png` or `image/jpeg`.
    pub media_type: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// The model as the certificate names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelRef {
    /// Who made it.
    #[serde(default)]
    pub developer: Option<Text>,
    /// Its digest (the subject's).
    pub digest: Sha256,
    /// A file or a directory.
    #[serde(default)]
    pub kind: Option<ModelKind>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Version.
    #[serde(default)]
    pub version: String,
}

/// What the model was assessed for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Its classes.
    #[serde(default)]
    pub classes: Vec<String>,
    /// As the client states it.
    #[serde(default)]
    pub intended_use: Text,
    /// The task.
    #[serde(default)]
    pub task: Option<Task>,
}

/// A file of evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// Its name as the record gives it.
    pub path: String,
    /// What it is.
    pub role: InputRole,
    /// SHA-256.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// One criterion's judgement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claim {
    /// The number compared with the threshold.
    #[serde(default)]
    pub compared: Option<f64>,
    /// The criterion as written.
    #[serde(default)]
    pub criterion: String,
    /// The metric's interval.
    #[serde(default)]
    pub interval: Option<Interval>,
    /// The metric.
    pub metric: String,
    /// Whether it was met (absent: not judged).
    #[serde(default)]
    pub passed: Option<bool>,
    /// The threshold.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// The estimate.
    #[serde(default)]
    pub value: Option<f64>,
}

impl Statement {
    /// The statement as JSON, whole numbers written as integers (as the
    /// record's canonical JSON writes them).
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        integral_numbers(&mut v);
        v
    }

    /// The bytes a certificate signs.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Read a statement from JSON; a missing or mistyped member is named by
    /// its JSON pointer.
    pub fn from_json(value: Value) -> Result<Statement, RecordError> {
        crate::from_value(value)
    }

    /// Read a statement from its bytes (a certificate envelope's payload).
    pub fn from_bytes(bytes: &[u8]) -> Result<Statement, RecordError> {
        Statement::from_json(crate::parse(bytes)?)
    }

    /// The certificate's number.
    pub fn number(&self) -> &str {
        &self.predicate.certificate.number
    }

    /// The model's digest (the subject's).
    pub fn model_sha256(&self) -> &str {
        self.subject
            .first()
            .map_or("", |s| s.digest.sha256.as_str())
    }
}

/// Whole numbers written as integers, as RFC 8785 prints them (1.0 as `1`).
fn integral_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64()
                && n.is_f64()
                && x.fract() == 0.0
                && x.abs() < 9_007_199_254_740_992.0
            {
                *n = serde_json::Number::from(x as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}
