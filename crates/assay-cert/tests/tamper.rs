//! The tamper corpus: every altered, mis-signed, untrusted, out-of-scope or
//! out-of-date certificate is rejected, each for its own reason (the check
//! that fails and what it says).

use assay_cert::certificate::{PREDICATE_TYPE, STATEMENT_TYPE};
use assay_cert::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE, Signature, pae};
use assay_cert::keys::{Protection, Secret, Store};
use assay_cert::{Expect, IssuerKey, Status, TrustStore, verify};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const MODEL: &str = "f584a4fa8aa2a1144c69a8e7e9cef04daaca91c65e0ed9abda84d1a14e346efe";
const RECORD: &str = "1deed7b8cafe6c4f0db08d050e26cde59f7aac26b5b68e8a7fa8b1a1902f4e93";

fn statement(issuer: &str) -> Value {
    json!({
        "_type": STATEMENT_TYPE,
        "subject": [{ "name": "digits.onnx", "digest": { "sha256": MODEL } }],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "certificate": {
                "number": format!("{issuer}-2026-000001"),
                "issued": "2026-11-29",
                "validity": { "not_before": "2026-11-29", "not_after": "2027-11-29" },
                "status_url": null
            },
            "issuer": { "id": issuer, "name": "Lab", "keyid": "" },
            "holder": { "name": "Client" },
            "model": { "name": "digits-mlp", "version": "1.0.0", "digest": { "sha256": MODEL } },
            "standard": "ISO/IEC TS 4213:2022",
            "assessment": { "sha256": RECORD },
            "results": [{ "metric": "accuracy", "value": 0.9744, "criterion": "accuracy >= 0.95", "passed": true }],
            "decision_rule": "guarded",
            "verdict": "pass"
        }
    })
}

fn sign_bytes(payload: &[u8], payload_type: &str, key: &IssuerKey, keyid: &str) -> Envelope {
    let sig = key.sign(&pae(payload_type, payload)).expect("signs");
    Envelope {
        payload_type: payload_type.into(),
        payload: payload.to_vec(),
        signatures: vec![Signature {
            keyid: keyid.into(),
            sig: sig.to_vec(),
        }],
    }
}

fn signed(s: &Value, key: &IssuerKey) -> Envelope {
    sign_bytes(
        &serde_json::to_vec(s).expect("json"),
        IN_TOTO_PAYLOAD_TYPE,
        key,
        &key.keyid(),
    )
}

fn bytes(e: &Envelope) -> Vec<u8> {
    serde_json::to_vec(&e.to_json()).expect("json")
}

fn trust_for(key: &IssuerKey, standards: &str, window: (&str, &str)) -> TrustStore {
    let text = format!(
        "[[issuer]]\nid = {:?}\nname = \"Lab\"\npublic_key = {:?}\nstandards = [{standards}]\nnot_before = {:?}\nnot_after = {:?}\n",
        key.issuer,
        STANDARD.encode(key.public().as_bytes()),
        window.0,
        window.1
    );
    TrustStore::parse(&text, "trust.toml").expect("trust store")
}

struct Setup {
    key: IssuerKey,
    other: IssuerKey,
    trust: TrustStore,
    expect: Expect,
}

fn setup() -> Setup {
    let key = IssuerKey::generate("KTL").expect("key");
    let other = IssuerKey::generate("KTL").expect("key");
    let trust = trust_for(
        &key,
        "\"ISO/IEC TS 4213:2022\"",
        ("2026-01-01", "2030-12-31"),
    );
    Setup {
        key,
        other,
        trust,
        expect: Expect {
            today: "2026-12-15".into(),
            model_sha256: Some(MODEL.into()),
            assessment_sha256: Some(RECORD.into()),
        },
    }
}

/// Assert `bytes` is rejected by check `check` with `why` in its detail.
fn rejected(name: &str, bytes: &[u8], trust: &TrustStore, expect: &Expect, check: &str, why: &str) {
    let v = verify(bytes, trust, expect);
    assert!(!v.valid(), "{name}: accepted");
    let failed = v.failure().expect("a failed check");
    assert_eq!(
        failed.check, check,
        "{name}: failed at {} ({})",
        failed.check, failed.detail
    );
    assert!(
        failed.detail.contains(why),
        "{name}: {:?} lacks {why:?}",
        failed.detail
    );
}

