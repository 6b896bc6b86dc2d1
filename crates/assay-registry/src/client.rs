//! What a verifier checks in a log's answers: an inclusion proof against a
//! signed checkpoint, and a status snapshot signed by the log. Shared by
//! the server (which makes them) and `assay verify` (which checks them,
//! online or from the proof file stored beside a certificate).

use assay_cert::{Check, Status, TrustStore};
use assay_log::note::{Checkpoint, NoteVerifier, open};
use assay_log::{Hash, leaf_hash};
use assay_record::certificate::Statement;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The first line of a status snapshot.
pub const STATUS_HEADER: &str = "assay-status v1";

pub use crate::wire::Receipt;

/// Hashes as base64 strings.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h)).collect()
}

/// Base64 strings as hashes.
pub fn decode_hashes(hashes: &[String]) -> Result<Vec<Hash>, String> {
    hashes
        .iter()
        .enumerate()
        .map(|(i, h)| {
            STANDARD
                .decode(h)
                .ok()
                .and_then(|b| Hash::try_from(b).ok())
                .ok_or_else(|| format!("proof hash {i} is not 32 bytes of base64"))
        })
        .collect()
}

/// Open a checkpoint note with any of `verifiers`.
pub fn checkpoint(note: &str, verifiers: &[NoteVerifier]) -> Result<Checkpoint, String> {
    let body = open(note, verifiers)
        .map_err(|e| format!("the checkpoint is not signed by a trusted log key ({e})"))?;
    Checkpoint::parse(body).map_err(|e| format!("the checkpoint: {e}"))
}

/// Check that `entry` (the certificate's bytes) is at `index` in the tree
/// the signed `note` describes. Returns the checkpoint.
pub fn check_inclusion(
    entry: &[u8],
    index: u64,
    proof: &[Hash],
    note: &str,
    verifiers: &[NoteVerifier],
) -> Result<Checkpoint, String> {
    let cp = checkpoint(note, verifiers)?;
    assay_log::merkle::verify_inclusion(index, cp.size, &leaf_hash(entry), proof, &cp.root)
        .map_err(|e| {
            format!(
                "the inclusion proof of entry {index} does not lead to the signed root of size {}: {e}",
                cp.size
            )
        })?;
    Ok(cp)
}

/// A status snapshot: what the log says of a certificate at a tree size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The log's origin.
    pub origin: String,
    /// The certificate's number.
    pub number: String,
    /// Its SHA-256.
    pub sha256: String,
    /// `valid`, `suspended` or `revoked`.
    pub status: String,
    /// The tree size it speaks for.
    pub size: u64,
    /// The day it was made.
    pub date: String,
}

impl Snapshot {
    /// The note body.
    pub fn body(&self) -> String {
        format!(
            "{STATUS_HEADER}\norigin {}\ncertificate {}\nsha256 {}\nstatus {}\ntree-size {}\ndate {}\n",
            self.origin, self.number, self.sha256, self.status, self.size, self.date
        )
    }

    /// Open and parse a signed snapshot.
    pub fn open(note: &str, verifiers: &[NoteVerifier]) -> Result<Snapshot, String> {
        let body = open(note, verifiers)
            .map_err(|e| format!("the status is not signed by a trusted log key ({e})"))?;
        let mut lines = body.lines();
        if lines.next() != Some(STATUS_HEADER) {
            return Err(format!("the status note does not start {STATUS_HEADER:?}"));
        }
        let mut field = |name: &str| -> Result<String, String> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .map(str::to_owned)
                .ok_or_else(|| format!("the status note has no {name} line"))
        };
        let origin = field("origin")?;
        let number = field("certificate")?;
        let sha256 = field("sha256")?;
        let status = field("status")?;
        let size = field("tree-size")?
            .parse()
            .map_err(|_| "the status note's tree-size is not a number".to_owned())?;
        let date = field("date")?;
        Ok(Snapshot {
            origin,
            number,
            sha256,
            status,
            size,
            date,
        })
    }
}

/// How the client reaches a registry: GET, and POST with a bearer token.
/// The answer is the HTTP status and the body; an error is a failure to
/// reach the registry at all. `assay` passes an HTTP client; tests pass a
/// function over an in-process router.
pub trait Transport {
    /// `GET url`.
    fn get(&self, url: &str) -> Result<(u16, Vec<u8>), String>;
    /// `POST url` with a JSON body and `Authorization: Bearer token`.
    fn post(&self, url: &str, body: &[u8], token: &str) -> Result<(u16, Vec<u8>), String>;
}

