//! Ed25519 keys inside a PKCS#11 token (an HSM, a smart card, SoftHSM):
//! the private key is made in the token and never leaves it; Assay asks
//! the token for each signature. The token is named by an RFC 7512 URI,
//! `pkcs11:token=LABEL;object=LABEL?module-path=/path/to/module.so`; the
//! module path may also come from `ASSAY_PKCS11_MODULE`. The module is
//! loaded when the key is opened, so nothing of it is needed to build.

use std::sync::Mutex;

use assay_base::sign::{SignError, Signer};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

/// The DER of the curve name `edwards25519` (a PrintableString), the
/// `CKA_EC_PARAMS` that PKCS#11 3.0 gives for Ed25519 keys.
const EDWARDS25519: [u8; 14] = [
    0x13, 0x0c, b'e', b'd', b'w', b'a', b'r', b'd', b's', b'2', b'5', b'5', b'1', b'9',
];

/// A parsed `pkcs11:` URI (the attributes Assay uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    /// The token's label.
    pub token: String,
    /// The key objects' label.
    pub object: String,
    /// The module (shared library) to load.
    pub module: Option<String>,
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("{s:?}: '%' must be followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
}

/// The `name=value` pairs of `list`, separated by `sep` (`text`: the whole
/// URI, for errors).
fn pairs<'a>(text: &str, list: &'a str, sep: char) -> Result<Vec<(&'a str, &'a str)>, String> {
    list.split(sep)
        .filter(|p| !p.is_empty())
        .map(|part| {
            part.split_once('=')
                .ok_or_else(|| format!("{text:?}: {part:?} is not name=value"))
        })
        .collect()
}

impl Uri {
    /// Parse `pkcs11:token=…;object=…[?module-path=…]`.
    pub fn parse(text: &str) -> Result<Uri, String> {
        let rest = text
            .strip_prefix("pkcs11:")
            .ok_or_else(|| format!("{text:?} is not a pkcs11: URI (RFC 7512)"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (mut token, mut object, mut module) = (None, None, None);
        for (k, v) in pairs(text, path, ';')? {
            match k {
                "token" => token = Some(percent_decode(v)?),
                "object" => object = Some(percent_decode(v)?),
                // Other path attributes narrow the search; Assay names
                // the token and the object by label only.
                "id" | "type" | "manufacturer" | "model" | "serial" | "slot-id" => {}
                other => return Err(format!("{text:?}: unknown attribute {other:?}")),
            }
        }
        for (k, v) in pairs(text, query, '&')? {
            match k {
                "module-path" => module = Some(percent_decode(v)?),
                "pin-value" | "pin-source" => {
                    return Err(format!(
                        "{text:?}: a PIN is never written in the URI; give it in ASSAY_PKCS11_PIN or at the prompt"
                    ));
                }
                _ => {}
            }
        }
        Ok(Uri {
            token: token.ok_or_else(|| format!("{text:?}: name the token (token=LABEL)"))?,
            object: object.ok_or_else(|| format!("{text:?}: name the key (object=LABEL)"))?,
            module,
        })
    }

    fn module(&self) -> Result<String, String> {
        self.module
            .clone()
            .or_else(|| std::env::var("ASSAY_PKCS11_MODULE").ok())
            .ok_or_else(|| {
                "no PKCS#11 module: add ?module-path=/path/to/module.so to the URI or set ASSAY_PKCS11_MODULE \
                 (SoftHSM's is /usr/lib/softhsm/libsofthsm2.so)"
                    .to_owned()
            })
    }

    /// The URI written back.
    pub fn text(&self) -> String {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        let mut out = format!(
            "pkcs11:token={};object={}",
            enc(&self.token),
            enc(&self.object)
        );
        if let Some(m) = &self.module {
            out.push_str(&format!("?module-path={}", enc(m)));
        }
        out
    }
}

fn token_error(uri: &Uri, what: &str) -> impl Fn(Error) -> String {
    let at = format!("PKCS#11 token {:?}", uri.token);
    let what = what.to_owned();
    move |e| match e {
        Error::Pkcs11(RvError::PinIncorrect, _) => format!("{at}: the PIN is wrong"),
        Error::Pkcs11(RvError::PinLocked, _) => format!("{at}: the PIN is locked"),
        e => format!("{at}: {what}: {e}"),
    }
}

/// A logged-in session on the token the URI names.
fn session(uri: &Uri, pin: &str, write: bool) -> Result<(Pkcs11, Session), String> {
    let module = uri.module()?;
    let ctx = Pkcs11::new(&module).map_err(|e| format!("PKCS#11 module {module}: {e}"))?;
    ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .or_else(|e| match e {
            Error::Pkcs11(RvError::CryptokiAlreadyInitialized, Function::Initialize) => Ok(()),
            e => Err(e),
        })
        .map_err(|e| format!("PKCS#11 module {module}: {e}"))?;
    let slots: Vec<Slot> = ctx
        .get_slots_with_token()
        .map_err(|e| format!("PKCS#11 module {module}: {e}"))?;
    let mut labels = Vec::new();
    let slot = slots.into_iter().find(|s| {
        ctx.get_token_info(*s).is_ok_and(|i| {
            let label = i.label().trim().to_owned();
            labels.push(label.clone());
            label == uri.token
        })
    });
    let slot = slot.ok_or_else(|| {
        format!(
            "PKCS#11 module {module} has no token labelled {:?} (tokens: {})",
            uri.token,
            if labels.is_empty() {
                "none".to_owned()
            } else {
                labels.join(", ")
            }
        )
    })?;
    let s = if write {
        ctx.open_rw_session(slot)
    } else {
        ctx.open_ro_session(slot)
    }
    .map_err(token_error(uri, "opening a session"))?;
    s.login(UserType::User, Some(&AuthPin::new(pin.into())))
        .map_err(token_error(uri, "logging in"))?;
    Ok((ctx, s))
}

fn find(s: &Session, uri: &Uri, class: ObjectClass) -> Result<ObjectHandle, String> {
    let found = s
        .find_objects(&[
            Attribute::Class(class),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::Label(uri.object.as_bytes().to_vec()),
        ])
        .map_err(token_error(uri, "finding the key"))?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "PKCS#11 token {:?} has no Ed25519 {} labelled {:?}",
            uri.token,
            if class == ObjectClass::PRIVATE_KEY {
                "private key"
            } else {
                "public key"
            },
            uri.object
        )),
        _ => Err(format!(
            "PKCS#11 token {:?} has {} keys labelled {:?}: labels must name one key",
            uri.token,
            found.len(),
            uri.object
        )),
    }
}

