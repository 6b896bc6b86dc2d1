//! Status changes: a revocation, suspension or reinstatement is a statement
//! signed by the certificate's issuer, in a DSSE envelope of its own payload
//! type, and logged like the certificate itself.
//!
//! Each change carries the certificate's SHA-256 (so it names exactly one
//! certificate) and a sequence number: the count of changes logged before it
//! for that certificate. A replayed statement carries a sequence that is
//! already taken, so the registry refuses it.

use ed25519_dalek::Signature as EdSignature;
use serde::{Deserialize, Serialize};

use crate::certificate::sign_typed;
use crate::dsse::{Envelope, pae};
use crate::trust::Issuer;
use crate::{CertError, IssuerKey, date};

/// The payload type of a status change.
pub const STATUS_PAYLOAD_TYPE: &str = "application/vnd.assay.status+json";
/// The `_type` of a status statement.
pub const STATUS_TYPE: &str = "https://example.invalid/assay/status/v1";

/// What a status change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Withdrawn for good.
    Revoke,
    /// Withdrawn until reinstated.
    Suspend,
    /// A suspension lifted.
    Reinstate,
}

impl Action {
    /// The word.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Revoke => "revoke",
            Action::Suspend => "suspend",
            Action::Reinstate => "reinstate",
        }
    }

    /// Parse the word.
    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "revoke" => Some(Action::Revoke),
            "suspend" => Some(Action::Suspend),
            "reinstate" => Some(Action::Reinstate),
            _ => None,
        }
    }

    /// The status a certificate has after this change.
    pub fn status(self) -> &'static str {
        match self {
            Action::Revoke => "revoked",
            Action::Suspend => "suspended",
            Action::Reinstate => "valid",
        }
    }

    /// Whether the change applies to a certificate whose status is `from`:
    /// revoke from valid or suspended, suspend from valid, reinstate from
    /// suspended. A revocation is final.
    pub fn allowed_from(self, from: &str) -> bool {
        matches!(
            (self, from),
            (Action::Revoke, "valid" | "suspended")
                | (Action::Suspend, "valid")
                | (Action::Reinstate, "suspended")
        )
    }
}

/// A status statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// [`STATUS_TYPE`].
    #[serde(rename = "_type")]
    pub kind: String,
    /// The certificate's number.
    pub certificate: String,
    /// The SHA-256 of the certificate envelope's bytes.
    pub certificate_sha256: String,
    /// The issuer's id.
    pub issuer: String,
    /// What is done.
    pub action: Action,
    /// Why, in words (shown to everyone who checks the certificate).
    pub reason: String,
    /// How many changes were logged for this certificate before this one.
    pub sequence: u64,
    /// The day it takes effect (YYYY-MM-DD).
    pub date: String,
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

impl StatusChange {
    /// Check the fields' forms.
    pub fn check(&self) -> Result<(), String> {
        if self.kind != STATUS_TYPE {
            return Err(format!("_type is {:?}, not {STATUS_TYPE:?}", self.kind));
        }
        if self.certificate.is_empty() {
            return Err("certificate: the certificate number is empty".into());
        }
        if !is_hex64(&self.certificate_sha256) {
            return Err("certificate_sha256: 64 lowercase hex digits".into());
        }
        if self.reason.trim().is_empty() {
            return Err("reason: give the reason for the change".into());
        }
        if self.reason.len() > 1000 {
            return Err("reason: at most 1000 bytes".into());
        }
        if date::parse(&self.date).is_none() {
            return Err(format!(
                "date: a date written YYYY-MM-DD, not {:?}",
                self.date
            ));
        }
        Ok(())
    }

    /// Sign it with the issuer's key.
    pub fn sign(&self, key: &IssuerKey) -> Result<Envelope, CertError> {
        self.check().map_err(CertError::Refused)?;
        let payload = serde_json::to_vec(self).map_err(|e| CertError::Refused(e.to_string()))?;
        sign_typed(STATUS_PAYLOAD_TYPE, payload, key)
    }
}

/// How many days past the verifier's today a status change may be dated:
/// a lab east of UTC is already in tomorrow.
pub const FUTURE_TOLERANCE_DAYS: i64 = 1;

/// The dates a status change is bounded by.
pub struct Life<'a> {
    /// The certificate's issue date.
    pub issued: &'a str,
    /// Its last day of validity.
    pub not_after: &'a str,
    /// The date of the latest change logged, if any.
    pub last_change: Option<&'a str>,
    /// Today, by the checker's clock (UTC).
    pub today: &'a str,
}

/// What is wrong with `date` as the date of a status change of a
/// certificate with this life (None: nothing): not before the issue date
/// or the latest change, not after the last day of validity, and not more
/// than [`FUTURE_TOLERANCE_DAYS`] after today.
pub fn date_problem(date: &str, life: &Life<'_>) -> Option<String> {
    let latest = date::add_days(life.today, FUTURE_TOLERANCE_DAYS).unwrap_or_default();
    if date::parse(date).is_none() {
        Some(format!("date: a date written YYYY-MM-DD, not {date:?}"))
    } else if date < life.issued {
        Some(format!(
            "date: {date} is before the certificate was issued ({})",
            life.issued
        ))
    } else if let Some(last) = life.last_change.filter(|last| date < *last) {
        Some(format!(
            "date: {date} is before the latest status change ({last}): changes are dated in order"
        ))
    } else if date > life.not_after {
        Some(format!(
            "date: {date} is after the certificate's last day of validity ({}): it has expired, \
             and a change after its life changes nothing",
            life.not_after
        ))
    } else if date > latest.as_str() {
        Some(format!(
            "date: {date} is in the future (today is {}; at most {FUTURE_TOLERANCE_DAYS} day ahead, \
             for time zones): date a change the day it takes effect",
            life.today
        ))
    } else {
        None
    }
}

