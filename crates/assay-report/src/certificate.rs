//! The human-readable certificate: one page, from the signed statement,
//! with a QR code that carries the verification address and the
//! certificate's digest.

use assay_record::certificate::{CitedReport, Claim, IssuerRole, Recheck, Statement};
use qrcode::QrCode;
use qrcode::render::svg;

use crate::ReportError;
use crate::document::{Block, Document, Field, Section};
use crate::text::{Lang, T, Words as _, metric_name, said, word};

fn field(label: T, value: impl Into<String>, lang: Lang, mono: bool) -> Field {
    Field {
        label: label.get(lang).to_owned(),
        value: value.into(),
        mono,
    }
}

/// The QR code of `text` as SVG (no XML declaration, so it can sit inline).
pub fn qr_svg(text: &str) -> Result<String, ReportError> {
    let code =
        QrCode::new(text.as_bytes()).map_err(|e| ReportError::Layout(format!("QR code: {e}")))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(180, 180)
        .quiet_zone(true)
        .build();
    Ok(match image.find("<svg") {
        Some(i) => image[i..].to_owned(),
        None => image,
    })
}

// A certificate with no status address has no QR code: a bare digest
// means nothing to a phone.
pub use assay_record::certificate::verification_url;

/// The certificate's title: by what its issuer is.
fn title(role: Option<IssuerRole>, lang: Lang) -> &'static str {
    match role.unwrap_or_default() {
        IssuerRole::TestLab => T::CertTitleTest.get(lang),
        IssuerRole::CertificationBody => T::CertTitleConformity.get(lang),
    }
}

/// The results table: one row per criterion.
fn results_table(results: &[Claim], lang: Lang) -> Block {
    let number = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| lang.fixed(v, 4));
    let rows = results
        .iter()
        .map(|r| {
            vec![
                r.criterion.clone(),
                metric_name(&r.metric, lang),
                number(r.value),
                r.interval.as_ref().map_or_else(
                    || "—".to_owned(),
                    |ci| format!("[{}, {}]", lang.fixed(ci.low, 4), lang.fixed(ci.high, 4)),
                ),
                match r.passed {
                    Some(true) => T::Met,
                    Some(false) => T::NotMet,
                    None => T::NotJudged,
                }
                .get(lang)
                .to_owned(),
            ]
        })
        .collect();
    Block::Table {
        columns: [T::Criterion, T::Metric, T::Value, T::Interval, T::Result]
            .iter()
            .map(|t| t.get(lang).to_owned())
            .collect(),
        numeric: vec![false, false, true, true, false],
        rows,
        caption: None,
    }
}

/// The test reports the certificate rests on, each by number and SHA-256.
fn reports_table(reports: &[CitedReport], lang: Lang) -> Block {
    Block::Table {
        columns: [
            T::ReportNumber,
            T::CertificateIssued,
            T::ReportLanguage,
            T::ReportFileName,
        ]
        .iter()
        .map(|t| t.get(lang).to_owned())
        .chain(["SHA-256".to_owned()])
        .collect(),
        numeric: vec![false; 5],
        rows: reports
            .iter()
            .map(|r| {
                vec![
                    r.number.clone().unwrap_or_else(|| "—".into()),
                    r.issued
                        .as_deref()
                        .map_or_else(|| "—".into(), |d| lang.date(d)),
                    r.lang.clone(),
                    r.file.clone(),
                    r.sha256.clone(),
                ]
            })
            .collect(),
        caption: Some(T::CertReports.get(lang).to_owned()),
    }
}

