//! C2SP signed notes with Ed25519 keys, and C2SP tlog-checkpoint v1.0.0
//! bodies: what a log signs about its tree.
//!
//! A note is text (UTF-8, ending in a newline), a blank line, then lines
//! `— NAME BASE64(KEYHASH ‖ SIGNATURE)`. The key hash is the first four bytes
//! of SHA-256(NAME ‖ "\n" ‖ 0x01 ‖ PUBLIC KEY); keys are written
//! `NAME+HASH+BASE64(0x01 ‖ KEY)` (verifier) and
//! `PRIVATE+KEY+NAME+HASH+BASE64(0x01 ‖ SEED)` (signer).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// The Ed25519 algorithm byte of signed-note keys.
const ED25519: u8 = 0x01;

/// Why a note or key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key string is malformed.
    #[error("malformed key: {0}")]
    Key(&'static str),
    /// The note is malformed.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// No signature by a known key verifies.
    #[error("no signature on the note verifies with a known key")]
    Unverified,
    /// A checkpoint body is malformed.
    #[error("malformed checkpoint: {0}")]
    Checkpoint(&'static str),
    /// The signer could not sign.
    #[error("the log key could not sign: {0}")]
    Signer(String),
}

fn key_hash(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('+')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A key that signs notes.
pub struct NoteSigner {
    name: String,
    hash: u32,
    key: std::sync::Arc<dyn assay_base::sign::Signer>,
    public: VerifyingKey,
}

/// A key that verifies notes.
#[derive(Debug, Clone)]
pub struct NoteVerifier {
    name: String,
    hash: u32,
    key: VerifyingKey,
}

impl NoteSigner {
    /// A signer named `name` from a 32-byte seed.
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<NoteSigner, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::Key(
                "a key name has no '+', space or control character",
            ));
        }
        NoteSigner::with(
            name,
            std::sync::Arc::new(assay_base::sign::LocalKey::from_seed(seed, "signer key")),
        )
    }

    /// A signer named `name` whose signatures `key` makes (a key file's,
    /// or a token's).
    pub fn with(
        name: &str,
        key: std::sync::Arc<dyn assay_base::sign::Signer>,
    ) -> Result<NoteSigner, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::Key(
                "a key name has no '+', space or control character",
            ));
        }
        let public = VerifyingKey::from_bytes(&key.public_key())
            .map_err(|_| NoteError::Key("the signer's public key is not an Ed25519 key"))?;
        Ok(NoteSigner {
            name: name.to_owned(),
            hash: key_hash(name, public.as_bytes()),
            key,
            public,
        })
    }

    /// Where the key lives.
    pub fn holder(&self) -> String {
        self.key.holder()
    }

    /// Parse `PRIVATE+KEY+NAME+HASH+BASE64(0x01 ‖ SEED)`.
    pub fn from_key(text: &str) -> Result<NoteSigner, NoteError> {
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::Key("a signer key starts with PRIVATE+KEY+"))?;
        let (name, hash, data) = split_key(rest)?;
        let seed: [u8; 32] = data
            .get(1..)
            .and_then(|s| s.try_into().ok())
            .ok_or(NoteError::Key("an Ed25519 signer key holds 1 + 32 bytes"))?;
        let signer = NoteSigner::new(name, &seed)?;
        if signer.hash != hash {
            return Err(NoteError::Key("the key hash does not match the key"));
        }
        Ok(signer)
    }

    /// The signer key string (None: the key cannot leave its token).
    pub fn key_string(&self) -> Option<String> {
        let mut data = vec![ED25519];
        data.extend_from_slice(&self.key.seed()?);
        Some(format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.hash,
            STANDARD.encode(data)
        ))
    }

    /// The verifier for this signer.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            hash: self.hash,
            key: self.public,
        }
    }

    /// Sign `text` (which must end in a newline): the text, a blank line and
    /// the signature line.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let sig = self
            .key
            .sign(text.as_bytes())
            .map_err(|e| NoteError::Signer(e.0))?;
        let mut blob = self.hash.to_be_bytes().to_vec();
        blob.extend_from_slice(&sig);
        Ok(format!(
            "{text}\n— {} {}\n",
            self.name,
            STANDARD.encode(blob)
        ))
    }
}

fn split_key(text: &str) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(hash), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::Key("a key is NAME+HASH+DATA"));
    };
    if !valid_name(name) || hash.len() != 8 || !hash.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(NoteError::Key(
            "a key is NAME+HASH+DATA with an 8-digit hex hash",
        ));
    }
    let hash = u32::from_str_radix(hash, 16).map_err(|_| NoteError::Key("bad key hash"))?;
    let data = STANDARD
        .decode(data)
        .map_err(|_| NoteError::Key("the key data is not base64"))?;
    if data.first() != Some(&ED25519) {
        return Err(NoteError::Key(
            "only Ed25519 keys (algorithm 1) are supported",
        ));
    }
    Ok((name, hash, data))
}