/// Read a status envelope and check its signature with the keys of
/// `issuers` (the certificate issuer's registered keys), then its fields.
/// The payload is parsed only after the signature holds.
pub fn verify(bytes: &[u8], issuers: &[Issuer]) -> Result<StatusChange, String> {
    let envelope = Envelope::parse(bytes).map_err(|e| e.to_string())?;
    if envelope.payload_type != STATUS_PAYLOAD_TYPE {
        return Err(format!(
            "payloadType is {:?}, not {STATUS_PAYLOAD_TYPE:?}",
            envelope.payload_type
        ));
    }
    let message = pae(&envelope.payload_type, &envelope.payload);
    let signed = envelope.signatures.iter().any(|s| {
        EdSignature::from_slice(&s.sig).is_ok_and(|sig| {
            issuers
                .iter()
                .filter(|i| s.keyid.is_empty() || i.keyid == s.keyid)
                .any(|i| i.key.verify_strict(&message, &sig).is_ok())
        })
    });
    if !signed {
        return Err(
            "the signature does not verify with a registered key of the certificate's issuer"
                .into(),
        );
    }
    let change: StatusChange = serde_json::from_slice(&envelope.payload)
        .map_err(|e| format!("the status statement: {e}"))?;
    change.check()?;
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_dated_within_the_certificates_life_and_by_the_clock() {
        let life = Life {
            issued: "2026-03-01",
            not_after: "2027-03-01",
            last_change: Some("2026-05-01"),
            today: "2026-06-01",
        };
        for ok in ["2026-05-01", "2026-06-01", "2026-06-02"] {
            assert_eq!(date_problem(ok, &life), None, "{ok}");
        }
        for (bad, why) in [
            ("2026-02-28", "before the certificate was issued"),
            ("2026-04-30", "before the latest status change"),
            ("2026-06-03", "in the future"),
            ("2099-01-01", "after the certificate's last day"),
            ("2026-6-1", "YYYY-MM-DD"),
        ] {
            let p = date_problem(bad, &life).unwrap_or_default();
            assert!(p.contains(why), "{bad}: {p}");
        }
    }
    use crate::TrustStore;
    use crate::trust::{Entry, entry_text};
    use base64::{Engine as _, engine::general_purpose::STANDARD};

    fn issuer(key: &IssuerKey) -> Vec<Issuer> {
        let text = entry_text(&Entry {
            id: "LAB",
            name: "Lab",
            accreditation: None,
            public_key_b64: &STANDARD.encode(key.public().as_bytes()),
            keyid: &key.keyid(),
            standards: &["ISO/IEC TS 4213:2022".to_owned()],
            not_before: "2026-01-01",
            not_after: "2030-01-01",
        });
        TrustStore::parse(&text, "t").expect("store").issuers
    }

    fn change() -> StatusChange {
        StatusChange {
            kind: STATUS_TYPE.into(),
            certificate: "LAB-2026-000001".into(),
            certificate_sha256: "ab".repeat(32),
            issuer: "LAB".into(),
            action: Action::Revoke,
            reason: "the model was retrained".into(),
            sequence: 0,
            date: "2026-11-30".into(),
        }
    }

    #[test]
    fn a_signed_change_verifies_with_the_issuers_key_only() {
        let key = IssuerKey::generate("LAB").expect("key");
        let other = IssuerKey::generate("LAB").expect("key");
        let env = change().sign(&key).expect("signs");
        let bytes = serde_json::to_vec(&env.to_json()).expect("json");
        assert_eq!(verify(&bytes, &issuer(&key)), Ok(change()));
        assert!(verify(&bytes, &issuer(&other)).is_err());
        // A certificate envelope is not a status change.
        let cert = crate::certificate::sign(b"{}".to_vec(), &key).expect("signs");
        let bytes = serde_json::to_vec(&cert.to_json()).expect("json");
        assert!(
            verify(&bytes, &issuer(&key))
                .expect_err("refused")
                .contains("payloadType")
        );
    }

    #[test]
    fn malformed_changes_are_refused_before_signing() {
        let key = IssuerKey::generate("LAB").expect("key");
        for (c, want) in [
            (
                StatusChange {
                    reason: " ".into(),
                    ..change()
                },
                "reason",
            ),
            (
                StatusChange {
                    date: "30.11.2026".into(),
                    ..change()
                },
                "date",
            ),
            (
                StatusChange {
                    certificate_sha256: "AB".repeat(32),
                    ..change()
                },
                "certificate_sha256",
            ),
        ] {
            let e = c.sign(&key).expect_err("refused").to_string();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn transitions_follow_the_lifecycle() {
        assert!(Action::Suspend.allowed_from("valid"));
        assert!(!Action::Suspend.allowed_from("suspended"));
        assert!(Action::Reinstate.allowed_from("suspended"));
        assert!(!Action::Reinstate.allowed_from("revoked"));
        assert!(Action::Revoke.allowed_from("suspended"));
        assert!(!Action::Revoke.allowed_from("revoked"));
    }
}
