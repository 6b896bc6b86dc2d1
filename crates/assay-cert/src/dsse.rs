//! DSSE v1 envelopes (the Dead Simple Signing Envelope of the Secure
//! Systems Lab): the signature covers the pre-authentication encoding of the
//! payload type and the payload's exact bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::CertError;

/// The payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII
/// decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope<'a> {
    #[serde(rename = "payloadType", borrow)]
    payload_type: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    payload: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    signatures: Vec<RawSignature<'a>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature<'a> {
    #[serde(borrow, default)]
    keyid: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    sig: std::borrow::Cow<'a, str>,
}

/// One signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// The key's id (a hint; may be empty).
    pub keyid: String,
    /// The signature bytes.
    pub sig: Vec<u8>,
}

/// An envelope, its payload decoded but never re-encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `payloadType`.
    pub payload_type: String,
    /// The payload's bytes, exactly as signed.
    pub payload: Vec<u8>,
    /// At least one signature.
    pub signatures: Vec<Signature>,
}

fn decode(field: &str, text: &str) -> Result<Vec<u8>, CertError> {
    STANDARD
        .decode(text)
        .map_err(|e| CertError::Envelope(format!("{field} is not valid base64: {e}")))
}

impl Envelope {
    /// Parse an envelope's JSON strictly: repeated keys, unknown fields,
    /// missing fields, wrong types and malformed base64 are errors.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, CertError> {
        // Typed, borrowing parse: serde's derive refuses repeated and
        // unknown fields itself, and no JSON tree is built.
        let raw: RawEnvelope<'_> = serde_json::from_slice(bytes).map_err(|e| {
            let text = e.to_string();
            let text = text
                .replace("duplicate field", "duplicate key")
                .replace("unknown field", "unexpected field");
            CertError::Envelope(if e.is_syntax() || e.is_eof() {
                format!("not valid JSON: {text}")
            } else {
                text
            })
        })?;
        if raw.signatures.is_empty() {
            return Err(CertError::Envelope("the envelope has no signature".into()));
        }
        let mut signatures = Vec::with_capacity(raw.signatures.len());
        for (i, s) in raw.signatures.iter().enumerate() {
            signatures.push(Signature {
                keyid: s.keyid.as_deref().unwrap_or("").to_owned(),
                sig: decode(&format!("signatures[{i}].sig"), &s.sig)?,
            });
        }
        Ok(Envelope {
            payload_type: raw.payload_type.into_owned(),
            payload: decode("payload", &raw.payload)?,
            signatures,
        })
    }

    /// The envelope as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "payloadType": self.payload_type,
            "payload": STANDARD.encode(&self.payload),
            "signatures": self.signatures.iter().map(|s| json!({
                "keyid": s.keyid,
                "sig": STANDARD.encode(&s.sig),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the DSSE protocol specification (v1.0.0).
    #[test]
    fn pae_matches_the_specification_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn envelopes_round_trip_and_bad_ones_are_named() {
        let e = Envelope {
            payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
            payload: b"{\"a\":1}".to_vec(),
            signatures: vec![Signature {
                keyid: "k".into(),
                sig: vec![1, 2, 3],
            }],
        };
        let text = serde_json::to_vec(&e.to_json()).expect("json");
        assert_eq!(Envelope::parse(&text).expect("parses"), e);
        for (bad, why) in [
            (
                r#"{"payloadType":"t","payload":"e30=","signatures":[]}"#,
                "no signature",
            ),
            (
                r#"{"payloadType":"t","payload":"e30","signatures":[{"sig":"AAAA"}]}"#,
                "payload is not valid base64",
            ),
            (
                r#"{"payloadType":"t","payload":"e30=","signatures":[{"sig":"AAAA"}],"x":1}"#,
                "unexpected field",
            ),
            (
                r#"{"payloadType":"t","payloadType":"u","payload":"e30=","signatures":[{"sig":"AAAA"}]}"#,
                "duplicate key",
            ),
            (
                r#"{"payloadType":1,"payload":"e30=","signatures":[{"sig":"AAAA"}]}"#,
                "expected a string",
            ),
        ] {
            let err = Envelope::parse(bad.as_bytes()).expect_err(bad).to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
