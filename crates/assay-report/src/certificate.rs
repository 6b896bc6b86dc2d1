//! The human-readable certificate: one page, from the signed statement,
//! with a QR code that carries the verification address and the
//! certificate's digest.

use assay_record::certificate::{Claim, Statement};
use qrcode::QrCode;
use qrcode::render::svg;

use crate::ReportError;
use crate::document::{Block, Document, Field, Section};
use crate::text::{Lang, T, metric_name, word};

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

/// What the QR code carries: the status address followed by the
/// certificate's digest, or the digest alone.
pub fn qr_text(status_url: Option<&str>, cert_sha256: &str) -> String {
    match status_url {
        Some(url) => format!("{}/{cert_sha256}", url.trim_end_matches('/')),
        None => format!("sha256:{cert_sha256}"),
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

/// The identification fields.
fn fields(statement: &Statement, cert_sha256: &str, lang: Lang) -> Vec<Field> {
    let p = &statement.predicate;
    vec![
        field(T::CertNumber, p.certificate.number.as_str(), lang, true),
        field(T::CertHolder, p.holder.name.as_str(), lang, false),
        field(
            T::SecItem,
            format!("{} {}", p.model.name, p.model.version),
            lang,
            false,
        ),
        field(T::ModelDigest, p.model.digest.sha256.as_str(), lang, true),
        field(T::IntendedUse, p.scope.intended_use.as_str(), lang, false),
        field(T::Standard, p.standard.as_str(), lang, false),
        field(
            T::SecLab,
            format!("{} ({})", p.issuer.name, p.issuer.id),
            lang,
            false,
        ),
        field(
            T::Accreditation,
            p.issuer.accreditation.as_deref().unwrap_or("—"),
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
            T::DecisionRule,
            word(p.decision_rule.map_or("", |r| r.name()), lang),
            lang,
            false,
        ),
        field(T::CertDigest, cert_sha256, lang, true),
    ]
}

/// The one-page certificate of a signed statement.
pub fn document(
    statement: &Statement,
    cert_sha256: &str,
    lang: Lang,
) -> Result<Document, ReportError> {
    let p = &statement.predicate;
    let qr = qr_text(p.certificate.status_url.as_deref(), cert_sha256);
    let blocks = vec![
        Block::Paragraph {
            text: T::CertStatement.get(lang).to_owned(),
        },
        Block::Fields {
            fields: fields(statement, cert_sha256, lang),
        },
        results_table(&p.results, lang),
        Block::Figure {
            id: "qr",
            svg: qr_svg(&qr)?,
            caption: format!("{}: {qr}", T::CertScan.get(lang)),
        },
        Block::Paragraph {
            text: T::CertVerify.get(lang).to_owned(),
        },
    ];
    Ok(Document {
        lang: lang.tag(),
        title: T::CertTitle.get(lang).to_owned(),
        subtitle: None,
        number: p.certificate.number.clone(),
        number_label: T::CertNumber.get(lang).to_owned(),
        lab: p.issuer.name.clone(),
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
