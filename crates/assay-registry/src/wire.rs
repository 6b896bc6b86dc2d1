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

/// `POST /api/v1/certificates`: where the certificate is in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// The checkpoint the proof is against.
    pub checkpoint: String,
    /// Whether the certificate was logged before (200) or now (201).
    pub existing: bool,
    /// The inclusion proof: hashes, base64.
    pub inclusion: Vec<String>,
    /// The entry's index.
    pub index: u64,
    /// The log's URL.
    pub log: String,
    /// The certificate's number.
    pub number: String,
    /// The certificate's SHA-256.
    pub sha256: String,
    /// Its status snapshot, signed by the log.
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
