//! The certificate: an in-toto Statement v1 whose subject is the model (its
//! SHA-256, or the OpenSSF manifest root of a model directory) and whose
//! predicate says who certifies what, against which standard, on which
//! evidence, with which results, for how long.

use serde_json::{Value, json};

use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE, Signature, pae};
use crate::keys::IssuerKey;
use crate::{CertError, date};

/// The in-toto statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of an Assay certificate, version 1.
pub const PREDICATE_TYPE: &str = "https://example.invalid/assay/certificate/v1";

/// What a certificate is made from.
pub struct Issue<'a> {
    /// The assessment record.
    pub record: &'a Value,
    /// Its SHA-256 and size.
    pub record_sha256: String,
    /// Bytes.
    pub record_size: u64,
    /// The issuer's key.
    pub key: &'a IssuerKey,
    /// Sequence number within the issuer and year.
    pub sequence: u64,
    /// Issue date, YYYY-MM-DD.
    pub issued: String,
    /// Days the certificate is valid.
    pub valid_days: u32,
    /// The reports' digest files (`assay/report-digest/v1`).
    pub reports: Vec<Value>,
    /// Where the certificate's status can be checked.
    pub status_url: Option<String>,
}

fn get<'a>(v: &'a Value, pointer: &str) -> Result<&'a Value, CertError> {
    match v.pointer(pointer) {
        Some(Value::Null) | None => Err(CertError::Record(format!("{pointer}: missing"))),
        Some(x) => Ok(x),
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> Result<&'a str, CertError> {
    get(v, pointer)?
        .as_str()
        .ok_or_else(|| CertError::Record(format!("{pointer}: expected a string")))
}

/// The certificate number: issuer, year, sequence (`DEMO-2026-000001`).
pub fn number(issuer: &str, issued: &str, sequence: u64) -> String {
    format!("{issuer}-{}-{sequence:06}", &issued[..4.min(issued.len())])
}

/// Whether `record` may be certified with `key`: refuses a record that did
/// not pass, that ran no model (the subject is the model's digest) or whose
/// lab is not the key's issuer. Returns the model's identity.
pub fn check<'a>(record: &'a Value, key: &IssuerKey) -> Result<&'a Value, CertError> {
    let r = record;
    if text(r, "/schema")? != "assay/assessment/v1" {
        return Err(CertError::Record(
            "not an assessment record (schema assay/assessment/v1)".into(),
        ));
    }
    let verdict = text(r, "/verdict/overall")?;
    if verdict != "pass" {
        return Err(CertError::Refused(format!(
            "the assessment's verdict is {verdict:?}, not \"pass\": only a passing assessment can be certified"
        )));
    }
    let lab_id = r
        .pointer("/identification/lab/id")
        .and_then(Value::as_str)
        .unwrap_or("");
    if lab_id != key.issuer {
        return Err(CertError::Refused(format!(
            "the assessment was made by lab {lab_id:?} ([lab] id of the plan); the key signs for issuer {:?}",
            key.issuer
        )));
    }
    r.pointer("/model_run/identity")
        .filter(|v| !v.is_null())
        .ok_or_else(|| {
            CertError::Refused(
                "the assessment ran no model: a certificate names the model by its digest, so the lab must run it ([model] file in the plan)".into(),
            )
        })
}

