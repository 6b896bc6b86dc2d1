//! The certificate: an in-toto Statement v1 whose subject is the model (its
//! SHA-256, or the OpenSSF manifest root of a model directory) and whose
//! predicate says who certifies what, against which standard, on which
//! evidence, with which results, for how long.

use assay_model::ModelIdentity;
use assay_record::Outcome;
use assay_record::assessment::{Assessment, InputRole};
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
    pub record: &'a Assessment,
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

/// The certificate number: issuer, year, sequence (`DEMO-2026-000001`).
pub fn number(issuer: &str, issued: &str, sequence: u64) -> String {
    format!("{issuer}-{}-{sequence:06}", &issued[..4.min(issued.len())])
}

/// Whether `record` may be certified with `key`: refuses a record that did
/// not pass, that ran no model (the subject is the model's digest) or whose
/// lab is not the key's issuer. Returns the model's identity.
pub fn check<'a>(record: &'a Assessment, key: &IssuerKey) -> Result<&'a ModelIdentity, CertError> {
    let verdict = record.verdict.overall;
    if verdict != Outcome::Pass {
        return Err(CertError::Refused(format!(
            "the assessment's verdict is {:?}, not \"pass\": only a passing assessment can be certified",
            verdict.name()
        )));
    }
    let lab_id = record.identification.lab.id.as_deref().unwrap_or("");
    if lab_id != key.issuer {
        return Err(CertError::Refused(format!(
            "the assessment was made by lab {lab_id:?} ([lab] id of the plan); the key signs for issuer {:?}",
            key.issuer
        )));
    }
    record.model_run.as_ref().map(|m| &m.identity).ok_or_else(|| {
        CertError::Refused(
            "the assessment ran no model: a certificate names the model by its digest, so the lab must run it ([model] file in the plan)".into(),
        )
    })
}

/// A record's value as JSON, as the statement carries it.
fn json<T: serde::Serialize>(value: &T) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    integral_numbers(&mut v);
    v
}

/// Whole numbers written as integers, as the record's canonical JSON
/// writes them (RFC 8785 prints 1.0 as `1`).
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

/// The results a certificate claims: every criterion's judgement with the
/// metric's interval.
fn results(r: &Assessment) -> Vec<Value> {
    let judgements = r
        .evaluation
        .criteria
        .iter()
        .flatten()
        .chain(r.robustness.iter().flat_map(|x| &x.criteria));
    judgements
        .map(|c| {
            let metric = &c.criterion.metric;
            let interval = r
                .evaluation
                .metrics
                .get(metric)
                .and_then(|m| m.ci.as_ref())
                .map_or(Value::Null, json);
            json!({
                "metric": metric,
                "value": json(&c.value),
                "interval": interval,
                "criterion": c.criterion.expression,
                "threshold": json(&c.criterion.threshold),
                "compared": json(&c.compared),
                "passed": c.passed,
            })
        })
        .collect()
}

/// The statement of an assessment that passes [`check`].
pub fn statement(issue: &Issue<'_>) -> Result<Value, CertError> {
    let r = issue.record;
    let identity = check(r, issue.key)?;
    if date::parse(&issue.issued).is_none() {
        return Err(CertError::Refused(format!(
            "the issue date {:?} is not a date written YYYY-MM-DD",
            issue.issued
        )));
    }
    let not_after = date::add_days(&issue.issued, i64::from(issue.valid_days)).unwrap_or_default();
    let model_sha = &identity.sha256;
    let test_data: Vec<Value> = r
        .inputs
        .iter()
        .filter(|i| i.role != InputRole::Model)
        .map(|i| {
            json!({
                "role": json(&i.role),
                "path": i.path,
                "sha256": i.sha256,
                "size": i.size,
            })
        })
        .collect();
    let id = &r.identification;
    let model = &id.model;
    Ok(json!({
        "_type": STATEMENT_TYPE,
        "subject": [{
            "name": identity.name,
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
                "name": id.lab.name,
                "address": id.lab.address,
                "accreditation": id.lab.accreditation,
                "keyid": issue.key.keyid(),
            },
            "holder": {
                "name": id.client.name,
                "address": id.client.address,
            },
            "model": {
                "name": model.name,
                "version": model.version,
                "developer": model.developer,
                "kind": json(&identity.kind),
                "digest": { "sha256": model_sha },
            },
            "standard": id.standard,
            "scope": {
                "intended_use": model.intended_use,
                "task": json(&r.evaluation.task),
                "classes": r.evaluation.classes,
            },
            "test_data": test_data,
            "assessment": {
                "sha256": issue.record_sha256,
                "size": issue.record_size,
                "plan_id": id.plan_id,
                "plan_version": id.plan_version,
                "plan_sha256": r.plan.sha256,
                "tool": json(&r.tool),
            },
            "reports": issue.reports,
            "results": results(r),
            "decision_rule": json(&r.verdict.decision_rule),
            "verdict": r.verdict.overall.name(),
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