#[test]
fn an_untouched_certificate_is_valid() {
    let s = setup();
    let v = verify(
        &bytes(&signed(&statement("KTL"), &s.key)),
        &s.trust,
        &s.expect,
    );
    assert!(v.valid(), "{:?}", v.checks);
    assert!(
        v.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        v.checks
    );
}

#[test]
fn the_tamper_corpus_is_rejected_each_for_its_reason() {
    let s = setup();
    let good = signed(&statement("KTL"), &s.key);
    let (t, x) = (&s.trust, &s.expect);
    let mut cases = 0;
    let mut case =
        |name: &str, b: Vec<u8>, trust: &TrustStore, expect: &Expect, check: &str, why: &str| {
            rejected(name, &b, trust, expect, check, why);
            cases += 1;
        };

    // 1. One payload byte flipped, signature kept.
    let mut e = good.clone();
    let i = e.payload.len() / 2;
    e.payload[i] ^= 0x01;
    case(
        "flipped payload byte",
        bytes(&e),
        t,
        x,
        "signature",
        "does not verify",
    );

    // 2. A claimed metric value changed.
    let mut st = statement("KTL");
    st["predicate"]["results"][0]["value"] = json!(0.9999);
    let mut e = good.clone();
    e.payload = serde_json::to_vec(&st).expect("json");
    case(
        "changed metric value",
        bytes(&e),
        t,
        x,
        "signature",
        "does not verify",
    );

    // 3. Signature swapped in from another certificate of the same issuer.
    let mut st2 = statement("KTL");
    st2["predicate"]["certificate"]["number"] = json!("KTL-2026-000002");
    let mut e = good.clone();
    e.signatures = signed(&st2, &s.key).signatures;
    case(
        "swapped signature",
        bytes(&e),
        t,
        x,
        "signature",
        "does not verify",
    );

    // 4. Signed by another key that copies the trusted key id.
    let e = sign_bytes(
        &good.payload,
        IN_TOTO_PAYLOAD_TYPE,
        &s.other,
        &s.key.keyid(),
    );
    case(
        "another key, copied keyid",
        bytes(&e),
        t,
        x,
        "signature",
        "does not verify",
    );

    // 5. Signed by another key under its own id.
    let e = signed(&statement("KTL"), &s.other);
    case(
        "another key",
        bytes(&e),
        t,
        x,
        "signature",
        "not in the trust store",
    );

    // 6. An issuer nobody trusts.
    let empty = TrustStore::default();
    case(
        "untrusted issuer",
        bytes(&good),
        &empty,
        x,
        "signature",
        "not in the trust store",
    );

    // 7. An issuer outside its accredited scope (another standard).
    let narrow = trust_for(
        &s.key,
        "\"ISO/IEC 25059:2023\"",
        ("2026-01-01", "2030-12-31"),
    );
    case(
        "outside accredited scope",
        bytes(&good),
        &narrow,
        x,
        "issuer",
        "not trusted for",
    );

    // 8. Issued outside the window in which the issuer is trusted.
    let later = trust_for(
        &s.key,
        "\"ISO/IEC TS 4213:2022\"",
        ("2027-01-01", "2030-12-31"),
    );
    case(
        "issued before trust",
        bytes(&good),
        &later,
        x,
        "issuer",
        "outside the window",
    );

    // 9. Expired.
    let mut ex = x.clone();
    ex.today = "2027-11-30".into();
    case(
        "expired",
        bytes(&good),
        t,
        &ex,
        "validity",
        "expired on 2027-11-29",
    );

    // 10. Not yet valid.
    let mut ex = x.clone();
    ex.today = "2026-11-28".into();
    case(
        "not yet valid",
        bytes(&good),
        t,
        &ex,
        "validity",
        "not yet valid",
    );

    // 11. A changed model file.
    let mut ex = x.clone();
    ex.model_sha256 = Some("0".repeat(64));
    case(
        "changed model",
        bytes(&good),
        t,
        &ex,
        "model",
        "the certificate is for",
    );

    // 12. Another assessment record.
    let mut ex = x.clone();
    ex.assessment_sha256 = Some("1".repeat(64));
    case(
        "other record",
        bytes(&good),
        t,
        &ex,
        "assessment",
        "rests on",
    );

    // 13. Wrong payload type, properly signed.
    let e = sign_bytes(&good.payload, "application/json", &s.key, &s.key.keyid());
    case(
        "wrong payload type",
        bytes(&e),
        t,
        x,
        "payload-type",
        "not \"application/vnd.in-toto+json\"",
    );

    // 14. Payload type changed after signing (PAE binds the type).
    let mut e = sign_bytes(&good.payload, "application/json", &s.key, &s.key.keyid());
    e.payload_type = IN_TOTO_PAYLOAD_TYPE.into();
    case(
        "type swapped after signing",
        bytes(&e),
        t,
        x,
        "signature",
        "does not verify",
    );

    // 15. Truncated base64.
    let mut j = good.to_json();
    let p = j["payload"].as_str().expect("payload").to_owned();
    j["payload"] = json!(&p[..p.len() - 3]);
    case(
        "truncated base64",
        serde_json::to_vec(&j).expect("json"),
        t,
        x,
        "envelope",
        "not valid base64",
    );

    // 16. Duplicate keys in the envelope.
    let text = String::from_utf8(bytes(&good)).expect("utf-8");
    let dup = text.replacen("{", "{\"payloadType\":\"application/vnd.in-toto+json\",", 1);
    case(
        "duplicate envelope key",
        dup.into_bytes(),
        t,
        x,
        "envelope",
        "duplicate key",
    );

    // 17. Duplicate keys inside the signed payload.
    let body =
        String::from_utf8(serde_json::to_vec(&statement("KTL")).expect("json")).expect("utf-8");
    let body = body.replacen("{", "{\"predicateType\":\"x\",", 1);
    let e = sign_bytes(
        body.as_bytes(),
        IN_TOTO_PAYLOAD_TYPE,
        &s.key,
        &s.key.keyid(),
    );
    case(
        "duplicate payload key",
        bytes(&e),
        t,
        x,
        "statement",
        "duplicate key",
    );

    // 18. The certificate names another issuer than the signing key's.
    let e = signed(&statement("TUV"), &s.key);
    case(
        "issuer mismatch",
        bytes(&e),
        t,
        x,
        "issuer",
        "names issuer \"TUV\"",
    );

    // 19. Wrong predicate type.
    let mut st = statement("KTL");
    st["predicateType"] = json!("https://slsa.dev/provenance/v1");
    case(
        "wrong predicate type",
        bytes(&signed(&st, &s.key)),
        t,
        x,
        "statement",
        "predicateType",
    );

    // 20. A subject digest that is not a SHA-256.
    let mut st = statement("KTL");
    st["subject"][0]["digest"]["sha256"] = json!("abc");
    case(
        "bad subject digest",
        bytes(&signed(&st, &s.key)),
        t,
        x,
        "statement",
        "SHA-256",
    );

    // 21. A failing verdict.
    let mut st = statement("KTL");
    st["predicate"]["verdict"] = json!("fail");
    case(
        "failing verdict",
        bytes(&signed(&st, &s.key)),
        t,
        x,
        "statement",
        "verdict must be \"pass\"",
    );

    // 22. The predicate's model digest differs from the subject.
    let mut st = statement("KTL");
    st["predicate"]["model"]["digest"]["sha256"] = json!("2".repeat(64));
    case(
        "model digest mismatch",
        bytes(&signed(&st, &s.key)),
        t,
        x,
        "statement",
        "differs from the subject",
    );

    // 23. No signature at all.
    let mut j = good.to_json();
    j["signatures"] = json!([]);
    case(
        "no signature",
        serde_json::to_vec(&j).expect("json"),
        t,
        x,
        "envelope",
        "no signature",
    );

    // 24. A truncated signature.
    let mut e = good.clone();
    e.signatures[0].sig.truncate(40);
    case(
        "truncated signature",
        bytes(&e),
        t,
        x,
        "signature",
        "does not verify",
    );

    // 25. A non-canonical signature (s + L): strict verification refuses it.
    let mut e = good.clone();
    add_group_order(&mut e.signatures[0].sig[32..]);
    case(
        "malleated signature",
        bytes(&e),
        t,
        x,
        "signature",
        "does not verify",
    );

    // 26. An unknown envelope field.
    let mut j = good.to_json();
    j["payloadHash"] = json!("x");
    case(
        "unknown field",
        serde_json::to_vec(&j).expect("json"),
        t,
        x,
        "envelope",
        "unexpected field",
    );

    // 27. Not JSON.
    case(
        "not JSON",
        b"-----BEGIN CERTIFICATE-----".to_vec(),
        t,
        x,
        "envelope",
        "not valid JSON",
    );

    // 28. An issue date that is not a date.
    let mut st = statement("KTL");
    st["predicate"]["certificate"]["issued"] = json!("29/11/2026");
    case(
        "bad issue date",
        bytes(&signed(&st, &s.key)),
        t,
        x,
        "statement",
        "issued must be a date",
    );

    assert!(cases >= 20, "{cases} cases");
}