/// Why the client could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The registry cannot be reached.
    #[error("cannot reach {url}: {message}")]
    Unreachable {
        /// The address asked.
        url: String,
        /// Why.
        message: String,
    },
    /// The registry refused, with its reason.
    #[error("{what} ({status}): {reason}")]
    Refused {
        /// What was refused.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The registry's words.
        reason: String,
    },
    /// The registry's answer is not what its API says.
    #[error("{url} answered {status} with {problem}")]
    Answer {
        /// The address asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What is wrong with the answer.
        problem: String,
    },
    /// The answer does not prove what it says.
    #[error("{0}")]
    Proof(String),
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// An answer read as `T`, or the registry's reason when it refused.
fn answer<T: serde::de::DeserializeOwned>(
    url: &str,
    (status, body): (u16, Vec<u8>),
    ok: &[u16],
    what: &dyn Fn() -> String,
) -> Result<T, ClientError> {
    if !ok.contains(&status) {
        let reason = serde_json::from_slice::<crate::wire::ErrorReply>(&body)
            .map_or_else(|_| "no reason given".to_owned(), |e| e.error);
        return Err(ClientError::Refused {
            what: what(),
            status,
            reason,
        });
    }
    serde_json::from_slice(&body).map_err(|e| ClientError::Answer {
        url: url.to_owned(),
        status,
        problem: format!("something that is not its API's answer: {e}"),
    })
}

fn get<T: serde::de::DeserializeOwned>(
    t: &dyn Transport,
    url: &str,
    ok: &[u16],
    what: &dyn Fn() -> String,
) -> Result<T, ClientError> {
    let reply = t.get(url).map_err(|message| ClientError::Unreachable {
        url: url.to_owned(),
        message,
    })?;
    answer(url, reply, ok, what)
}

fn post<T: serde::de::DeserializeOwned>(
    t: &dyn Transport,
    url: &str,
    body: &[u8],
    token: &str,
    ok: &[u16],
    what: &dyn Fn() -> String,
) -> Result<T, ClientError> {
    let reply = t
        .post(url, body, token)
        .map_err(|message| ClientError::Unreachable {
            url: url.to_owned(),
            message,
        })?;
    answer(url, reply, ok, what)
}

/// Submit a certificate and check the receipt proves what it says (with
/// the key the log presents; verifiers check that key against their trust
/// store). The proof to store beside the certificate, and whether it is
/// newly logged.
pub fn publish(
    t: &dyn Transport,
    log: &str,
    cert: &[u8],
    token: &str,
    name: &str,
) -> Result<(Receipt, bool), ClientError> {
    let url = format!("{}/api/v1/certificates", base(log));
    let mut r: Receipt = post(t, &url, cert, token, &[200, 201], &|| {
        format!("the registry refused {name}")
    })?;
    let info: crate::wire::LogInfo = get(t, &format!("{}/api/v1/log", base(log)), &[200], &|| {
        "the log's key".into()
    })?;
    let verifier = NoteVerifier::from_key(&info.key)
        .map_err(|e| ClientError::Proof(format!("the log's key: {e}")))?;
    let new = !std::mem::take(&mut r.existing);
    r.log = base(log).to_owned();
    let hashes = decode_hashes(&r.inclusion).map_err(ClientError::Proof)?;
    check_inclusion(cert, r.index, &hashes, &r.checkpoint, &[verifier])
        .map_err(|e| ClientError::Proof(format!("the registry's receipt does not hold: {e}")))?;
    Ok((r, new))
}

/// A check of `assay verify`.
fn check(check: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check::new(check, status, detail)
}

/// The status the log signed for the certificate of SHA-256 `sha256`.
fn status_check(snap: &Snapshot, sha256: &str, how: &str, reason: Option<&str>) -> Check {
    if snap.sha256 != sha256 {
        return check(
            "status",
            Status::Fail,
            format!(
                "the status speaks of SHA-256 {}, not this certificate",
                snap.sha256
            ),
        );
    }
    match snap.status.as_str() {
        "valid" => check(
            "status",
            Status::Pass,
            format!("valid {how}, as the log signed on {}", snap.date),
        ),
        other => check(
            "status",
            Status::Fail,
            format!(
                "{other} {how}{}",
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            ),
        ),
    }
}

/// The log's keys a trust store accepts.
fn verifiers(trust: &TrustStore) -> Result<Vec<NoteVerifier>, ClientError> {
    trust
        .logs
        .iter()
        .map(|l| {
            NoteVerifier::from_key(&l.key).map_err(|e| {
                ClientError::Proof(format!("trust store [[log]] {}: key: {e}", l.origin))
            })
        })
        .collect()
}