/// The 32 bytes of an Ed25519 `CKA_EC_POINT` (a DER OCTET STRING, or the
/// raw bytes as some tokens give them).
fn point(bytes: &[u8]) -> Option<[u8; 32]> {
    match bytes {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest.try_into().ok(),
        raw if raw.len() == 32 => raw.try_into().ok(),
        _ => None,
    }
}

/// An Ed25519 key in a token.
pub struct TokenKey {
    uri: Uri,
    public: [u8; 32],
    private: ObjectHandle,
    // The session signs one message at a time; the context outlives it.
    session: Mutex<Session>,
    _ctx: Pkcs11,
}

impl TokenKey {
    /// Open the key the URI names, logging in with `pin`.
    pub fn open(uri: &Uri, pin: &str) -> Result<TokenKey, String> {
        let (ctx, s) = session(uri, pin, false)?;
        let private = find(&s, uri, ObjectClass::PRIVATE_KEY)?;
        let public_obj = find(&s, uri, ObjectClass::PUBLIC_KEY)?;
        let attrs = s
            .get_attributes(public_obj, &[AttributeType::EcPoint])
            .map_err(token_error(uri, "reading the public key"))?;
        let public = attrs
            .iter()
            .find_map(|a| match a {
                Attribute::EcPoint(p) => point(p),
                _ => None,
            })
            .ok_or_else(|| {
                format!(
                    "PKCS#11 token {:?}: the public key is not an Ed25519 point",
                    uri.token
                )
            })?;
        Ok(TokenKey {
            uri: uri.clone(),
            public,
            private,
            session: Mutex::new(s),
            _ctx: ctx,
        })
    }

    /// Make a new Ed25519 key pair in the token (the private key
    /// sensitive and not extractable), refusing when the label is taken.
    pub fn generate(uri: &Uri, pin: &str) -> Result<TokenKey, String> {
        {
            let (_ctx, s) = session(uri, pin, true)?;
            let taken = s
                .find_objects(&[Attribute::Label(uri.object.as_bytes().to_vec())])
                .map_err(token_error(uri, "looking for the label"))?;
            if !taken.is_empty() {
                return Err(format!(
                    "PKCS#11 token {:?} already holds objects labelled {:?}: keygen never replaces a key",
                    uri.token, uri.object
                ));
            }
            let label = Attribute::Label(uri.object.as_bytes().to_vec());
            s.generate_key_pair(
                &Mechanism::EccEdwardsKeyPairGen,
                &[
                    Attribute::Token(true),
                    Attribute::Private(false),
                    Attribute::Verify(true),
                    Attribute::EcParams(EDWARDS25519.to_vec()),
                    label.clone(),
                ],
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Sign(true),
                    label,
                ],
            )
            .map_err(token_error(uri, "making an Ed25519 key pair"))?;
        }
        TokenKey::open(uri, pin)
    }
}

impl Signer for TokenKey {
    fn public_key(&self) -> [u8; 32] {
        self.public
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let s = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let sig = s
            .sign(
                &Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
                self.private,
                message,
            )
            .map_err(|e| SignError(token_error(&self.uri, "signing")(e)))?;
        sig.try_into().map_err(|v: Vec<u8>| {
            SignError(format!(
                "PKCS#11 token {:?} returned {} bytes, not a 64-byte Ed25519 signature",
                self.uri.token,
                v.len()
            ))
        })
    }

    fn holder(&self) -> String {
        format!(
            "PKCS#11 token {:?}, key {:?}",
            self.uri.token, self.uri.object
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_as_rfc_7512_writes_them() {
        let u = Uri::parse(
            "pkcs11:token=Lab%20HSM;object=KTL?module-path=/usr/lib/softhsm/libsofthsm2.so",
        )
        .expect("parses");
        assert_eq!(u.token, "Lab HSM");
        assert_eq!(u.object, "KTL");
        assert_eq!(u.module.as_deref(), Some("/usr/lib/softhsm/libsofthsm2.so"));
        assert_eq!(Uri::parse(&u.text()), Ok(u));
        assert!(
            Uri::parse("pkcs11:object=K")
                .unwrap_err()
                .contains("token=LABEL")
        );
        assert!(
            Uri::parse("pkcs11:token=T;object=K?pin-value=1234")
                .unwrap_err()
                .contains("never written")
        );
        assert!(Uri::parse("file:///x").is_err());
        assert_eq!(
            point(&[&[0x04, 0x20][..], &[7; 32]].concat()),
            Some([7; 32])
        );
        assert_eq!(point(&[7; 31]), None);
    }
}
