//! Offline verification: the signature over the envelope's exact bytes,
//! the statement, the issuer's trust for the standard at the issue date,
//! the validity period, and optionally the model's and the assessment's
//! digests. The payload is never re-serialized: the signature is checked
//! over the bytes that were signed, and only then are they parsed.

use ed25519_dalek::Signature as EdSignature;
use serde::Serialize;
use serde_json::Value;

use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE, pae};
use crate::trust::{Issuer, TrustStore};
use crate::{date, strict};
use assay_record::certificate::{PREDICATE_TYPE, STATEMENT_TYPE, Statement};

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Holds.
    Pass,
    /// Does not hold: the certificate is invalid.
    Fail,
    /// Not checked (nothing given to check against, or an earlier check failed).
    Skip,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Stable id: `envelope`, `payload-type`, `signature`, `statement`,
    /// `issuer`, `validity`, `model`, `assessment`.
    pub check: &'static str,
    /// Outcome.
    pub status: Status,
    /// What was found, in English.
    pub detail: String,
    /// The same in Korean, where this check's words have been translated
    /// (a page in Korean shows the English one, marked, otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_ko: Option<String>,
}

impl Check {
    /// A check whose words are in English only.
    pub fn new(check: &'static str, status: Status, detail: impl Into<String>) -> Check {
        Check {
            check,
            status,
            detail: detail.into(),
            detail_ko: None,
        }
    }

    /// A check with its words in English and in Korean.
    pub fn both(check: &'static str, status: Status, en: String, ko: String) -> Check {
        Check {
            check,
            status,
            detail: en,
            detail_ko: Some(ko),
        }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// The verified statement (only once the signature holds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Statement>,
    /// The number the payload claims, read without trusting it, when the
    /// signature does not hold (to say which certificate failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_number: Option<String>,
}

/// What a verification proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every check passed, the model's digest among them.
    Valid,
    /// No check failed, but the model was not checked: the certificate is
    /// genuine, yet nothing says the model at hand is the one certified.
    ValidModelNotChecked,
    /// A check failed.
    Invalid,
}

impl Verdict {
    /// The verdict line.
    pub fn line(self) -> &'static str {
        match self {
            Verdict::Valid => "VALID",
            Verdict::ValidModelNotChecked => {
                "signature valid — model NOT checked (give --model to check the model at hand)"
            }
            Verdict::Invalid => "INVALID",
        }
    }
}

impl Verification {
    /// Valid: no check failed.
    pub fn valid(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    /// What the checks proved.
    pub fn verdict(&self) -> Verdict {
        if !self.valid() {
            Verdict::Invalid
        } else if self
            .checks
            .iter()
            .any(|c| c.check == "model" && c.status == Status::Pass)
        {
            Verdict::Valid
        } else {
            Verdict::ValidModelNotChecked
        }
    }

    /// The first failed check.
    pub fn failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.status == Status::Fail)
    }
}

/// What the verifier compares the certificate with.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The day of verification (YYYY-MM-DD).
    pub today: String,
    /// The model file's SHA-256 (or a model directory's manifest root).
    pub model_sha256: Option<String>,
    /// The assessment record's SHA-256.
    pub assessment_sha256: Option<String>,
}

const ORDER: [&str; 8] = [
    "envelope",
    "payload-type",
    "signature",
    "statement",
    "issuer",
    "validity",
    "model",
    "assessment",
];

struct Out(Vec<Check>);

impl Out {
    fn push(&mut self, check: &'static str, status: Status, detail: impl Into<String>) {
        self.0.push(Check::new(check, status, detail));
    }

    /// A check with its words in English and in Korean.
    fn both(&mut self, check: &'static str, status: Status, en: String, ko: String) {
        self.0.push(Check::both(check, status, en, ko));
    }