/// What `assay verify` checks in a log: the certificate's bytes, its
/// number, the proof stored beside it (and where, for the messages), the
/// registry to ask (with its transport) and the trust store.
pub struct LogQuery<'a> {
    /// The certificate file's bytes.
    pub cert: &'a [u8],
    /// Its number.
    pub number: &'a str,
    /// The receipt stored beside it, and its path as shown.
    pub stored: Option<(Receipt, String)>,
    /// The registry to ask today, and how to reach it.
    pub online: Option<(&'a str, &'a dyn Transport)>,
    /// The trust store (its `[[log]]` keys).
    pub trust: &'a TrustStore,
}

/// The log's checks for `assay verify`: inclusion against a checkpoint
/// signed by a trusted log, and the status the log signed. Online (today's
/// proof, consistency with the stored checkpoint, today's status);
/// otherwise from the stored proof (the status as of then); or none.
pub fn log_checks(q: &LogQuery<'_>) -> Result<Vec<Check>, ClientError> {
    if q.online.is_none() && q.stored.is_none() {
        return Ok(no_log());
    }
    let keys = verifiers(q.trust)?;
    let sha256 = assay_base::digest::sha256_hex(q.cert);
    if q.online.is_none()
        && let Some((receipt, shown)) = &q.stored
    {
        if let Some(other) = receipt.sha256.as_deref().filter(|d| *d != sha256) {
            return Ok(vec![
                check(
                    "log",
                    Status::Fail,
                    format!(
                        "{shown} is the receipt of another certificate (SHA-256 {other}), not of this one ({sha256})"
                    ),
                ),
                check(
                    "status",
                    Status::Skip,
                    "not checked: the receipt is another certificate's",
                ),
            ]);
        }
        // A receipt of a log this verifier does not trust proves nothing
        // to it, and says nothing against the certificate: a skip.
        let origin = receipt.checkpoint.lines().next().unwrap_or("");
        if !q.trust.logs.iter().any(|l| l.origin == origin) {
            return Ok(vec![
                check(
                    "log",
                    Status::Skip,
                    format!(
                        "not checked: {shown} is a receipt of log {origin:?} ({}), which the trust store does not name; \
                         to check it, add that log's [[log]] entry (its operator publishes it: assay admin log-entry)",
                        receipt.log
                    ),
                ),
                check(
                    "status",
                    Status::Skip,
                    "not checked: the log is not trusted",
                ),
            ]);
        }
    }
    if keys.is_empty() {
        return Ok(vec![
            check(
                "log",
                Status::Fail,
                "--log was given but the trust store names no [[log]]: add the log's entry (assay admin log-entry) to check inclusion",
            ),
            check("status", Status::Skip, "not checked: no trusted log"),
        ]);
    }
    match q.online {
        Some((url, t)) => online_checks(q, url, t, &keys, &sha256),
        None => offline_checks(q, &keys, &sha256),
    }
}

/// The stored proof, and the status as of then.
fn offline_checks(
    q: &LogQuery<'_>,
    keys: &[NoteVerifier],
    sha256: &str,
) -> Result<Vec<Check>, ClientError> {
    let Some((p, shown)) = &q.stored else {
        return Ok(no_log());
    };
    let hashes = decode_hashes(&p.inclusion).map_err(ClientError::Proof)?;
    let log = match check_inclusion(q.cert, p.index, &hashes, &p.checkpoint, keys) {
        Ok(cp) => check(
            "log",
            Status::Pass,
            format!(
                "entry {} of {} (tree of {}), proof stored in {shown}",
                p.index, cp.origin, cp.size
            ),
        ),
        Err(e) => check("log", Status::Fail, e),
    };
    let status = match p.status.as_deref().map(|n| Snapshot::open(n, keys)) {
        Some(Ok(s)) => status_check(
            &s,
            sha256,
            "when logged (offline: --log URL checks today's status)",
            None,
        ),
        Some(Err(e)) => check("status", Status::Fail, e),
        None => check("status", Status::Skip, "the proof file holds no status"),
    };
    Ok(vec![log, status])
}

