//! Trust stores: the issuers a verifier accepts, each with its public key,
//! the standards it is accredited for and the window in which its
//! certificates are accepted.

use std::path::Path;

use ed25519_dalek::VerifyingKey;
use serde::Deserialize;

use crate::{CertError, date, keys};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    #[serde(default)]
    issuer: Vec<IssuerEntry>,
    #[serde(default)]
    log: Vec<LogEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogEntry {
    origin: String,
    key: String,
    url: Option<String>,
}

/// A transparency log whose signed checkpoints a verifier accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Log {
    /// The checkpoints' origin line.
    pub origin: String,
    /// The log's signed-note verifier key (`NAME+HASH+BASE64`).
    pub key: String,
    /// Where the log is served (optional; `assay verify --log` may name it).
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerEntry {
    id: String,
    name: String,
    public_key: String,
    keyid: Option<String>,
    accreditation: Option<String>,
    standards: Vec<String>,
    not_before: String,
    not_after: String,
}

/// One trusted issuer.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The lab's id (the certificate-number prefix).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its accreditation, as the store says.
    pub accreditation: Option<String>,
    /// Its public key.
    pub key: VerifyingKey,
    /// Its key id.
    pub keyid: String,
    /// The standards (with edition) it may certify against.
    pub standards: Vec<String>,
    /// First day a certificate of this issuer may be issued (YYYY-MM-DD).
    pub not_before: String,
    /// Last day.
    pub not_after: String,
}

/// The issuers a verifier accepts.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// Every issuer.
    pub issuers: Vec<Issuer>,
    /// Every trusted log.
    pub logs: Vec<Log>,
}

impl TrustStore {
    /// Read a trust store (TOML) from text; `name` is the file for errors.
    pub fn parse(text: &str, name: &str) -> Result<TrustStore, CertError> {
        let file: StoreFile =
            toml::from_str(text).map_err(|e| CertError::Trust(format!("{name}: {e}")))?;
        let mut issuers = Vec::new();
        for (i, e) in file.issuer.into_iter().enumerate() {
            let at = format!("{name}: [[issuer]] {} ({:?})", i + 1, e.id);
            if let Some(problem) = crate::certificate::issuer_id_problem(&e.id) {
                return Err(CertError::Trust(format!("{at}: id: {problem}")));
            }
            let key = keys::public_from_base64(&e.public_key)
                .map_err(|m| CertError::Trust(format!("{at}: public_key: {m}")))?;
            let keyid = keys::keyid(&key);
            if let Some(k) = &e.keyid
                && *k != keyid
            {
                return Err(CertError::Trust(format!(
                    "{at}: keyid {k} is not the key id of public_key ({keyid})"
                )));
            }
            for (field, d) in [("not_before", &e.not_before), ("not_after", &e.not_after)] {
                if date::parse(d).is_none() {
                    return Err(CertError::Trust(format!(
                        "{at}: {field} must be a date written YYYY-MM-DD, not {d:?}"
                    )));
                }
            }
            if e.standards.is_empty() {
                return Err(CertError::Trust(format!(
                    "{at}: standards is empty: name the standards the issuer is accredited for"
                )));
            }
            issuers.push(Issuer {
                id: e.id,
                name: e.name,
                accreditation: e.accreditation,
                key,
                keyid,
                standards: e.standards,
                not_before: e.not_before,
                not_after: e.not_after,
            });
        }
        let mut logs = Vec::new();
        for (i, l) in file.log.into_iter().enumerate() {
            let at = format!("{name}: [[log]] {} ({:?})", i + 1, l.origin);
            if l.origin.is_empty() || l.origin.contains('\n') {
                return Err(CertError::Trust(format!(
                    "{at}: origin is one non-empty line"
                )));
            }
            let parts: Vec<&str> = l.key.splitn(3, '+').collect();
            if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) || parts[0] != l.origin {
                return Err(CertError::Trust(format!(
                    "{at}: key is the log's signed-note verifier key, ORIGIN+HASH+BASE64"
                )));
            }
            logs.push(Log {
                origin: l.origin,
                key: l.key,
                url: l.url,
            });
        }
        Ok(TrustStore { issuers, logs })
    }

    /// Read a trust store file.
    pub fn load(path: &Path) -> Result<TrustStore, CertError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CertError::Io(path.display().to_string(), e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Several stores as one.
    pub fn merge(mut self, other: TrustStore) -> TrustStore {
        self.issuers.extend(other.issuers);
        self.logs.extend(other.logs);
        self
    }
}

/// A TOML basic string (JSON's string escapes are TOML's).
pub fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// What a published trust-store entry says.
pub struct Entry<'a> {
    /// Issuer id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Accreditation.
    pub accreditation: Option<&'a str>,
    /// Public key, base64.
    pub public_key_b64: &'a str,
    /// Key id.
    pub keyid: &'a str,
    /// Standards.
    pub standards: &'a [String],
    /// Window start.
    pub not_before: &'a str,
    /// Window end.
    pub not_after: &'a str,
}

/// A trust-store entry for a new key (what `assay keygen` publishes).
pub fn entry_text(e: &Entry<'_>) -> String {
    let q = toml_string;
    let mut out = String::new();
    out.push_str("# An Assay certificate issuer: add this entry to a trust store to accept its certificates.\n");
    out.push_str("[[issuer]]\n");
    out.push_str(&format!("id = {}\n", q(e.id)));
    out.push_str(&format!("name = {}\n", q(e.name)));
    if let Some(a) = e.accreditation {
        out.push_str(&format!("accreditation = {}\n", q(a)));
    }
    out.push_str(&format!(
        "public_key = {}  # Ed25519, base64\n",
        q(e.public_key_b64)
    ));
    out.push_str(&format!(
        "keyid = {}  # SHA-256 of the public key\n",
        q(e.keyid)
    ));
    let list: Vec<String> = e.standards.iter().map(|s| q(s)).collect();
    out.push_str(&format!("standards = [{}]\n", list.join(", ")));
    out.push_str(&format!("not_before = {}\n", q(e.not_before)));
    out.push_str(&format!("not_after = {}\n", q(e.not_after)));
    out
}