/// The identification fields.
fn fields(statement: &Statement, cert_sha256: &str, lang: Lang) -> Vec<Field> {
    let p = &statement.predicate;
    vec![
        field(T::CertNumber, p.certificate.number.as_str(), lang, true),
        field(T::CertHolder, said(&p.holder.name, lang), lang, false),
        field(
            T::SecItem,
            format!("{} {}", p.model.name, p.model.version),
            lang,
            false,
        ),
        field(T::ModelDigest, p.model.digest.sha256.as_str(), lang, true),
        field(
            T::IntendedUse,
            said(&p.scope.intended_use, lang),
            lang,
            false,
        ),
        field(T::Standard, p.standard.as_str(), lang, false),
        field(
            T::SecLab,
            format!("{} ({})", p.issuer.name, p.issuer.id),
            lang,
            false,
        ),
        field(
            T::Accreditation,
            p.issuer
                .accreditation
                .as_ref()
                .map_or_else(|| "—".to_owned(), |a| said(a, lang)),
            lang,
            false,
        ),
        field(
            T::CertSignatory,
            p.signatory.as_ref().map_or_else(
                || "—".to_owned(),
                |s| match &s.role {
                    Some(role) => format!("{} ({})", said(&s.name, lang), said(role, lang)),
                    None => said(&s.name, lang),
                },
            ),
            lang,
            false,
        ),
        field(
            T::CertificateIssued,
            lang.date(&p.certificate.issued),
            lang,
            false,
        ),
        field(
            T::CertValid,
            format!(
                "{} – {}",
                lang.date(&p.certificate.validity.not_before),
                lang.date(&p.certificate.validity.not_after)
            ),
            lang,
            false,
        ),
        field(T::RecordDigest, p.assessment.sha256.as_str(), lang, true),
        field(
            T::CertRederived,
            match p.assessment.rederived {
                Some(Recheck::Predictions) => T::RederivedPredictions.get(lang),
                Some(Recheck::ModelRun) => T::RederivedModelRun.get(lang),
                None => "—",
            },
            lang,
            false,
        ),
        field(
            T::DecisionRule,
            word(p.decision_rule.map_or("", |r| r.name()), lang),
            lang,
            false,
        ),
        field(T::CertDigest, cert_sha256, lang, true),
    ]
}

/// The tallest a logo is drawn, in SVG user units (CSS pixels).
const LOGO_HEIGHT: u32 = 64;

