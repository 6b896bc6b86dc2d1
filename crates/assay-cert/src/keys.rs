//! Ed25519 signing keys: generation, the secret key file (owner-only
//! permissions), and the key id derived from the public key.

use std::path::Path;

use assay_base::digest::sha256_hex;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Deserialize;

use crate::CertError;

/// The key id of a public key: the hex SHA-256 of its 32 bytes.
pub fn keyid(public: &VerifyingKey) -> String {
    sha256_hex(public.as_bytes())
}

/// Write a secret to a new file that only its owner can read (mode 600),
/// synced; an existing file is never overwritten.
pub fn write_secret(path: &Path, text: &str) -> Result<(), CertError> {
    use std::io::Write as _;
    let io = |e| CertError::Io(path.display().to_string(), e);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

/// Read a secret file; refuses one that others can read.
pub fn read_secret(path: &Path) -> Result<String, CertError> {
    let name = path.display().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .map_err(|e| CertError::Io(name.clone(), e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(CertError::Key(format!(
                "{name}: the key file is readable by others (mode {:o}); run chmod 600 {name}",
                mode & 0o777
            )));
        }
    }
    std::fs::read_to_string(path).map_err(|e| CertError::Io(name, e))
}

/// A lab's signing key as its file holds it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    issuer: String,
    algorithm: String,
    keyid: String,
    public_key: String,
    secret_key: String,
}

/// A lab's signing key.
pub struct IssuerKey {
    /// The issuer (lab) id the key signs for.
    pub issuer: String,
    /// The key.
    pub signing: SigningKey,
}

impl IssuerKey {
    /// A new random key for `issuer`.
    pub fn generate(issuer: &str) -> Result<IssuerKey, CertError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| CertError::Key(format!("no randomness from the system: {e}")))?;
        Ok(IssuerKey {
            issuer: issuer.to_owned(),
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// The public key.
    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Its key id.
    pub fn keyid(&self) -> String {
        keyid(&self.public())
    }

    /// The secret key file's text (TOML).
    pub fn to_file_text(&self) -> String {
        let q = crate::trust::toml_string;
        format!(
            "# Assay signing key of issuer {}. SECRET: keep it owner-only (chmod 600), never publish it.\nissuer = {}\nalgorithm = \"ed25519\"\nkeyid = {}\npublic_key = {}\nsecret_key = {}\n",
            q(&self.issuer),
            q(&self.issuer),
            q(&self.keyid()),
            q(&STANDARD.encode(self.public().as_bytes())),
            q(&STANDARD.encode(self.signing.to_bytes())),
        )
    }

    /// Write the secret key file, owner-only, refusing to overwrite.
    pub fn write(&self, path: &Path) -> Result<(), CertError> {
        write_secret(path, &self.to_file_text())
    }

    /// Read a secret key file; refuses one that others can read.
    pub fn load(path: &Path) -> Result<IssuerKey, CertError> {
        let name = path.display().to_string();
        let text = read_secret(path)?;
        let file: KeyFile = toml::from_str(&text)
            .map_err(|e| CertError::Key(format!("{name}: not an assay key file: {e}")))?;
        if file.algorithm != "ed25519" {
            return Err(CertError::Key(format!(
                "{name}: algorithm {:?} is not supported (ed25519)",
                file.algorithm
            )));
        }
        let seed: [u8; 32] = STANDARD
            .decode(&file.secret_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                CertError::Key(format!("{name}: secret_key must be 32 bytes of base64"))
            })?;
        let key = IssuerKey {
            issuer: file.issuer,
            signing: SigningKey::from_bytes(&seed),
        };
        if key.keyid() != file.keyid || STANDARD.encode(key.public().as_bytes()) != file.public_key
        {
            return Err(CertError::Key(format!(
                "{name}: keyid or public_key does not belong to the secret key"
            )));
        }
        Ok(key)
    }
}

/// A public key from base64.
pub fn public_from_base64(text: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = STANDARD
        .decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "a public key must be 32 bytes of base64".to_owned())?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an Ed25519 public key: {e}"))
}
