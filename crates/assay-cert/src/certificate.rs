//! The certificate: an in-toto Statement v1 whose subject is the model (its
//! SHA-256, or the OpenSSF manifest root of a model directory) and whose
//! predicate says who certifies what, against which standard, on which
//! evidence, with which results, for how long.

use assay_model::ModelIdentity;
use assay_record::Outcome;
use assay_record::assessment::{Assessment, InputRole};
use assay_record::certificate::{
    AssessmentRef, CitedReport, Claim, Evidence, Holder, IssuerRef, ModelRef, Numbering, Predicate,
    Scope, Sha256, Signatory, Statement, Subject, Validity,
};

use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE, Signature, pae};
use crate::keys::IssuerKey;
use crate::{CertError, date};

pub use assay_record::certificate::{PREDICATE_TYPE, STATEMENT_TYPE};

/// What a certificate is made from.
pub struct Issue<'a> {
    /// The assessment record.
    pub record: &'a Assessment,
    /// Its SHA-256 and size.
    pub record_sha256: String,
    /// Bytes.
    pub record_size: u64,
    /// The issuer's key.
    pub key: &'a IssuerKey,
    /// Sequence number within the issuer and year.
    pub sequence: u64,
    /// Issue date, YYYY-MM-DD.
    pub issued: String,
    /// Days the certificate is valid.
    pub valid_days: u32,
    /// The reports' digest files (`assay/report-digest/v1`).
    pub reports: Vec<CitedReport>,
    /// Where the certificate's status can be checked.
    pub status_url: Option<String>,
    /// How the record was re-derived before signing.
    pub rederived: Option<assay_record::certificate::Recheck>,
}

/// The certificate number: issuer, year, sequence (`DEMO-2026-000001`).
pub fn number(issuer: &str, issued: &str, sequence: u64) -> String {
    format!("{issuer}-{}-{sequence:06}", &issued[..4.min(issued.len())])
}

/// The longest issuer id.
pub const MAX_ISSUER_ID: usize = 32;

/// What is wrong with `id` as an issuer id (None: nothing). An id starts
/// every certificate number and every link to it: 1 to
/// [`MAX_ISSUER_ID`] ASCII letters, digits, `-` or `_`, starting with a
/// letter or digit.
pub fn issuer_id_problem(id: &str) -> Option<String> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ISSUER_ID
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!ok).then(|| {
        format!(
            "the issuer id {id:?} must be 1 to {MAX_ISSUER_ID} ASCII letters, digits, '-' or '_', \
             starting with a letter or digit (it starts every certificate number)"
        )
    })
}

/// What is wrong with `number` as the number of a certificate of `issuer`
/// issued on `issued` (None: nothing): it must be exactly
/// `ISSUER-YEAR-SEQUENCE`, the issuer's id, the issue year and at least six
/// digits, as [`number`] writes it. No lab can take another's numbers,
/// and every link built from a number stays one path segment.
pub fn number_problem(number: &str, issuer: &str, issued: &str) -> Option<String> {
    if let Some(p) = issuer_id_problem(issuer) {
        return Some(p);
    }
    let year = issued.get(..4).unwrap_or("");
    let expected = format!("{issuer}-{year}-");
    let sequence = number.strip_prefix(&expected);
    let ok = sequence
        .is_some_and(|s| (6..=18).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()));
    (!ok).then(|| {
        format!(
            "the certificate number {number:?} is not of the form {expected}NNNNNN \
             (issuer {issuer}, issued {issued}): a number is the issuer's id, the issue year \
             and a sequence of at least six digits"
        )
    })
}

/// The media type of a logo, by its file name (the plan's check made sure
/// the bytes are such an image).
pub fn logo_media_type(path: &str) -> &'static str {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else {
        "image/png"
    }
}

/// Whether `record` may be certified with `key`: refuses a record that did
/// not pass, that ran no model (the subject is the model's digest) or whose
/// lab is not the key's issuer. Returns the model's identity.
pub fn check<'a>(record: &'a Assessment, key: &IssuerKey) -> Result<&'a ModelIdentity, CertError> {
    let verdict = record.verdict.overall;
    if verdict != Outcome::Pass {
        return Err(CertError::Refused(format!(
            "the assessment's verdict is {:?}, not \"pass\": only a passing assessment can be certified",
            verdict.name()
        )));
    }
    let lab_id = record.identification.lab.id.as_deref().unwrap_or("");
    if lab_id != key.issuer {
        return Err(CertError::Refused(format!(
            "the assessment was made by lab {lab_id:?} ([lab] id of the plan); the key signs for issuer {:?}",
            key.issuer
        )));
    }
    record.model_run.as_ref().map(|m| &m.identity).ok_or_else(|| {
        CertError::Refused(
            "the assessment ran no model: a certificate names the model by its digest, so the lab must run it ([model] file in the plan)".into(),
        )
    })
}

/// The results a certificate claims: every criterion's judgement with the
/// metric's interval.
fn results(r: &Assessment) -> Vec<Claim> {
    let judgements = r
        .evaluation
        .criteria
        .iter()
        .flatten()
        .chain(r.robustness.iter().flat_map(|x| &x.criteria));
    judgements
        .map(|c| {
            let metric = &c.criterion.metric;
            Claim {
                compared: c.compared,
                criterion: c.criterion.expression.clone(),
                interval: r.judged_metric(c).and_then(|m| m.ci.clone()),
                metric: metric.clone(),
                passed: Some(c.passed),
                threshold: Some(c.criterion.threshold),
                value: c.value,
            }
        })
        .collect()
}

