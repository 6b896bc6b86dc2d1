//! The JSON the registry answers with, as typed structs: the server writes
//! them and the client (`assay publish`, `assay verify --log`, `assay
//! revoke`) reads them. Fields are declared in alphabetical order, the
//! order the keys are written in.

use serde::{Deserialize, Serialize};

/// A refusal or an error: what went wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// The checks of a certificate that fails them (422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
    /// What is wrong and what to do.
    pub error: String,
}

/// `GET /api/v1/log`: the log's origin, key and signed size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogInfo {
    /// The latest signed checkpoint (a C2SP signed note).
    pub checkpoint: String,
    /// The log's public key (a C2SP signed-note verifier key).
    pub key: String,
    /// The log's origin line.
    pub origin: String,
    /// The root hash of the signed tree, base64.
    pub root: String,
    /// Entries in the signed tree.
    pub size: u64,
}

/// Where a certificate is in the log: the answer to `POST
/// /api/v1/certificates`, and the receipt stored beside the certificate
/// (`NUMBER.log.json`) — one format, so an answer saved as it came is a
/// receipt `assay verify` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The signed checkpoint (a C2SP signed note) the proof is against.
    pub checkpoint: String,
    /// Whether the certificate was logged before this submission (200) or
    /// by it (201); false in a stored receipt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
    /// The inclusion proof: hashes, base64.
    pub inclusion: Vec<String>,
    /// The entry's index.
    pub index: u64,
    /// The log's URL.
    pub log: String,
    /// The certificate's number (absent in receipts of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The certificate's SHA-256 (likewise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Its status snapshot, signed by the log when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `POST /api/v1/certificates/{number}/status`: the status change logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReceipt {
    /// The checkpoint the proof is against.
    pub checkpoint: String,
    /// The inclusion proof: hashes, base64.
    pub inclusion: Vec<String>,
    /// The entry's index.
    pub index: u64,
    /// The log's URL.
    pub log: String,
    /// The certificate's number.
    pub number: String,
    /// The new status snapshot, signed by the log.
    pub signed: Option<String>,
    /// The status now.
    pub status: String,
}

/// `GET /api/v1/certificates/{number}/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReply {
    /// The day of the last change.
    pub date: Option<String>,
    /// The certificate's entry.
    pub entry: u64,
    /// The certificate's number.
    pub number: String,
    /// Why it was suspended or revoked.
    pub reason: Option<String>,
    /// The sequence the next status change must carry.
    pub sequence: u64,
    /// The certificate's SHA-256.
    pub sha256: String,
    /// The status snapshot, signed by the log.
    pub signed: String,
    /// `valid`, `suspended` or `revoked`.
    pub status: String,
    /// The entry of the last change.
    pub status_entry: Option<u64>,
}

/// `GET /api/v1/certificates/{number}/proof`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateProof {
    /// The checkpoint of `size`, when it is the latest.
    pub checkpoint: Option<String>,
    /// The inclusion proof: hashes, base64.
    pub inclusion: Vec<String>,
    /// The entry's index.
    pub index: u64,
    /// The log's URL.
    pub log: String,
    /// The tree size the proof is for.
    pub size: u64,
    /// The status snapshot, signed by the log.
    pub status: Option<String>,
}

/// `GET /api/v1/proofs/inclusion`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The proof's hashes, base64.
    pub hashes: Vec<String>,
    /// The entry's index.
    pub index: u64,
    /// The tree size.
    pub size: u64,
}

/// `GET /api/v1/proofs/consistency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older tree's size.
    pub from: u64,
    /// The proof's hashes, base64.
    pub hashes: Vec<String>,
    /// The newer tree's size.
    pub to: u64,
}

/// A certificate as the registry lists it (`GET /api/v1/certificates/…`,
/// the searches, the web pages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateRow {
    /// Its entry in the log.
    pub entry: i64,
    /// Who holds it.
    pub holder: String,
    /// Issue date.
    pub issued: String,
    /// The issuing lab's id.
    pub issuer: String,
    /// The issuing lab's registered name.
    pub issuer_name: Option<String>,
    /// Where to read more of it.
    pub links: Links,
    /// The model it certifies.
    pub model: ModelRef,
    /// The last day it is valid.
    pub not_after: String,
    /// Its number.
    pub number: String,
    /// The SHA-256 of the certificate file.
    pub sha256: String,
    /// The standard it certifies against.
    pub standard: String,
    /// `valid`, `suspended` or `revoked`.
    pub status: String,
    /// The day of the last status change.
    pub status_date: Option<String>,
    /// Why it was suspended or revoked.
    pub status_reason: Option<String>,
    /// The assessment's verdict.
    pub verdict: String,
}

/// A certificate's links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Links {
    /// The signed envelope.
    pub envelope: String,
    /// The web page.
    pub page: String,
    /// Its inclusion proof.
    pub proof: String,
    /// This answer.
    #[serde(rename = "self")]
    pub this: String,
    /// Its status.
    pub status: String,
}

impl Links {
    /// The links of certificate `number`.
    pub fn of(number: &str) -> Self {
        Self {
            envelope: format!("/api/v1/certificates/{number}/envelope"),
            page: format!("/certificates/{number}"),
            proof: format!("/api/v1/certificates/{number}/proof"),
            this: format!("/api/v1/certificates/{number}"),
            status: format!("/api/v1/certificates/{number}/status"),
        }
    }
}

/// The model a certificate names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    /// Its name.
    pub name: String,
    /// Its digest.
    pub sha256: String,
}

/// `POST /api/v1/verify`: every check of a certificate against the registry.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReply {
    /// The checks, in order.
    pub checks: Vec<assay_cert::Check>,
    /// The certificate's number (empty when the statement cannot be read).
    pub number: String,
    /// The SHA-256 of the bytes checked.
    pub sha256: String,
    /// The statement, when the signature holds.
    pub statement: Option<assay_record::certificate::Statement>,
    /// Whether every check passes.
    pub valid: bool,
}

/// `GET /api/v1/certificates?…`: the certificates found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// The certificates, newest first.
    pub certificates: Vec<CertificateRow>,
    /// How many.
    pub count: usize,
}

/// `GET /api/v1/entries/by-digest/{sha256}` of a status change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChangeEntry {
    /// The entry's index.
    pub entry: u64,
    /// The change.
    pub status_change: StatusChangeRow,
}

/// A logged status change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChangeRow {
    /// `revoke`, `suspend` or `reinstate`.
    pub action: String,
    /// The certificate's number.
    pub certificate: String,
    /// The day it takes effect.
    pub date: String,
    /// Why.
    pub reason: String,
    /// Its sequence among the certificate's changes.
    pub sequence: i64,
}

/// `GET /api/v1`: what the service is and where its parts are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The C2SP checkpoint's path.
    pub checkpoint: String,
    /// The log.
    pub log: ServiceLog,
    /// The OpenAPI document's path.
    pub openapi: String,
    /// `assay registry`.
    pub service: String,
    /// The registry's version.
    pub version: String,
}

/// The log, as the service's index names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceLog {
    /// Its public key.
    pub key: String,
    /// Its origin line.
    pub origin: String,
    /// Entries in the signed tree.
    pub size: u64,
}