/// A PNG or JPEG logo as an SVG figure that embeds it (so the HTML and the
/// PDF draw the same bytes), at most 64 units high. Refuses bytes
/// that do not decode as such an image.
pub fn logo_svg(bytes: &[u8], media_type: &str) -> Result<String, ReportError> {
    use base64::Engine as _;
    let format = match media_type {
        "image/png" => image::ImageFormat::Png,
        "image/jpeg" => image::ImageFormat::Jpeg,
        other => {
            return Err(ReportError::Layout(format!(
                "the logo is {other:?}: a certificate shows a PNG or JPEG logo"
            )));
        }
    };
    let image = image::load_from_memory_with_format(bytes, format).map_err(|e| {
        ReportError::Layout(format!(
            "the logo is not a readable {media_type} image: {e}"
        ))
    })?;
    let (w, h) = (image.width().max(1), image.height().max(1));
    let height = h.min(LOGO_HEIGHT);
    let width = (u64::from(w) * u64::from(height)).div_ceil(u64::from(h));
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\"><image width=\"{width}\" height=\"{height}\" xlink:href=\"data:{media_type};base64,{}\"/></svg>",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// The one-page certificate of a signed statement, with the logo's bytes
/// when the statement names one (they must have its digest).
pub fn document(
    statement: &Statement,
    cert_sha256: &str,
    lang: Lang,
    logo: Option<&[u8]>,
) -> Result<Document, ReportError> {
    let p = &statement.predicate;
    let mut blocks = Vec::new();
    match (&p.issuer.logo, logo) {
        (Some(named), Some(bytes)) => {
            let found = assay_base::digest::sha256_hex(bytes);
            if found != named.sha256 {
                return Err(ReportError::Layout(format!(
                    "the logo given has SHA-256 {found}; the certificate names {}",
                    named.sha256
                )));
            }
            blocks.push(Block::Figure {
                id: "logo",
                svg: logo_svg(bytes, &named.media_type)?,
                caption: format!("{}: {}", T::CertLogo.get(lang), p.issuer.name),
            });
        }
        (Some(_), None) => {
            return Err(ReportError::Layout(
                "the certificate names a logo and none was given".into(),
            ));
        }
        (None, _) => {}
    }
    blocks.extend([
        Block::Paragraph {
            text: T::CertStatement.get(lang).to_owned(),
        },
        Block::Fields {
            fields: fields(statement, cert_sha256, lang),
        },
        results_table(&p.results, lang),
    ]);
    if !p.reports.is_empty() {
        blocks.push(reports_table(&p.reports, lang));
    }
    match &p.certificate.status_url {
        Some(status) => {
            let url = verification_url(status, cert_sha256);
            blocks.push(Block::Figure {
                id: "qr",
                svg: qr_svg(&url)?,
                caption: format!("{}: {url}", T::CertScan.get(lang)),
            });
            blocks.push(Block::Paragraph {
                text: T::CertVerify.get(lang).to_owned(),
            });
        }
        None => blocks.push(Block::Paragraph {
            text: T::CertVerifyOffline
                .get(lang)
                .replace("{number}", &p.certificate.number),
        }),
    }
    Ok(Document {
        lang: lang.tag(),
        title: title(p.issuer.role, lang).to_owned(),
        subtitle: None,
        number: p.certificate.number.clone(),
        number_label: T::CertNumber.get(lang).to_owned(),
        lab: said(&p.issuer.name, lang),
        page_of: lang.page_of().to_owned(),
        end_mark: String::new(),
        issued: p.certificate.issued.clone(),
        summary: Vec::new(),
        verdict: Block::Callout {
            text: format!("{}: {}", T::Verdict.get(lang), T::VerdictPass.get(lang)),
            tone: "pass",
        },
        sections: vec![Section {
            id: "certificate",
            heading: String::new(),
            blocks,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn statement(role: Option<&str>, status_url: Option<&str>) -> Statement {
        let mut issuer = serde_json::json!({"id": "KTL", "name": "Korea Testing Laboratory"});
        if let Some(r) = role {
            issuer["role"] = r.into();
        }
        Statement::from_json(serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "predicateType": "https://example.invalid/assay/certificate/v1",
            "subject": [{"name": "m.onnx", "digest": {"sha256": "ab".repeat(32)}}],
            "predicate": {
                "assessment": {"sha256": "cd".repeat(32)},
                "certificate": {
                    "issued": "2026-12-01", "number": "KTL-2026-000007", "status_url": status_url,
                    "validity": {"not_before": "2026-12-01", "not_after": "2027-12-01"}
                },
                "issuer": issuer,
                "model": {"digest": {"sha256": "ab".repeat(32)}, "name": "m", "version": "1"},
                "standard": "ISO/IEC TS 4213:2022",
                "verdict": "pass"
            }
        }))
        .expect("statement")
    }

    fn html(s: &Statement, lang: Lang) -> String {
        let doc = document(s, &"ef".repeat(32), lang, None).expect("document");
        String::from_utf8(crate::render(&doc, Format::Html).expect("html")).expect("utf-8")
    }

    #[test]
    fn the_title_follows_the_issuers_role() {
        for (role, en, ko) in [
            (None, "Test certificate", "시험 인증서"),
            (Some("test lab"), "Test certificate", "시험 인증서"),
            (
                Some("certification body"),
                "Certificate of conformity",
                "적합성 인증서",
            ),
        ] {
            let s = statement(role, None);
            assert!(
                html(&s, Lang::En).contains(&format!("<h1>{en}")),
                "{role:?}"
            );
            assert!(
                html(&s, Lang::Ko).contains(&format!("<h1>{ko}")),
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_qr_code_only_for_an_address_that_resolves() {
        let page = html(&statement(None, None), Lang::En);
        assert!(
            !page.contains("fig-qr"),
            "no QR code without a status address"
        );
        assert!(
            page.contains("ask the issuer for its certificate file (KTL-2026-000007.cert.json)")
        );
        let page = html(
            &statement(
                None,
                Some("https://reg.example/certificates/KTL-2026-000007"),
            ),
            Lang::Ko,
        );
        assert!(page.contains("fig-qr"));
        assert!(page.contains(&format!(
            "https://reg.example/certificates/KTL-2026-000007/{}",
            "ef".repeat(32)
        )));
    }
}