/// Today's proof and status, and the stored checkpoint a prefix of today's.
fn online_checks(
    q: &LogQuery<'_>,
    url: &str,
    t: &dyn Transport,
    keys: &[NoteVerifier],
    sha256: &str,
) -> Result<Vec<Check>, ClientError> {
    let number = q.number;
    let proof_url = format!("{}/api/v1/certificates/{number}/proof", base(url));
    let reply = t
        .get(&proof_url)
        .map_err(|message| ClientError::Unreachable {
            url: proof_url.clone(),
            message,
        })?;
    if reply.0 == 404 {
        return Ok(vec![
            check(
                "log",
                Status::Fail,
                format!("certificate {number} is not in the log at {}", base(url)),
            ),
            check("status", Status::Skip, "not checked: not in the log"),
        ]);
    }
    let p: crate::wire::CertificateProof =
        answer(&proof_url, reply, &[200], &|| base(url).to_owned())?;
    let note = p.checkpoint.as_deref().ok_or_else(|| ClientError::Answer {
        url: proof_url.clone(),
        status: 200,
        problem: "a proof without a checkpoint".into(),
    })?;
    let hashes = decode_hashes(&p.inclusion).map_err(ClientError::Proof)?;
    let mut log = match check_inclusion(q.cert, p.index, &hashes, note, keys) {
        Ok(cp) => {
            let detail = format!("entry {} of {} (tree of {})", p.index, cp.origin, cp.size);
            match q
                .stored
                .as_ref()
                .and_then(|(s, _)| checkpoint(&s.checkpoint, keys).ok())
            {
                Some(old) => consistent_with(url, t, &old, &cp, detail)?,
                None => check("log", Status::Pass, detail),
            }
        }
        Err(e) => check("log", Status::Fail, e),
    };
    let status_url = format!("{}/api/v1/certificates/{number}/status", base(url));
    let st: Option<crate::wire::StatusReply> = t
        .get(&status_url)
        .ok()
        .and_then(|(code, body)| (code == 200).then(|| serde_json::from_slice(&body).ok())?);
    let status = match st.as_ref().map(|s| (Snapshot::open(&s.signed, keys), s)) {
        Some((Ok(snap), s)) => status_check(&snap, sha256, "today", s.reason.as_deref()),
        Some((Err(e), _)) => check("status", Status::Fail, e),
        None => check("status", Status::Fail, "the log gave no signed status"),
    };
    if log.status == Status::Pass && st.is_none() {
        log.detail.push_str(" (status unavailable)");
    }
    Ok(vec![log, status])
}

/// The log check, failed when today's tree is not consistent with the
/// checkpoint stored beside the certificate (the log was rewritten).
fn consistent_with(
    url: &str,
    t: &dyn Transport,
    old: &Checkpoint,
    new: &Checkpoint,
    mut detail: String,
) -> Result<Check, ClientError> {
    let cons_url = format!(
        "{}/api/v1/proofs/consistency?from={}&to={}",
        base(url),
        old.size,
        new.size
    );
    let (code, body) = t
        .get(&cons_url)
        .map_err(|message| ClientError::Unreachable {
            url: cons_url.clone(),
            message,
        })?;
    let ok = code == 200
        && serde_json::from_slice::<crate::wire::ConsistencyProof>(&body)
            .ok()
            .and_then(|c| decode_hashes(&c.hashes).ok())
            .is_some_and(|h| {
                assay_log::merkle::verify_consistency(old.size, new.size, &h, &old.root, &new.root)
                    .is_ok()
            });
    Ok(if ok {
        detail.push_str(&format!(
            "; consistent with the stored checkpoint of {}",
            old.size
        ));
        check("log", Status::Pass, detail)
    } else {
        check(
            "log",
            Status::Fail,
            format!(
                "the log's tree of {} is not consistent with the checkpoint of {} stored beside the certificate: the log was rewritten",
                new.size, old.size
            ),
        )
    })
}

fn no_log() -> Vec<Check> {
    vec![
        check(
            "log",
            Status::Skip,
            "no --log URL and no proof file beside the certificate",
        ),
        check("status", Status::Skip, "not checked: no log"),
    ]
}

/// Where the proof file of a certificate lives: `NUMBER.log.json` beside it.
pub fn proof_path(cert: &std::path::Path) -> std::path::PathBuf {
    let name = cert
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".cert.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name);
    cert.with_file_name(format!("{stem}.log.json"))
}

/// A status change to sign and log: revoke, suspend or reinstate.
pub struct StatusRequest<'a> {
    /// The registry.
    pub log: &'a str,
    /// The lab's API token.
    pub token: &'a str,
    /// The certificate file's bytes.
    pub cert: &'a [u8],
    /// The issuer's key.
    pub key: &'a assay_cert::IssuerKey,
    /// What to do.
    pub action: assay_cert::status::Action,
    /// Why, in words.
    pub reason: &'a str,
    /// The day it takes effect.
    pub date: &'a str,
}

