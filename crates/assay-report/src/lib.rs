//! Test reports from assessment records: HTML and PDF, in English and
//! Korean, with plots as SVG.
//!
//! The record (`assessment.json`, written by `assay run`) is read once into
//! a [`Document`] — every heading, field, table and figure in the chosen
//! language — and both writers render that same document, so the HTML and
//! the PDF carry the same content. The report holds what ISO/IEC 17025
//! clause 7.8.2.1 asks of a test report and states its decision rule as
//! clause 7.8.6 asks.
//!
//! Reports are deterministic: the same record and options give the same
//! bytes (the issue date is an option, not the clock).

pub mod certificate;
pub mod document;
mod html;
mod pdf;
pub mod svg;
pub mod text;

pub use assay_record::report::Format;
pub use document::{Block, Document, Field, Section};
pub use text::{Lang, Words};

/// What cannot be reported.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A field of the record is missing or of the wrong type.
    #[error("{pointer}: expected {expected}")]
    Field {
        /// JSON pointer of the field.
        pointer: String,
        /// What was expected there.
        expected: String,
    },
    /// The record cannot be read: a member missing or of the wrong type.
    #[error(transparent)]
    Record(#[from] assay_record::RecordError),
    /// The PDF layout failed.
    #[error("laying out the PDF failed: {0}")]
    Layout(String),
}

/// How to write a report.
#[derive(Debug, Clone)]
pub struct Options {
    /// Language.
    pub lang: Lang,
    /// The report number; default: the plan's `[report] number`, else the
    /// plan id and the first eight hex digits of the record's SHA-256.
    pub number: Option<String>,
    /// Issue date, YYYY-MM-DD.
    pub issued: String,
    /// The record's SHA-256 (hex).
    pub record_sha256: String,
    /// The record's file name, as the report names it.
    pub record_name: String,
}

/// Build the document of a record.
pub fn document(record: &serde_json::Value, options: &Options) -> Result<Document, ReportError> {
    document::build(record, options)
}

/// Render a document.
pub fn render(doc: &Document, format: Format) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Html => Ok(html::render(doc).into_bytes()),
        Format::Pdf => pdf::render(doc),
    }
}
