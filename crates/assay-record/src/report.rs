//! The digest file written beside every test report (`FILE.json`, schema
//! `assay/report-digest/v1`): the report's file, format, language, SHA-256
//! and size, its number and issue date, and the record it was written from.
//! A certificate names the reports by these.

use serde::{Deserialize, Serialize};

/// The schema id of a report's digest file.
pub const REPORT_DIGEST_SCHEMA: &str = "assay/report-digest/v1";

/// A report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One self-contained HTML file.
    Html,
    /// PDF.
    Pdf,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 2] = [Format::Html, Format::Pdf];

    /// The file extension, which is also its name in a plan.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

/// A report's digest file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDigest {
    /// [`REPORT_DIGEST_SCHEMA`].
    pub schema: String,
    /// The report.
    pub report: ReportFile,
    /// The report's number.
    pub number: String,
    /// Its issue date, YYYY-MM-DD.
    pub issued: String,
    /// The record it was written from.
    pub assessment: RecordFile,
}

/// A report file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFile {
    /// Its file name (beside the digest file).
    pub file: String,
    /// `html` or `pdf`.
    pub format: String,
    /// `en` or `ko`.
    pub lang: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The record a report rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordFile {
    /// Its file name.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}
