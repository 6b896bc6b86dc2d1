//! The human-readable certificate: one page, from the signed statement,
//! with a QR code that carries the verification address and the
//! certificate's digest.

use qrcode::QrCode;
use qrcode::render::svg;
use serde_json::Value;

use crate::ReportError;
use crate::document::{Block, Document, Field, Section};
use crate::text::{Lang, T, metric_name, word};

fn s<'a>(v: &'a Value, pointer: &str) -> Result<&'a str, ReportError> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| ReportError::Field {
            pointer: pointer.to_owned(),
            expected: "a string".to_owned(),
        })
}

fn opt<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

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

/// The one-page certificate of a signed statement.
pub fn document(statement: &Value, cert_sha256: &str, lang: Lang) -> Result<Document, ReportError> {
    let p = statement
        .get("predicate")
        .ok_or_else(|| ReportError::Field {
            pointer: "/predicate".into(),
            expected: "an object".into(),
        })?;
    let number = s(p, "/certificate/number")?.to_owned();
    let status = opt(p, "/certificate/status_url");
    let mut rows = Vec::new();
    for r in p
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let metric = opt(r, "/metric").unwrap_or("");
        let value = r.get("value").and_then(Value::as_f64);
        let ci = match (
            r.pointer("/interval/low").and_then(Value::as_f64),
            r.pointer("/interval/high").and_then(Value::as_f64),
        ) {
            (Some(lo), Some(hi)) => format!("[{}, {}]", lang.fixed(lo, 4), lang.fixed(hi, 4)),
            _ => "—".to_owned(),
        };
        rows.push(vec![
            opt(r, "/criterion").unwrap_or("").to_owned(),
            metric_name(metric, lang),
            value.map_or_else(|| "—".to_owned(), |v| lang.fixed(v, 4)),
            ci,
            match r.get("passed") {
                Some(Value::Bool(true)) => T::Met.get(lang).to_owned(),
                Some(Value::Bool(false)) => T::NotMet.get(lang).to_owned(),
                _ => T::NotJudged.get(lang).to_owned(),
            },
        ]);
    }
    let (ko, en) = (
        "이 인증서는 위 모델이 아래 시험에서 표준의 합격 기준을 충족하였음을 증명한다.",
        "This certifies that the model above met the acceptance criteria of the assessment below against the standard named.",
    );
    let statement_text = if lang == Lang::En { en } else { ko };
    let verify_text = if lang == Lang::En {
        "Verify with the certificate file (*.cert.json), the model and the issuer's public key: assay verify CERT --model MODEL --trust ISSUER.pub.toml"
    } else {
        "인증서 파일(*.cert.json), 모델, 발행기관의 공개키로 검증: assay verify CERT --model MODEL --trust ISSUER.pub.toml"
    };
    let title = if lang == Lang::En {
        "Certificate of conformity"
    } else {
        "적합성 인증서"
    };
    let (number_label, holder_label, valid_label, digest_label, qr_label) = if lang == Lang::En {
        (
            "Certificate number",
            "Holder",
            "Valid",
            "Certificate SHA-256",
            "Scan to verify",
        )
    } else {
        (
            "인증서 번호",
            "인증 보유자",
            "유효 기간",
            "인증서 SHA-256",
            "스캔하여 검증",
        )
    };
    let fields = vec![
        Field {
            label: number_label.into(),
            value: number.clone(),
            mono: true,
        },
        Field {
            label: holder_label.into(),
            value: s(p, "/holder/name")?.to_owned(),
            mono: false,
        },
        field(
            T::SecItem,
            format!(
                "{} {}",
                opt(p, "/model/name").unwrap_or(""),
                opt(p, "/model/version").unwrap_or("")
            ),
            lang,
            false,
        ),
        field(T::ModelDigest, s(p, "/model/digest/sha256")?, lang, true),
        field(
            T::IntendedUse,
            opt(p, "/scope/intended_use").unwrap_or(""),
            lang,
            false,
        ),
        field(T::Standard, s(p, "/standard")?, lang, false),
        field(
            T::SecLab,
            format!("{} ({})", s(p, "/issuer/name")?, s(p, "/issuer/id")?),
            lang,
            false,
        ),
        field(
            T::Accreditation,
            opt(p, "/issuer/accreditation").unwrap_or("—"),
            lang,
            false,
        ),
        field(
            T::CertificateIssued,
            lang.date(s(p, "/certificate/issued")?),
            lang,
            false,
        ),
        Field {
            label: valid_label.into(),
            value: format!(
                "{} – {}",
                lang.date(s(p, "/certificate/validity/not_before")?),
                lang.date(s(p, "/certificate/validity/not_after")?)
            ),
            mono: false,
        },
        field(T::RecordDigest, s(p, "/assessment/sha256")?, lang, true),
        field(
            T::DecisionRule,
            word(opt(p, "/decision_rule").unwrap_or(""), lang),
            lang,
            false,
        ),
        Field {
            label: digest_label.into(),
            value: cert_sha256.to_owned(),
            mono: true,
        },
    ];
    let blocks = vec![
        Block::Paragraph {
            text: statement_text.to_owned(),
        },
        Block::Fields { fields },
        Block::Table {
            columns: vec![
                T::Criterion.get(lang).to_owned(),
                T::Metric.get(lang).to_owned(),
                T::Value.get(lang).to_owned(),
                T::Interval.get(lang).to_owned(),
                T::Result.get(lang).to_owned(),
            ],
            numeric: vec![false, false, true, true, false],
            rows,
            caption: None,
        },
        Block::Figure {
            id: "qr",
            svg: qr_svg(&qr_text(status, cert_sha256))?,
            caption: format!("{qr_label}: {}", qr_text(status, cert_sha256)),
        },
        Block::Paragraph {
            text: verify_text.to_owned(),
        },
    ];
    Ok(Document {
        lang: lang.tag(),
        title: title.to_owned(),
        subtitle: None,
        number: number.clone(),
        number_label: number_label.to_owned(),
        lab: s(p, "/issuer/name")?.to_owned(),
        page_of: lang.page_of().to_owned(),
        end_mark: String::new(),
        issued: s(p, "/certificate/issued")?.to_owned(),
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