/// Sign a status change with the issuer's key (the next sequence, which
/// the registry tells) and log it.
pub fn change_status(
    t: &dyn Transport,
    req: &StatusRequest<'_>,
) -> Result<crate::wire::StatusReceipt, ClientError> {
    use assay_cert::status::{STATUS_TYPE, StatusChange};
    let refuse = |m: String| ClientError::Proof(m);
    let envelope = assay_cert::Envelope::parse(req.cert).map_err(|e| refuse(e.to_string()))?;
    let statement = Statement::from_bytes(&envelope.payload)
        .map_err(|e| refuse(format!("the statement: {e}")))?;
    let number = statement.number().to_owned();
    let issuer = statement.predicate.issuer.id.clone();
    if issuer != req.key.issuer {
        return Err(refuse(format!(
            "it was issued by {issuer:?}; the key is {:?}'s",
            req.key.issuer
        )));
    }
    let url = format!("{}/api/v1/certificates/{number}/status", base(req.log));
    let current: crate::wire::StatusReply = get(t, &url, &[200], &|| base(req.log).to_owned())?;
    let validity = &statement.predicate.certificate.validity;
    let today = assay_base::date::today().map_err(refuse)?;
    if let Some(problem) = assay_cert::status::date_problem(
        req.date,
        &assay_cert::status::Life {
            issued: &statement.predicate.certificate.issued,
            not_after: &validity.not_after,
            last_change: current.date.as_deref(),
            today: &today,
        },
    ) {
        return Err(refuse(problem));
    }
    let change = StatusChange {
        kind: STATUS_TYPE.into(),
        certificate: number.clone(),
        certificate_sha256: assay_base::digest::sha256_hex(req.cert),
        issuer,
        action: req.action,
        reason: req.reason.to_owned(),
        sequence: current.sequence,
        date: req.date.to_owned(),
    };
    let signed = change
        .sign(req.key)
        .map_err(|e| refuse(e.to_string()))?
        .to_json();
    let body = serde_json::to_vec(&signed).map_err(|e| refuse(e.to_string()))?;
    post(t, &url, &body, req.token, &[201], &|| {
        format!("the registry refused to {} {number}", req.action.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay_log::note::NoteSigner;
    use assay_log::tree::Tree;

    #[test]
    fn a_snapshot_round_trips_and_a_forged_one_fails() {
        let signer = NoteSigner::new("example.org/log", &[3; 32]).expect("signer");
        let s = Snapshot {
            origin: "example.org/log".into(),
            number: "LAB-2026-000001".into(),
            sha256: "ab".repeat(32),
            status: "revoked".into(),
            size: 12,
            date: "2026-11-30".into(),
        };
        let note = signer.sign(&s.body()).expect("signs");
        assert_eq!(Snapshot::open(&note, &[signer.verifier()]), Ok(s));
        let forged = note.replace("status revoked", "status valid");
        assert!(Snapshot::open(&forged, &[signer.verifier()]).is_err());
    }

    #[test]
    fn inclusion_is_checked_against_the_signed_root() {
        let signer = NoteSigner::new("example.org/log", &[3; 32]).expect("signer");
        let entries: Vec<Vec<u8>> = (0..9u8).map(|i| vec![i; 10]).collect();
        let mut t = Tree::new();
        for e in &entries {
            t.push(leaf_hash(e));
        }
        let cp = Checkpoint {
            origin: "example.org/log".into(),
            size: 9,
            root: t.root(9).expect("root"),
            extensions: vec![],
        };
        let note = signer.sign(&cp.body()).expect("signs");
        let v = [signer.verifier()];
        let proof = t.inclusion_proof(4, 9).expect("proof");
        assert!(check_inclusion(&entries[4], 4, &proof, &note, &v).is_ok());
        assert!(check_inclusion(&entries[5], 4, &proof, &note, &v).is_err());
        assert!(check_inclusion(&entries[4], 5, &proof, &note, &v).is_err());
        let other = NoteSigner::new("example.org/log", &[4; 32]).expect("signer");
        assert!(check_inclusion(&entries[4], 4, &proof, &note, &[other.verifier()]).is_err());
        let round = decode_hashes(&encode_hashes(&proof)).expect("decodes");
        assert_eq!(round, proof);
    }
}