    /// Mark every check not yet made as skipped.
    fn rest(mut self, why: &str, statement: Option<Statement>) -> Verification {
        for name in ORDER {
            if !self.0.iter().any(|c| c.check == name) {
                let ko = match why {
                    "the envelope cannot be read" => "봉투를 읽을 수 없음",
                    "wrong payload type" => "페이로드 유형이 다름",
                    "the signature does not hold" => "서명이 성립하지 않음",
                    "the statement cannot be read" => "진술을 읽을 수 없음",
                    "the statement is malformed" => "진술의 형식이 잘못됨",
                    _ => why,
                };
                self.both(
                    name,
                    Status::Skip,
                    format!("not checked: {why}"),
                    format!("확인하지 않음: {ko}"),
                );
            }
        }
        Verification {
            checks: self.0,
            statement,
            claimed_number: None,
        }
    }
}

/// What an unverified payload claims to be: `certificate N of issuer I
/// (name)`, for words only — nothing of it is trusted.
fn claimed(payload: &[u8]) -> Option<(String, String)> {
    let v = strict::parse(payload).ok()?;
    let number = at(&v, "/predicate/certificate/number")?.to_owned();
    let issuer = match (
        at(&v, "/predicate/issuer/id"),
        at(&v, "/predicate/issuer/name"),
    ) {
        (Some(id), Some(name)) if !name.is_empty() => format!("{id} ({name})"),
        (Some(id), _) => id.to_owned(),
        _ => return None,
    };
    Some((number, issuer))
}

fn at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Verify a certificate's bytes.
pub fn verify(bytes: &[u8], trust: &TrustStore, expect: &Expect) -> Verification {
    let mut out = Out(Vec::with_capacity(ORDER.len()));
    let envelope = match Envelope::parse(bytes) {
        Ok(e) => e,
        Err(e) => {
            out.push("envelope", Status::Fail, e.to_string());
            return out.rest("the envelope cannot be read", None);
        }
    };
    out.both(
        "envelope",
        Status::Pass,
        format!("DSSE envelope, {} signature(s)", envelope.signatures.len()),
        format!("DSSE 봉투, 서명 {}개", envelope.signatures.len()),
    );
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        out.push(
            "payload-type",
            Status::Fail,
            format!(
                "payloadType is {:?}, not {IN_TOTO_PAYLOAD_TYPE:?}",
                envelope.payload_type
            ),
        );
        return out.rest("wrong payload type", None);
    }
    out.both(
        "payload-type",
        Status::Pass,
        IN_TOTO_PAYLOAD_TYPE.into(),
        IN_TOTO_PAYLOAD_TYPE.into(),
    );
    let Some(signer) = signature(&envelope, trust, &mut out) else {
        let mut v = out.rest("the signature does not hold", None);
        v.claimed_number = claimed(&envelope.payload).map(|(n, _)| n);
        return v;
    };
    // Only now read the signed bytes.
    let statement = match strict::parse(&envelope.payload) {
        Ok(v) => v,
        Err(e) => {
            out.push(
                "statement",
                Status::Fail,
                format!("the payload is not valid JSON: {e}"),
            );
            return out.rest("the statement cannot be read", None);
        }
    };
    let problems = statement_problems(&statement);
    if !problems.is_empty() {
        out.push("statement", Status::Fail, problems.join("; "));
        return out.rest("the statement is malformed", None);
    }
    let statement = match Statement::from_json(statement) {
        Ok(s) => s,
        Err(e) => {
            out.push("statement", Status::Fail, e.to_string());
            return out.rest("the statement is malformed", None);
        }
    };
    let number = statement.number();
    out.both(
        "statement",
        Status::Pass,
        format!("in-toto Statement v1, certificate {number}"),
        format!("in-toto Statement v1, 인증서 {number}"),
    );
    issuer(&statement, signer, &mut out);
    validity(&statement, &expect.today, &mut out);
    digests(&statement, expect, &mut out);
    Verification {
        checks: out.0,
        statement: Some(statement),
        claimed_number: None,
    }
}

