//! The one interface every Assay signature goes through: a lab's
//! certificates and status changes, the registry's checkpoints and status
//! snapshots. Where the key lives — in memory from a key file (plain or
//! encrypted) or inside a PKCS#11 token that never lets it out — is the
//! implementation's business; callers see an Ed25519 public key and
//! signatures.

use ed25519_dalek::{Signer as _, SigningKey};

/// Why a signature could not be made (a token refused, a session ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignError(pub String);

impl std::fmt::Display for SignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SignError {}

/// An Ed25519 signer.
pub trait Signer: Send + Sync {
    /// The public key's 32 bytes.
    fn public_key(&self) -> [u8; 32];
    /// The 64-byte Ed25519 signature of `message` (RFC 8032, pure).
    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError>;
    /// Where the key lives, for messages ("key file DEMO.key",
    /// "PKCS#11 token assay, object DEMO").
    fn holder(&self) -> String;
    /// The secret seed when the key is held in memory (None: it cannot
    /// leave its token).
    fn seed(&self) -> Option<[u8; 32]> {
        None
    }
}

/// A key held in memory.
pub struct LocalKey {
    key: SigningKey,
    holder: String,
}

impl LocalKey {
    /// The key of a 32-byte seed; `holder` says where it came from.
    pub fn from_seed(seed: &[u8; 32], holder: impl Into<String>) -> LocalKey {
        LocalKey {
            key: SigningKey::from_bytes(seed),
            holder: holder.into(),
        }
    }
}

impl Signer for LocalKey {
    fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        Ok(self.key.sign(message).to_bytes())
    }

    fn holder(&self) -> String {
        self.holder.clone()
    }

    fn seed(&self) -> Option<[u8; 32]> {
        Some(self.key.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_key_signs_as_rfc_8032_says() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let seed = hex32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let k = LocalKey::from_seed(&seed, "test");
        assert_eq!(
            crate::digest::hex(&k.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            crate::digest::hex(&k.sign(b"").expect("signs")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert_eq!(k.seed(), Some(seed));
    }

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex");
        }
        out
    }
}
