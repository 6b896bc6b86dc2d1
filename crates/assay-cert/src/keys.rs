//! Ed25519 signing keys: generation, the key file (owner-only
//! permissions) with its secret plain, encrypted (PKCS#8) or in a PKCS#11
//! token, and the key id derived from the public key. Every signature
//! goes through [`assay_base::sign::Signer`].

use std::path::Path;

use assay_base::digest::sha256_hex;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::sync::Arc;

use assay_base::sign::{LocalKey, Signer};
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

/// A lab's signing key as its file holds it: the public part, and exactly
/// one of the secret (plain), the secret encrypted (PKCS#8), or where the
/// secret lives (a PKCS#11 URI).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    issuer: String,
    algorithm: String,
    keyid: String,
    public_key: String,
    secret_key: Option<String>,
    encrypted_private_key: Option<String>,
    pkcs11: Option<String>,
}

/// How a key's secret is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// In the key file as it is (the demo's; warned about).
    Plain,
    /// In the key file, encrypted under a passphrase: PKCS#8
    /// `EncryptedPrivateKeyInfo`, PBES2 with scrypt (N = 2^14, r = 8,
    /// p = 1: 16 MiB per try) and AES-256-CBC, which OpenSSL reads too.
    Encrypted,
    /// In a PKCS#11 token, which signs and never lets it out.
    Token,
}

/// How to keep a key's secret when its file is written.
pub enum Store<'a> {
    /// As it is.
    Plain,
    /// Encrypted under this passphrase.
    Encrypted {
        /// The passphrase.
        passphrase: &'a str,
    },
    /// In the token the key was made in.
    Token {
        /// Where.
        uri: &'a crate::pkcs11::Uri,
    },
}

/// A secret that unlocks a key, asked of whoever runs Assay.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    /// The passphrase of an encrypted key file.
    Passphrase {
        /// The key file.
        file: &'a str,
    },
    /// The user PIN of a PKCS#11 token.
    Pin {
        /// The token's label.
        token: &'a str,
    },
}

/// Asks for a secret (the binary: an environment variable, then the
/// terminal); the error says why none could be had.
pub type Ask<'a> = dyn Fn(Secret<'_>) -> Result<String, String> + 'a;

/// An [`Ask`] that has no secret to give: for plain key files.
pub fn no_secrets(s: Secret<'_>) -> Result<String, String> {
    Err(match s {
        Secret::Passphrase { file } => format!("{file} is encrypted and no passphrase was given"),
        Secret::Pin { token } => {
            format!("PKCS#11 token {token:?} needs its PIN and none was given")
        }
    })
}

/// A lab's signing key.
#[derive(Clone)]
pub struct IssuerKey {
    /// The issuer (lab) id the key signs for.
    pub issuer: String,
    /// How its secret is kept.
    pub protection: Protection,
    signer: Arc<dyn Signer>,
    public: VerifyingKey,
}

