//! Issuing a certificate: every refusal (a record that did not pass, ran
//! no model or was made by another lab; inputs or reports changed since;
//! a number used before), the sequence number per issuer and year, the
//! signed envelope written once. The record's re-derivation from its
//! inputs is the caller's (it needs the plan and the model runtime),
//! passed in as a function.

use std::path::{Path, PathBuf};

use assay_base::digest::sha256_hex;
use assay_record::Assessment;
use assay_record::certificate::{CitedReport, Recheck, Statement};
use assay_record::report::{REPORT_DIGEST_SCHEMA, ReportDigest};
use serde_json::Value;

use crate::certificate::{self, Issue};
use crate::keys::IssuerKey;
use crate::{CertError, Envelope};

/// What to certify, and how.
pub struct Request<'a> {
    /// The assessment record (`assessment.json`).
    pub record: &'a Path,
    /// The issuer's key.
    pub key: &'a IssuerKey,
    /// The key's file: the sequence numbers are kept beside it (`KEY.sequence`).
    pub key_path: &'a Path,
    /// The reports' digest files; none named: every `report.*.json` beside the record.
    pub reports: &'a [PathBuf],
    /// The certificate's sequence number in its year (default: the next one).
    pub sequence: Option<u64>,
    /// Issue date, YYYY-MM-DD.
    pub issued: &'a str,
    /// Days the certificate is valid.
    pub valid_days: u32,
    /// Where its status can be checked (default: the registry's page of the
    /// certificate, when it is to be logged in `log`).
    pub status_url: Option<String>,
    /// The registry the certificate will be logged in.
    pub log: Option<&'a str>,
    /// The folder the certificate is written to.
    pub out: &'a Path,
}

/// A certificate written.
pub struct Issued {
    /// Its number.
    pub number: String,
    /// Where it was written (`NUMBER.cert.json`).
    pub path: PathBuf,
    /// The SHA-256 of the file.
    pub sha256: String,
    /// The statement it signs.
    pub statement: Statement,
    /// Certificates already in the folder that rest on the same record
    /// (their numbers): issuing again is allowed, but worth a warning.
    pub earlier: Vec<String>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CertError + '_ {
    move |e| CertError::Io(path.display().to_string(), e)
}

/// Makes a record again from its inputs, given the record's bytes and the
/// record read from them; says how, or refuses.
pub type Rederive<'a> = dyn Fn(&[u8], &Assessment) -> Result<Recheck, CertError> + 'a;

/// Issue the certificate of `req.record`. `rederive` makes the record
/// again from its inputs (given the record's bytes, read) and refuses
/// what differs, saying how it checked; nothing is written when anything
/// is refused.
pub fn issue(req: &Request<'_>, rederive: &Rederive<'_>) -> Result<Issued, CertError> {
    let bytes = std::fs::read(req.record).map_err(io(req.record))?;
    let record = assay_record::read(&bytes)
        .map_err(|e| CertError::Record(format!("{}: {e}", req.record.display())))?;
    let record_sha = sha256_hex(&bytes);
    // Refuse a record that did not pass, ran no model, or was made by
    // another lab, before anything else is read or written.
    certificate::check(&record, req.key)?;
    let record_dir = req.record.parent().unwrap_or(Path::new("."));
    let reports = reports(req.reports, record_dir, &record_sha)?;
    let rederived = rederive(&bytes, &record)?;
    let sequence = match req.sequence {
        Some(n) => n,
        None => next_sequence(req.key_path, &req.issued[..4.min(req.issued.len())])?,
    };
    let number = certificate::number(&req.key.issuer, req.issued, sequence);
    if let Some(problem) = certificate::number_problem(&number, &req.key.issuer, req.issued) {
        return Err(CertError::Refused(format!(
            "{}: {problem}",
            req.key_path.display()
        )));
    }
    let status_url = req.status_url.clone().or_else(|| {
        req.log
            .map(|u| format!("{}/certificates/{number}", u.trim_end_matches('/')))
    });
    let statement = certificate::statement(&Issue {
        record: &record,
        record_sha256: record_sha,
        record_size: bytes.len() as u64,
        key: req.key,
        sequence,
        issued: req.issued.to_owned(),
        valid_days: req.valid_days,
        reports,
        status_url,
        rederived: Some(rederived),
    })?;
    let envelope: Envelope = certificate::sign(statement.to_bytes(), req.key)?;
    std::fs::create_dir_all(req.out).map_err(io(req.out))?;
    let earlier = earlier_certificates(req.out, &statement.predicate.assessment.sha256);
    let path = req.out.join(format!("{number}.cert.json"));
    let cert_bytes = serde_json::to_vec_pretty(&envelope.to_json())?;
    write_new(&path, &cert_bytes).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CertError::Refused(format!(
            "{} exists: certificate numbers are never reused",
            path.display()
        )),
        _ => CertError::Io(path.display().to_string(), e),
    })?;
    Ok(Issued {
        number,
        sha256: sha256_hex(&cert_bytes),
        path,
        statement,
        earlier,
    })
}