/// The signature over the exact bytes, by a key of the trust store: its issuer.
fn signature<'t>(envelope: &Envelope, trust: &'t TrustStore, out: &mut Out) -> Option<&'t Issuer> {
    let message = pae(&envelope.payload_type, &envelope.payload);
    let mut signer: Option<&Issuer> = None;
    let mut known_key = false;
    for s in &envelope.signatures {
        let candidates: Vec<&Issuer> = trust
            .issuers
            .iter()
            .filter(|i| s.keyid.is_empty() || i.keyid == s.keyid)
            .collect();
        known_key |= !candidates.is_empty();
        let Ok(sig) = EdSignature::from_slice(&s.sig) else {
            continue;
        };
        if let Some(i) = candidates
            .into_iter()
            .find(|i| i.key.verify_strict(&message, &sig).is_ok())
        {
            signer = Some(i);
            break;
        }
    }
    let Some(signer) = signer else {
        let detail = if known_key {
            "the signature does not verify with the issuer's key: the certificate was altered or signed by another key".to_owned()
        } else {
            let ids: Vec<&str> = envelope
                .signatures
                .iter()
                .map(|s| s.keyid.as_str())
                .collect();
            let claim = claimed(&envelope.payload).map_or_else(String::new, |(n, i)| {
                format!("; it claims to be certificate {n} of issuer {i}, which the trust store does not know (add the issuer's published key, ISSUER.pub.toml, if you accept it)")
            });
            format!(
                "signed by a key that is not in the trust store (keyid {}){claim}",
                ids.join(", ")
            )
        };
        out.push("signature", Status::Fail, detail);
        return None;
    };
    out.both(
        "signature",
        Status::Pass,
        format!(
            "Ed25519 signature by {} ({}), key {}",
            signer.id, signer.name, signer.keyid
        ),
        format!(
            "{} ({})의 Ed25519 서명, 키 {}",
            signer.id, signer.name, signer.keyid
        ),
    );
    Some(signer)
}

/// The issuer: the signing key's, accredited for the standard, trusted on the issue date.
fn issuer(statement: &Statement, signer: &Issuer, out: &mut Out) {
    let p = &statement.predicate;
    let issuer_id = &p.issuer.id;
    let standard = &p.standard;
    let issued = p.certificate.issued.as_str();
    if *issuer_id != signer.id {
        out.both(
            "issuer",
            Status::Fail,
            format!(
                "the certificate names issuer {issuer_id:?} but is signed by {:?}'s key",
                signer.id
            ),
            format!(
                "인증서는 발급 기관 {issuer_id:?}를 밝히지만 {:?}의 키로 서명되었다",
                signer.id
            ),
        );
    } else if let Some(problem) =
        crate::certificate::number_problem(&p.certificate.number, issuer_id, issued)
    {
        out.push("issuer", Status::Fail, problem);
    } else if !signer.standards.iter().any(|s| s == standard) {
        out.both(
            "issuer",
            Status::Fail,
            format!(
                "{} is not trusted for {standard:?} (accredited for: {})",
                signer.id,
                signer.standards.join(", ")
            ),
            format!(
                "{}는 {standard:?}에 대해 신뢰되지 않는다 (인정 범위: {})",
                signer.id,
                signer.standards.join(", ")
            ),
        );
    } else if issued < signer.not_before.as_str() || issued > signer.not_after.as_str() {
        out.both(
            "issuer",
            Status::Fail,
            format!(
                "issued {issued}, outside the window in which {} is trusted ({} to {})",
                signer.id, signer.not_before, signer.not_after
            ),
            format!(
                "{issued}에 발급되어, {}가 신뢰되는 기간({}부터 {}까지) 밖이다",
                signer.id, signer.not_before, signer.not_after
            ),
        );
    } else {
        out.both(
            "issuer",
            Status::Pass,
            format!("{} trusted for {standard} on {issued}", signer.id),
            format!("{}: {issued}에 {standard}에 대해 신뢰됨", signer.id),
        );
    }
}