/// Add the group order L to a little-endian scalar (the `s` half of a signature).
fn add_group_order(s: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (b, l) in s.iter_mut().zip(L) {
        let sum = u16::from(*b) + u16::from(l) + carry;
        *b = sum as u8;
        carry = sum >> 8;
    }
}

#[test]
fn verification_reads_the_signed_bytes_not_a_re_serialization() {
    // A payload with unusual but valid formatting (spaces, key order) verifies
    // as it is: re-serializing it would change the bytes and break the signature.
    let s = setup();
    let pretty = serde_json::to_vec_pretty(&statement("KTL")).expect("json");
    let e = sign_bytes(&pretty, IN_TOTO_PAYLOAD_TYPE, &s.key, &s.key.keyid());
    let v = verify(&bytes(&e), &s.trust, &s.expect);
    assert!(v.valid(), "{:?}", v.checks);
    assert_ne!(
        serde_json::to_vec(&v.statement.expect("statement")).expect("json"),
        pretty
    );
}

#[test]
fn an_encrypted_key_file_opens_with_its_passphrase_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = IssuerKey::generate("KTL").expect("key");
    let path = dir.path().join("KTL.key");
    key.write(
        &path,
        &Store::Encrypted {
            passphrase: "correct horse battery staple",
        },
    )
    .expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{text}"
    );
    assert!(!text.contains("secret_key"), "{text}");
    let asked = std::cell::Cell::new(0);
    let right = |s: Secret<'_>| {
        asked.set(asked.get() + 1);
        assert!(matches!(s, Secret::Passphrase { .. }));
        Ok("correct horse battery staple".to_owned())
    };
    let opened = IssuerKey::open(&path, &right).expect("opens");
    assert_eq!(asked.get(), 1);
    assert_eq!(opened.keyid(), key.keyid());
    assert_eq!(opened.protection, Protection::Encrypted);
    // The opened key signs as the original does (Ed25519 is deterministic).
    assert_eq!(
        opened.sign(b"m").expect("signs"),
        key.sign(b"m").expect("signs")
    );
    let wrong = |_: Secret<'_>| Ok("Tr0ub4dor&3".to_owned());
    let e = IssuerKey::open(&path, &wrong)
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("the passphrase does not unlock the key"), "{e}");
    let e = IssuerKey::load(&path).err().expect("refused").to_string();
    assert!(
        e.contains("is encrypted and no passphrase was given"),
        "{e}"
    );
    // A standard container: OpenSSL reads it with the passphrase and finds
    // the same public key (when openssl is installed).
    if let Ok(o) = std::process::Command::new("openssl")
        .args([
            "pkey",
            "-passin",
            "pass:correct horse battery staple",
            "-pubout",
            "-outform",
            "DER",
            "-in",
        ])
        .arg(&path)
        .output()
    {
        assert!(
            o.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stdout.ends_with(key.public().as_bytes()),
            "the same public key"
        );
    }
}

#[test]
fn key_files_are_owner_only_and_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = IssuerKey::generate("KTL").expect("key");
    let path = dir.path().join("KTL.key");
    key.write(&path, &Store::Plain).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let loaded = IssuerKey::load(&path).expect("load");
        assert_eq!(loaded.keyid(), key.keyid());
        assert_eq!(loaded.issuer, "KTL");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = IssuerKey::load(&path).err().expect("refused").to_string();
        assert!(
            e.contains("readable by others") && e.contains("chmod 600"),
            "{e}"
        );
    }
    assert!(key.write(&path, &Store::Plain).is_err(), "never overwrites");
    // The key id is the SHA-256 of the public key.
    use sha2::Digest as _;
    let want: String = sha2::Sha256::digest(key.public().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(key.keyid(), want);
}