impl IssuerKey {
    /// A new random key for `issuer`, held in memory.
    pub fn generate(issuer: &str) -> Result<IssuerKey, CertError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| CertError::Key(format!("no randomness from the system: {e}")))?;
        IssuerKey::with_signer(
            issuer,
            Arc::new(LocalKey::from_seed(&seed, "a new key")),
            Protection::Plain,
        )
    }

    /// The key of `issuer` whose signatures `signer` makes.
    pub fn with_signer(
        issuer: &str,
        signer: Arc<dyn Signer>,
        protection: Protection,
    ) -> Result<IssuerKey, CertError> {
        let public = VerifyingKey::from_bytes(&signer.public_key()).map_err(|e| {
            CertError::Key(format!(
                "{}: not an Ed25519 public key: {e}",
                signer.holder()
            ))
        })?;
        Ok(IssuerKey {
            issuer: issuer.to_owned(),
            protection,
            signer,
            public,
        })
    }

    /// The public key.
    pub fn public(&self) -> VerifyingKey {
        self.public
    }

    /// Its key id.
    pub fn keyid(&self) -> String {
        keyid(&self.public())
    }

    /// What signs: the key file's secret or the token.
    pub fn signer(&self) -> Arc<dyn Signer> {
        self.signer.clone()
    }

    /// The Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; 64], CertError> {
        self.signer
            .sign(message)
            .map_err(|e| CertError::Key(format!("{}: {e}", self.signer.holder())))
    }

    /// The key file's text (TOML), its secret kept as `store` says.
    pub fn to_file_text(&self, store: &Store<'_>) -> Result<String, CertError> {
        let q = crate::trust::toml_string;
        let seed = || {
            self.signer.seed().ok_or_else(|| {
                CertError::Key("the key lives in a token: its secret cannot be written".into())
            })
        };
        let (what, secret) = match store {
            Store::Plain => (
                "NOT ENCRYPTED: keep it owner-only (chmod 600) and never publish it; a lab's key belongs \
                 encrypted (assay keygen without --unencrypted) or in a token (--pkcs11)",
                format!("secret_key = {}\n", q(&STANDARD.encode(seed()?))),
            ),
            Store::Encrypted { passphrase } => {
                use ed25519_dalek::pkcs8::EncodePrivateKey as _;
                if passphrase.is_empty() {
                    return Err(CertError::Key("the passphrase is empty".into()));
                }
                // PKCS#8 v1 (RFC 8410, no public key inside): what every
                // reader takes, OpenSSL 3.0 included (it refuses v2).
                let v1 = ed25519_dalek::pkcs8::KeypairBytes {
                    secret_key: seed()?,
                    public_key: None,
                };
                let pem = v1
                    .to_pkcs8_encrypted_pem(passphrase.as_bytes(), pkcs8::LineEnding::LF)
                    .map_err(|e| CertError::Key(format!("encrypting the key: {e}")))?;
                (
                    "encrypted (PKCS#8, scrypt + AES-256-CBC): the passphrase unlocks it; still keep it owner-only",
                    format!("encrypted_private_key = \"\"\"\n{}\"\"\"\n", pem.as_str()),
                )
            }
            Store::Token { uri } => (
                "the secret stays in the PKCS#11 token this names; the file holds no secret",
                format!("pkcs11 = {}\n", q(&uri.text())),
            ),
        };
        Ok(format!(
            "# Assay signing key of issuer {}: {what}.\nissuer = {}\nalgorithm = \"ed25519\"\nkeyid = {}\npublic_key = {}\n{secret}",
            q(&self.issuer),
            q(&self.issuer),
            q(&self.keyid()),
            q(&STANDARD.encode(self.public().as_bytes())),
        ))
    }

    /// Write the key file, owner-only, refusing to overwrite.
    pub fn write(&self, path: &Path, store: &Store<'_>) -> Result<(), CertError> {
        write_secret(path, &self.to_file_text(store)?)
    }

    /// Read a plain key file (an encrypted one or a token's is refused:
    /// see [`IssuerKey::open`]).
    pub fn load(path: &Path) -> Result<IssuerKey, CertError> {
        IssuerKey::open(path, &no_secrets)
    }

    /// Open a key file, asking for the passphrase or the token's PIN when
    /// it needs one; refuses a file that others can read.
    pub fn open(path: &Path, ask: &Ask<'_>) -> Result<IssuerKey, CertError> {
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
        let key_err = |m: String| CertError::Key(format!("{name}: {m}"));
        let (signer, protection): (Arc<dyn Signer>, Protection) =
            match (&file.secret_key, &file.encrypted_private_key, &file.pkcs11) {
                (Some(secret), None, None) => {
                    let seed: [u8; 32] = STANDARD
                        .decode(secret)
                        .ok()
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| key_err("secret_key must be 32 bytes of base64".into()))?;
                    (
                        Arc::new(LocalKey::from_seed(&seed, format!("key file {name}"))),
                        Protection::Plain,
                    )
                }
                (None, Some(pem), None) => {
                    use ed25519_dalek::pkcs8::DecodePrivateKey as _;
                    let passphrase = ask(Secret::Passphrase { file: &name }).map_err(key_err)?;
                    let key =
                        SigningKey::from_pkcs8_encrypted_pem(pem.trim(), passphrase.as_bytes())
                            .map_err(|_| {
                                key_err(
                        "the passphrase does not unlock the key (or the encrypted key is damaged)"
                            .into(),
                    )
                            })?;
                    (
                        Arc::new(LocalKey::from_seed(
                            &key.to_bytes(),
                            format!("key file {name} (encrypted)"),
                        )),
                        Protection::Encrypted,
                    )
                }
                (None, None, Some(uri)) => {
                    let uri = crate::pkcs11::Uri::parse(uri).map_err(key_err)?;
                    let pin = ask(Secret::Pin { token: &uri.token }).map_err(key_err)?;
                    (
                        Arc::new(crate::pkcs11::TokenKey::open(&uri, &pin).map_err(key_err)?),
                        Protection::Token,
                    )
                }
                _ => {
                    return Err(key_err(
                        "give exactly one of secret_key, encrypted_private_key or pkcs11".into(),
                    ));
                }
            };
        let key = IssuerKey::with_signer(&file.issuer, signer, protection)?;
        if key.keyid() != file.keyid || STANDARD.encode(key.public().as_bytes()) != file.public_key
        {
            return Err(key_err(
                "keyid or public_key does not belong to the secret key".into(),
            ));
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