/// The numbers of the certificates in `folder` whose statement rests on the
/// record with SHA-256 `record_sha`, in name order. A file that is not a
/// readable certificate is not one of them.
fn earlier_certificates(folder: &Path, record_sha: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".cert.json"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|f| {
            let envelope = Envelope::parse(&std::fs::read(f).ok()?).ok()?;
            let statement = Statement::from_bytes(&envelope.payload).ok()?;
            (statement.predicate.assessment.sha256 == record_sha)
                .then(|| statement.number().to_owned())
        })
        .collect()
}

/// Write a file that must not exist yet.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The report digest files to certify: those named, or every
/// `report.*.json` beside the record; each must rest on this record and
/// its report must still be what it says. Their `report` parts.
fn reports(
    named: &[PathBuf],
    record_dir: &Path,
    record_sha: &str,
) -> Result<Vec<CitedReport>, CertError> {
    let files = if named.is_empty() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(record_dir)
            .map_err(io(record_dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("report.") && n.ends_with(".json"))
            })
            .collect();
        found.sort();
        found
    } else {
        named.to_vec()
    };
    files
        .iter()
        .map(|f| {
            let d = report_digest(f)?;
            if d.assessment.sha256 != record_sha {
                return Err(CertError::Refused(format!(
                    "{} was written from another assessment record",
                    f.display()
                )));
            }
            let report = f.parent().unwrap_or(Path::new(".")).join(&d.report.file);
            let bytes = std::fs::read(&report).map_err(|e| {
                CertError::Io(format!("the report {}", report.display()), e)
            })?;
            if sha256_hex(&bytes) != d.report.sha256 {
                return Err(CertError::Refused(format!(
                    "the report {} does not match its recorded SHA-256 (changed after it was written)",
                    report.display()
                )));
            }
            Ok(CitedReport::of(&d))
        })
        .collect()
}

/// Read a report's digest file.
fn report_digest(path: &Path) -> Result<ReportDigest, CertError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        CertError::Record(format!(
            "{}:{}:{}: not a report digest file: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if value.get("schema").and_then(Value::as_str) != Some(REPORT_DIGEST_SCHEMA) {
        return Err(CertError::Record(format!(
            "{}: not a report digest file ({REPORT_DIGEST_SCHEMA})",
            path.display()
        )));
    }
    assay_record::from_value(value)
        .map_err(|e| CertError::Record(format!("{}: {e}", path.display())))
}

/// The next sequence number of `year` for the key at `key`, recorded in
/// `KEY.sequence` (lines `YEAR LAST`; a new year starts at 1). A sequence
/// file that exists but cannot be read or holds a line that is not
/// `YEAR NUMBER` is an error, never a restart at 1 (which would reuse
/// certificate numbers).
pub fn next_sequence(key: &Path, year: &str) -> Result<u64, CertError> {
    let mut counter = key.as_os_str().to_owned();
    counter.push(".sequence");
    let counter = PathBuf::from(counter);
    let text = match std::fs::read_to_string(&counter) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(CertError::Io(counter.display().to_string(), e)),
    };
    let mut last = 0;
    let mut lines = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let parsed = line
            .split_once(' ')
            .and_then(|(y, n)| Some((y, n.trim().parse::<u64>().ok()?)));
        let Some((y, n)) = parsed else {
            return Err(CertError::Record(format!(
                "{}:{}: expected YEAR NUMBER, not {line:?}; fix the line or name the number with --sequence",
                counter.display(),
                i + 1
            )));
        };
        if y == year {
            last = last.max(n);
        } else {
            lines.push(line.to_owned());
        }
    }
    let next = last + 1;
    lines.push(format!("{year} {next}"));
    std::fs::write(&counter, lines.join("\n") + "\n").map_err(io(&counter))?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_count_per_year_and_refuse_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("LAB.key");
        assert_eq!(next_sequence(&key, "2026").unwrap(), 1);
        assert_eq!(next_sequence(&key, "2026").unwrap(), 2);
        assert_eq!(next_sequence(&key, "2027").unwrap(), 1);
        assert_eq!(next_sequence(&key, "2026").unwrap(), 3);
        let seq = dir.path().join("LAB.key.sequence");
        std::fs::write(&seq, "2026 3\ngarbage\n").unwrap();
        let e = next_sequence(&key, "2026").unwrap_err();
        assert!(e.to_string().contains("LAB.key.sequence:2"), "{e}");
        assert_eq!(std::fs::read_to_string(&seq).unwrap(), "2026 3\ngarbage\n");
    }
}
