//! `assay report`: the test report of an assessment record, as HTML or PDF,
//! in English or Korean, with a JSON file beside it that holds the report's
//! own SHA-256.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use assay_record::report::{REPORT_DIGEST_SCHEMA, RecordFile, ReportDigest, ReportFile};
use assay_report::{Format, Lang, Options};
use clap::{Args, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// One self-contained HTML file (no network fetch; prints with page numbers)
    Html,
    /// PDF laid out by assay itself, fonts embedded
    Pdf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// English
    En,
    /// Korean (한국어)
    Ko,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::Ko => Lang::Ko,
        }
    }
}

#[derive(Args)]
pub struct ReportArgs {
    /// The assessment record (assessment.json) that `assay run` wrote
    pub assessment: PathBuf,
    /// Output format [default: from the --out extension, else html]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Language of every label, heading and sentence
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    /// The report file [default: report.LANG.FORMAT beside the record]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report number [default: the plan's [report] number, else the plan id and the record's digest]
    #[arg(long)]
    pub number: Option<String>,
    /// Issue date, YYYY-MM-DD [default: $SOURCE_DATE_EPOCH's date if set, else today (UTC)]
    #[arg(long, value_parser = parse_date)]
    pub issued: Option<String>,
    /// Print the result as JSON (the report, its SHA-256 and digest file) instead of text
    #[arg(long)]
    pub json: bool,
}

fn parse_date(text: &str) -> Result<String, String> {
    if assay_base::date::is_date(text) {
        Ok(text.to_owned())
    } else {
        Err(format!("'{text}' is not a date written YYYY-MM-DD"))
    }
}

/// Today's date (UTC), or that of `SOURCE_DATE_EPOCH` when it is set: the
/// default issue date of reports and certificates.
pub fn default_issue_date() -> anyhow::Result<String> {
    assay_base::date::today().map_err(anyhow::Error::msg)
}

/// What one report needs.
pub struct Request<'a> {
    /// The record.
    pub assessment: &'a Path,
    /// Format.
    pub format: Format,
    /// Language.
    pub lang: Lang,
    /// Where to write it.
    pub out: &'a Path,
    /// Report number override.
    pub number: Option<String>,
    /// Issue date.
    pub issued: String,
}

/// Write one report and its digest file; returns the report's SHA-256.
pub fn write(req: &Request<'_>) -> anyhow::Result<String> {
    let path = req.assessment;
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the assessment record {}", path.display()))?;
    let record: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not an assessment record: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    let record_sha256 = assay_base::digest::sha256_hex(&bytes);
    let record_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let options = Options {
        lang: req.lang,
        number: req.number.clone(),
        issued: req.issued.clone(),
        record_sha256: record_sha256.clone(),
        record_name: record_name.clone(),
    };
    let doc = assay_report::document(&record, &options)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let rendered = assay_report::render(&doc, req.format)?;
    let sha256 = assay_base::digest::sha256_hex(&rendered);
    if let Some(dir) = req.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    std::fs::write(req.out, &rendered)
        .with_context(|| format!("cannot write {}", req.out.display()))?;
    let file_name = req
        .out
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let digest = ReportDigest {
        schema: REPORT_DIGEST_SCHEMA.into(),
        report: ReportFile {
            file: file_name,
            format: req.format.extension().into(),
            lang: req.lang.tag().into(),
            sha256: sha256.clone(),
            size: rendered.len() as u64,
        },
        number: doc.number,
        issued: req.issued.clone(),
        assessment: RecordFile {
            file: record_name,
            sha256: record_sha256,
        },
    };
    let digest_path = digest_path(req.out);
    let text = assay_record::canonical::to_canonical(&digest)?;
    std::fs::write(&digest_path, text + "\n")
        .with_context(|| format!("cannot write {}", digest_path.display()))?;
    Ok(sha256)
}

/// `report.LANG.FORMAT` beside the record: where a report goes unless
/// told otherwise.
pub fn default_path(record: &Path, lang: Lang, format: Format) -> PathBuf {
    record.parent().unwrap_or(Path::new(".")).join(format!(
        "report.{}.{}",
        lang.tag(),
        format.extension()
    ))
}

/// Write the report of `record` in `lang` and `format` at its default
/// place (with the default number); returns where.
pub fn write_beside(
    record: &Path,
    lang: Lang,
    format: Format,
    issued: &str,
) -> anyhow::Result<PathBuf> {
    let out = default_path(record, lang, format);
    write(&Request {
        assessment: record,
        format,
        lang,
        out: &out,
        number: None,
        issued: issued.to_owned(),
    })?;
    Ok(out)
}

/// `report.pdf` → `report.pdf.json`.
pub fn digest_path(report: &Path) -> PathBuf {
    let mut name = report.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

/// `assay report`.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let format = match (args.format, &args.out) {
        (Some(FormatArg::Html), _) => Format::Html,
        (Some(FormatArg::Pdf), _) => Format::Pdf,
        (None, Some(out))
            if out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pdf")) =>
        {
            Format::Pdf
        }
        (None, _) => Format::Html,
    };
    let lang = Lang::from(args.lang);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_path(&args.assessment, lang, format));
    let issued = match &args.issued {
        Some(d) => d.clone(),
        None => default_issue_date()?,
    };
    let sha256 = write(&Request {
        assessment: &args.assessment,
        format,
        lang,
        out: &out,
        number: args.number.clone(),
        issued,
    })?;
    if crate::style::text() {
        println!(
            "wrote {} (SHA-256 {sha256}, in {})",
            out.display(),
            digest_path(&out).display()
        );
    }
    crate::style::result(&serde_json::json!({
        "report": out.display().to_string(),
        "sha256": sha256,
        "digest": digest_path(&out).display().to_string(),
        "lang": lang.tag(),
        "format": format.extension(),
    }))?;
    Ok(ExitCode::SUCCESS)
}
