//! What a verifier checks in a log's answers: an inclusion proof against a
//! signed checkpoint, and a status snapshot signed by the log. Shared by
//! the server (which makes them) and `assay verify` (which checks them,
//! online or from the proof file stored beside a certificate).

use assay_log::note::{Checkpoint, NoteVerifier, open};
use assay_log::{Hash, leaf_hash};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// The first line of a status snapshot.
pub const STATUS_HEADER: &str = "assay-status v1";

/// A certificate's inclusion in the log, as stored beside it
/// (`NUMBER.log.json`) by `assay certify --log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// The log's URL.
    pub log: String,
    /// The entry's index.
    pub index: u64,
    /// The signed checkpoint (a C2SP signed note) the proof is against.
    pub checkpoint: String,
    /// The inclusion proof: hashes, base64.
    pub inclusion: Vec<String>,
    /// The status snapshot signed by the log at that time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

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