/// Validity on the day of verification.
fn validity(statement: &Statement, today: &str, out: &mut Out) {
    let period = &statement.predicate.certificate.validity;
    let (from, until) = (period.not_before.as_str(), period.not_after.as_str());
    if today < from {
        out.both(
            "validity",
            Status::Fail,
            format!("not yet valid: valid from {from}, today is {today}"),
            format!("아직 유효하지 않음: {from}부터 유효, 오늘은 {today}"),
        );
    } else if today > until {
        out.both(
            "validity",
            Status::Fail,
            format!("expired on {until}, today is {today}"),
            format!("{until}에 만료됨, 오늘은 {today}"),
        );
    } else {
        out.both(
            "validity",
            Status::Pass,
            format!("valid {from} to {until}"),
            format!("{from}부터 {until}까지 유효"),
        );
    }
}

/// The model's and the record's digests, when they are given.
fn digests(statement: &Statement, expect: &Expect, out: &mut Out) {
    let subject = statement.model_sha256();
    match &expect.model_sha256 {
        None => out.both(
            "model",
            Status::Skip,
            "no model given (--model)".into(),
            "모델이 주어지지 않음 (--model)".into(),
        ),
        Some(d) if d == subject => out.both(
            "model",
            Status::Pass,
            format!("the model's SHA-256 is {d}"),
            format!("모델의 SHA-256은 {d}"),
        ),
        Some(d) => out.both(
            "model",
            Status::Fail,
            format!("the model given has SHA-256 {d}; the certificate is for {subject}"),
            format!("주어진 모델의 SHA-256은 {d}, 인증서의 모델은 {subject}"),
        ),
    }
    let recorded = &statement.predicate.assessment.sha256;
    match &expect.assessment_sha256 {
        None => out.both(
            "assessment",
            Status::Skip,
            "no assessment record given (--assessment)".into(),
            "평가 기록이 주어지지 않음 (--assessment)".into(),
        ),
        Some(d) if d == recorded => out.both(
            "assessment",
            Status::Pass,
            format!("the record's SHA-256 is {d}"),
            format!("평가 기록의 SHA-256은 {d}"),
        ),
        Some(d) => out.both(
            "assessment",
            Status::Fail,
            format!("the record given has SHA-256 {d}; the certificate rests on {recorded}"),
            format!("주어진 평가 기록의 SHA-256은 {d}, 인증서가 근거한 기록은 {recorded}"),
        ),
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// What is wrong with a statement's shape (empty: nothing).
fn statement_problems(s: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if at(s, "/_type") != Some(STATEMENT_TYPE) {
        out.push(format!("_type must be {STATEMENT_TYPE:?}"));
    }
    if at(s, "/predicateType") != Some(PREDICATE_TYPE) {
        out.push(format!("predicateType must be {PREDICATE_TYPE:?}"));
    }
    match s.get("subject").and_then(Value::as_array) {
        Some(subjects) if subjects.len() == 1 => {
            if !at(s, "/subject/0/digest/sha256").is_some_and(is_hex64) {
                out.push("the subject's digest must be a SHA-256 in lower-case hex".into());
            }
        }
        _ => out.push("the statement must have exactly one subject (the model)".into()),
    }
    for (pointer, date_field) in [
        ("/predicate/certificate/number", false),
        ("/predicate/certificate/issued", true),
        ("/predicate/certificate/validity/not_before", true),
        ("/predicate/certificate/validity/not_after", true),
        ("/predicate/issuer/id", false),
        ("/predicate/standard", false),
        ("/predicate/assessment/sha256", false),
        ("/predicate/verdict", false),
    ] {
        match at(s, pointer) {
            None => out.push(format!("{pointer} must be a string")),
            Some(v) if date_field && date::parse(v).is_none() => {
                out.push(format!("{pointer} must be a date written YYYY-MM-DD"));
            }
            Some(_) => {}
        }
    }
    if at(s, "/predicate/verdict").is_some_and(|v| v != "pass") {
        out.push("the verdict must be \"pass\"".into());
    }
    if at(s, "/predicate/model/digest/sha256") != at(s, "/subject/0/digest/sha256") {
        out.push("the predicate's model digest differs from the subject's".into());
    }
    out
}