/// The statement of an assessment that passes [`check`].
pub fn statement(issue: &Issue<'_>) -> Result<Statement, CertError> {
    let r = issue.record;
    let identity = check(r, issue.key)?;
    if date::parse(&issue.issued).is_none() {
        return Err(CertError::Refused(format!(
            "the issue date {:?} is not a date written YYYY-MM-DD",
            issue.issued
        )));
    }
    let not_after = date::add_days(&issue.issued, i64::from(issue.valid_days)).unwrap_or_default();
    let digest = || Sha256 {
        sha256: identity.sha256.clone(),
    };
    let test_data = r
        .inputs
        .iter()
        .filter(|i| !matches!(i.role, InputRole::Model | InputRole::LabLogo))
        .map(|i| Evidence {
            path: i.path.clone(),
            role: i.role,
            sha256: i.sha256.clone(),
            size: i.size,
        })
        .collect();
    let id = &r.identification;
    let model = &id.model;
    let predicate = Predicate {
        assessment: AssessmentRef {
            plan_id: id.plan_id.clone(),
            plan_sha256: r.plan.sha256.clone(),
            plan_version: id.plan_version.clone(),
            sha256: issue.record_sha256.clone(),
            size: issue.record_size,
            tool: Some(r.tool.clone()),
            rederived: issue.rederived,
        },
        certificate: Numbering {
            issued: issue.issued.clone(),
            number: number(&issue.key.issuer, &issue.issued, issue.sequence),
            status_url: issue.status_url.clone(),
            validity: Validity {
                not_after,
                not_before: issue.issued.clone(),
            },
        },
        decision_rule: Some(r.verdict.decision_rule),
        holder: Holder {
            address: id.client.address.clone(),
            name: id.client.name.clone(),
        },
        issuer: IssuerRef {
            accreditation: id.lab.accreditation.clone(),
            address: id.lab.address.clone(),
            id: issue.key.issuer.clone(),
            keyid: issue.key.keyid(),
            name: id.lab.name.clone(),
            role: id.lab.role,
            logo: r
                .inputs
                .iter()
                .find(|i| i.role == InputRole::LabLogo)
                .map(|i| assay_record::certificate::Logo {
                    media_type: logo_media_type(&i.path).to_owned(),
                    sha256: i.sha256.clone(),
                }),
        },
        model: ModelRef {
            developer: model.developer.clone(),
            digest: digest(),
            kind: Some(identity.kind),
            name: model.name.clone(),
            version: model.version.clone(),
        },
        reports: issue.reports.clone(),
        results: results(r),
        scope: Scope {
            classes: r.evaluation.classes.clone(),
            intended_use: model.intended_use.clone(),
            task: Some(r.evaluation.task),
        },
        signatory: id.report.authoriser.as_ref().map(|name| Signatory {
            name: name.clone(),
            role: id.report.authoriser_role.clone(),
        }),
        standard: id.standard.clone(),
        test_data,
        verdict: r.verdict.overall.name().to_owned(),
    };
    Ok(Statement {
        statement_type: STATEMENT_TYPE.into(),
        predicate,
        predicate_type: PREDICATE_TYPE.into(),
        subject: vec![Subject {
            digest: digest(),
            name: identity.name.clone(),
        }],
    })
}

/// Sign statement bytes into an envelope.
pub fn sign(payload: Vec<u8>, key: &IssuerKey) -> Result<Envelope, CertError> {
    sign_typed(IN_TOTO_PAYLOAD_TYPE, payload, key)
}

/// Sign payload bytes of type `payload_type` into an envelope.
pub fn sign_typed(
    payload_type: &str,
    payload: Vec<u8>,
    key: &IssuerKey,
) -> Result<Envelope, CertError> {
    let sig = key.sign(&pae(payload_type, &payload))?;
    Ok(Envelope {
        payload_type: payload_type.into(),
        payload,
        signatures: vec![Signature {
            keyid: key.keyid(),
            sig: sig.to_vec(),
        }],
    })
}

#[cfg(test)]
mod number_tests {
    use super::{issuer_id_problem, number, number_problem as p};

    #[test]
    fn a_number_is_its_issuers_and_years() {
        assert_eq!(p("DEMO-2026-000001", "DEMO", "2026-03-01"), None);
        assert_eq!(p("DEMO-2026-1234567", "DEMO", "2026-03-01"), None);
        assert_eq!(
            p(&number("KTL", "2026-01-02", 7), "KTL", "2026-01-02"),
            None
        );
        for bad in [
            "LAB2-2026-000001",
            "DEMO-2025-000001",
            "DEMO-2026-00001",
            "DEMO-2026-../../x",
            "DEMO-2026-000001/x",
            "DEMO-2026-00000a",
            "demo-2026-000001",
            "DEMO-2026-000001 ",
        ] {
            assert!(p(bad, "DEMO", "2026-03-01").is_some(), "{bad}");
        }
        // A lab whose id starts like another's cannot take its numbers.
        assert!(p("DEMO-2026-000001", "DEMO-2026", "2026-03-01").is_some());
        for id in ["", "-X", "A/B", "A B", "Ä", &"A".repeat(33)] {
            assert!(issuer_id_problem(id).is_some(), "{id:?}");
        }
        assert_eq!(issuer_id_problem("KTL_2-x"), None);
    }
}
