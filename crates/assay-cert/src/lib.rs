//! Certificates anyone can verify: Ed25519 keys, DSSE v1 envelopes around
//! in-toto Statement v1 payloads, trust stores, and offline verification.
//!
//! A certificate is the DSSE envelope (`payloadType`
//! `application/vnd.in-toto+json`) of a statement whose subject is the
//! model's digest and whose predicate ([`certificate::PREDICATE_TYPE`])
//! carries the certificate number, issuer, holder, model, standard, scope,
//! the digests of the evidence (test data, assessment record, reports), the
//! results claimed and the validity period. Anyone with the file, the model
//! and the issuer's public key can check it, with this crate or any DSSE
//! verifier.
//!
//! No network, no database.

pub mod certificate;
pub use assay_base::date;
pub mod dsse;
pub mod issue;
pub mod keys;
pub mod pkcs11;
pub mod status;
pub mod strict;
pub mod trust;
pub mod verify;

pub use dsse::Envelope;
pub use keys::IssuerKey;
pub use trust::TrustStore;
pub use verify::{Check, Expect, Status, Verdict, Verification, verify};

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// The envelope cannot be read.
    #[error("not a certificate envelope: {0}")]
    Envelope(String),
    /// A key file.
    #[error("{0}")]
    Key(String),
    /// A trust store.
    #[error("trust store {0}")]
    Trust(String),
    /// The assessment record lacks something.
    #[error("assessment record: {0}")]
    Record(String),
    /// Certification refused.
    #[error("refused: {0}")]
    Refused(String),
    /// A file.
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// A statement that cannot be written as JSON.
    #[error("the statement cannot be written: {0}")]
    Json(#[from] serde_json::Error),
}