/// The statement of an assessment that passes [`check`].
pub fn statement(issue: &Issue<'_>) -> Result<Value, CertError> {
    let r = issue.record;
    let identity = check(r, issue.key)?;
    let verdict = text(r, "/verdict/overall")?;
    if date::parse(&issue.issued).is_none() {
        return Err(CertError::Refused(format!(
            "the issue date {:?} is not a date written YYYY-MM-DD",
            issue.issued
        )));
    }
    let not_after = date::add_days(&issue.issued, i64::from(issue.valid_days)).unwrap_or_default();
    let model_sha = text(identity, "/sha256")?;
    let metric_ci = |metric: &str| {
        r.pointer(&format!("/evaluation/metrics/{metric}/ci"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut results = Vec::new();
    for pointer in ["/evaluation/criteria", "/robustness/criteria"] {
        for c in r
            .pointer(pointer)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let metric = text(c, "/metric")?;
            results.push(json!({
                "metric": metric,
                "value": c.get("value").cloned().unwrap_or(Value::Null),
                "interval": metric_ci(metric),
                "criterion": text(c, "/expression")?,
                "threshold": c.get("threshold").cloned().unwrap_or(Value::Null),
                "compared": c.get("compared").cloned().unwrap_or(Value::Null),
                "passed": c.get("passed").cloned().unwrap_or(Value::Null),
            }));
        }
    }
    let test_data: Vec<Value> = r
        .pointer("/inputs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|i| i.get("role").and_then(Value::as_str) != Some("model"))
        .map(|i| {
            json!({
                "role": i.get("role").cloned().unwrap_or(Value::Null),
                "path": i.get("path").cloned().unwrap_or(Value::Null),
                "sha256": i.get("sha256").cloned().unwrap_or(Value::Null),
                "size": i.get("size").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    let model = get(r, "/identification/model")?;
    Ok(json!({
        "_type": STATEMENT_TYPE,
        "subject": [{
            "name": text(identity, "/name")?,
            "digest": { "sha256": model_sha },
        }],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "certificate": {
                "number": number(&issue.key.issuer, &issue.issued, issue.sequence),
                "issued": issue.issued,
                "validity": { "not_before": issue.issued, "not_after": not_after },
                "status_url": issue.status_url,
            },
            "issuer": {
                "id": issue.key.issuer,
                "name": text(r, "/identification/lab/name")?,
                "address": r.pointer("/identification/lab/address").cloned().unwrap_or(Value::Null),
                "accreditation": r.pointer("/identification/lab/accreditation").cloned().unwrap_or(Value::Null),
                "keyid": issue.key.keyid(),
            },
            "holder": {
                "name": text(r, "/identification/client/name")?,
                "address": r.pointer("/identification/client/address").cloned().unwrap_or(Value::Null),
            },
            "model": {
                "name": model.get("name").cloned().unwrap_or(Value::Null),
                "version": model.get("version").cloned().unwrap_or(Value::Null),
                "developer": model.get("developer").cloned().unwrap_or(Value::Null),
                "kind": identity.get("kind").cloned().unwrap_or(Value::Null),
                "digest": { "sha256": model_sha },
            },
            "standard": text(r, "/identification/standard")?,
            "scope": {
                "intended_use": model.get("intended_use").cloned().unwrap_or(Value::Null),
                "task": r.pointer("/evaluation/task").cloned().unwrap_or(Value::Null),
                "classes": r.pointer("/evaluation/classes").cloned().unwrap_or(Value::Null),
            },
            "test_data": test_data,
            "assessment": {
                "sha256": issue.record_sha256,
                "size": issue.record_size,
                "plan_id": r.pointer("/identification/plan_id").cloned().unwrap_or(Value::Null),
                "plan_version": r.pointer("/identification/plan_version").cloned().unwrap_or(Value::Null),
                "plan_sha256": r.pointer("/plan/sha256").cloned().unwrap_or(Value::Null),
                "tool": r.pointer("/tool").cloned().unwrap_or(Value::Null),
            },
            "reports": issue.reports,
            "results": results,
            "decision_rule": r.pointer("/verdict/decision_rule").cloned().unwrap_or(Value::Null),
            "verdict": verdict,
        }
    }))
}

/// Sign statement bytes into an envelope.
pub fn sign(payload: Vec<u8>, key: &IssuerKey) -> Envelope {
    sign_typed(IN_TOTO_PAYLOAD_TYPE, payload, key)
}

/// Sign payload bytes of type `payload_type` into an envelope.
pub fn sign_typed(payload_type: &str, payload: Vec<u8>, key: &IssuerKey) -> Envelope {
    use ed25519_dalek::Signer as _;
    let sig = key.signing.sign(&pae(payload_type, &payload));
    Envelope {
        payload_type: payload_type.into(),
        payload,
        signatures: vec![Signature {
            keyid: key.keyid(),
            sig: sig.to_bytes().to_vec(),
        }],
    }
}
