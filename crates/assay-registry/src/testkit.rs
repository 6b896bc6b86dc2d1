//! Certificates for tests, the crash script and the benchmarks: a lab key,
//! its trust-store entry and signed certificates with distinct numbers, as
//! `assay certify` would write them (the same statement shape, the same
//! signing), without running an assessment for each.

use assay_cert::IssuerKey;
use assay_cert::certificate::{PREDICATE_TYPE, STATEMENT_TYPE, sign};
use assay_cert::trust::{Entry, entry_text};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

/// The standard the sample certificates name.
pub const STANDARD_NAME: &str = "ISO/IEC TS 4213:2022";

/// A lab's trust-store entry for `key`, trusted 2000–2099.
pub fn trust_entry(key: &IssuerKey, name: &str) -> String {
    entry_text(&Entry {
        id: &key.issuer,
        name,
        accreditation: Some("KOLAS KT-000"),
        public_key_b64: &STANDARD.encode(key.public().as_bytes()),
        keyid: &key.keyid(),
        standards: &[STANDARD_NAME.to_owned()],
        not_before: "2000-01-01",
        not_after: "2099-12-31",
    })
}

/// A signed certificate envelope's bytes: certificate `sequence` of the
/// key's lab, for `holder`, issued `issued` and valid a year.
pub fn certificate(key: &IssuerKey, sequence: u64, holder: &str, issued: &str) -> Vec<u8> {
    certificate_of(
        key,
        sequence,
        holder,
        &format!("Defect detector {sequence}"),
        issued,
    )
}

/// As [`certificate`], for a model named `model`.
pub fn certificate_of(
    key: &IssuerKey,
    sequence: u64,
    holder: &str,
    model_name: &str,
    issued: &str,
) -> Vec<u8> {
    let number = assay_cert::certificate::number(&key.issuer, issued, sequence);
    let until = assay_base::date::add_days(issued, 365).unwrap_or_default();
    let model = assay_cert::keys::keyid(&key.public());
    let model_sha = assay_base::digest::sha256_hex(format!("{model}/{sequence}").as_bytes());
    let statement = json!({
        "_type": STATEMENT_TYPE,
        "subject": [{ "name": format!("model-{sequence}.onnx"), "digest": { "sha256": model_sha } }],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "certificate": {
                "number": number,
                "issued": issued,
                "validity": { "not_before": issued, "not_after": until },
                "status_url": null,
            },
            "issuer": { "id": key.issuer, "name": "Sample Test Lab", "address": null, "accreditation": "KOLAS KT-000", "keyid": key.keyid() },
            "holder": { "name": holder, "address": null },
            "model": { "name": model_name, "version": "1", "developer": holder, "kind": "file", "digest": { "sha256": model_sha } },
            "standard": STANDARD_NAME,
            "scope": { "intended_use": "visual inspection", "task": "binary", "classes": ["ok", "defect"] },
            "test_data": [],
            "assessment": { "sha256": model_sha, "size": 1, "plan_id": "sample", "plan_version": "1", "plan_sha256": model_sha, "tool": null },
            "reports": [],
            "results": [],
            "decision_rule": null,
            "verdict": "pass",
        }
    });
    let payload = serde_json::to_vec(&statement).unwrap_or_default();
    match sign(payload, key) {
        Ok(envelope) => serde_json::to_vec_pretty(&envelope.to_json()).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}