impl NoteVerifier {
    /// Parse `NAME+HASH+BASE64(0x01 ‖ KEY)`.
    pub fn from_key(text: &str) -> Result<NoteVerifier, NoteError> {
        let (name, hash, data) = split_key(text)?;
        let public: [u8; 32] = data
            .get(1..)
            .and_then(|s| s.try_into().ok())
            .ok_or(NoteError::Key("an Ed25519 verifier key holds 1 + 32 bytes"))?;
        if key_hash(name, &public) != hash {
            return Err(NoteError::Key("the key hash does not match the key"));
        }
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::Key("not an Ed25519 public key"))?;
        Ok(NoteVerifier {
            name: name.to_owned(),
            hash,
            key,
        })
    }

    /// The verifier key string.
    pub fn key_string(&self) -> String {
        let mut data = vec![ED25519];
        data.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.hash, STANDARD.encode(data))
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text must end with a newline"));
    }
    if text.contains("\n\n") || text.starts_with('\n') {
        return Err(NoteError::Malformed(
            "the text must not contain a blank line",
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::Malformed(
            "the text must not contain control characters",
        ));
    }
    Ok(())
}

/// Open a signed note: its text, once a signature by one of `verifiers`
/// holds. Signatures by unknown keys are ignored; a signature line by a
/// known key that does not verify makes the note invalid.
pub fn open<'a>(note: &'a str, verifiers: &[NoteVerifier]) -> Result<&'a str, NoteError> {
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    check_text(text)?;
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the signatures must end with a newline",
        ));
    }
    let mut verified = false;
    for line in sigs.lines() {
        let rest = line.strip_prefix("— ").ok_or(NoteError::Malformed(
            "a signature line starts with an em dash and a space",
        ))?;
        let (name, blob) = rest
            .split_once(' ')
            .ok_or(NoteError::Malformed("a signature line is — NAME BASE64"))?;
        let blob = STANDARD
            .decode(blob)
            .map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        if blob.len() < 4 {
            return Err(NoteError::Malformed(
                "a signature is shorter than its key hash",
            ));
        }
        let hash = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        let Some(v) = verifiers.iter().find(|v| v.name == name && v.hash == hash) else {
            continue;
        };
        let sig =
            ed25519_dalek::Signature::from_slice(&blob[4..]).map_err(|_| NoteError::Unverified)?;
        v.key
            .verify_strict(text.as_bytes(), &sig)
            .map_err(|_| NoteError::Unverified)?;
        verified = true;
    }
    if verified {
        Ok(text)
    } else {
        Err(NoteError::Unverified)
    }
}

/// A tlog-checkpoint body: origin, tree size, root hash, extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line (unique name, e.g. `assay.example/log`).
    pub origin: String,
    /// Leaves in the tree.
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
    /// Extra lines (opaque).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The body text, newline-terminated.
    pub fn body(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Parse a body (the text of an opened note).
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(NoteError::Checkpoint("the body ends with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(NoteError::Checkpoint("no origin"))?;
        let size = lines.next().ok_or(NoteError::Checkpoint("no tree size"))?;
        if size.is_empty()
            || !size.bytes().all(|c| c.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(NoteError::Checkpoint(
                "the tree size is a decimal number without leading zeros",
            ));
        }
        let size = size
            .parse()
            .map_err(|_| NoteError::Checkpoint("the tree size is too large"))?;
        let root: Hash = lines
            .next()
            .and_then(|r| STANDARD.decode(r).ok())
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::Checkpoint("the root hash is 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::Checkpoint("an extension line is empty"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    /// The published example of the signed-note format (Go's sumdb/note).
    #[test]
    fn the_published_example_signs_and_opens() {
        let signer = NoteSigner::from_key(SKEY).expect("signer key");
        assert_eq!(signer.key_string().as_deref(), Some(SKEY));
        assert_eq!(signer.verifier().key_string(), VKEY);
        let note = signer.sign(TEXT).expect("sign");
        assert_eq!(note, format!("{TEXT}\n{SIG}"));
        let v = NoteVerifier::from_key(VKEY).expect("verifier key");
        assert_eq!(open(&note, std::slice::from_ref(&v)), Ok(TEXT));
        let altered = note.replacen("cryptography", "cryptographY", 1);
        assert_eq!(
            open(&altered, std::slice::from_ref(&v)),
            Err(NoteError::Unverified)
        );
        // Unknown keys are ignored; a note with no known signature is refused.
        let other = NoteSigner::new("Other", &[7; 32]).expect("signer");
        let both = format!(
            "{note}{}",
            other
                .sign(TEXT)
                .expect("sign")
                .rsplit("\n\n")
                .next()
                .expect("sig")
        );
        assert_eq!(open(&both, std::slice::from_ref(&v)), Ok(TEXT));
        assert_eq!(open(&note, &[other.verifier()]), Err(NoteError::Unverified));
        // A key whose hash does not match is refused.
        assert!(NoteVerifier::from_key(&VKEY.replace("c74f20a3", "c74f20a4")).is_err());
    }

    #[test]
    fn checkpoints_round_trip_and_malformed_ones_are_refused() {
        let c = Checkpoint {
            origin: "assay.example/log".into(),
            size: 1_000_000,
            root: [9; 32],
            extensions: vec!["timestamp 1764460800".into()],
        };
        let body = c.body();
        assert_eq!(Checkpoint::parse(&body), Ok(c.clone()));
        let signer = NoteSigner::new("assay.example/log", &[3; 32]).expect("signer");
        let note = signer.sign(&body).expect("sign");
        let text = open(&note, &[signer.verifier()]).expect("open");
        assert_eq!(Checkpoint::parse(text), Ok(c));
        for bad in [
            "o\n01\nAAAA\n",
            "o\n1\nAAAA\n",
            "\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
            "o\n1\n",
        ] {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
    }
}
