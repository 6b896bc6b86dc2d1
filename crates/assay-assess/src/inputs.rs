//! The digest of every input that goes into a verdict, the check that no
//! file changed while the assessment read it, and the re-digest of a
//! record's inputs that `assay certify` makes before it signs.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use assay_base::digest::{self, FileDigest};
use assay_record::assessment::{Assessment, InputKind, InputRecord, InputRole};
use rayon::prelude::*;

use crate::assessment::AssessError;
use crate::plan::{Plan, Source};

/// A file's size and modification time when it was digested.
struct Stamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Result<Stamp, AssessError> {
    let m = std::fs::metadata(path).map_err(|source| AssessError::Io {
        path: path.into(),
        source,
    })?;
    Ok(Stamp {
        path: path.into(),
        len: m.len(),
        modified: m.modified().ok(),
    })
}

/// The inputs digested so far, in record order, and the files to watch.
pub(crate) struct Inputs<'a> {
    source: &'a Source,
    pub(crate) records: Vec<InputRecord>,
    stamps: Vec<Stamp>,
}

impl<'a> Inputs<'a> {
    /// None digested yet; paths resolve against the plan's folder.
    pub(crate) fn new(source: &'a Source) -> Self {
        Self {
            source,
            records: Vec::new(),
            stamps: Vec::new(),
        }
    }

    /// Digest the file or folder the plan writes as `written`.
    pub(crate) fn digest(&mut self, role: InputRole, written: &str) -> Result<(), AssessError> {
        let path = self.source.resolve(written);
        let record = if path.is_dir() {
            digest_folder(&path, role, written)?
        } else {
            self.stamps.push(stamp(&path)?);
            digest_file(&path, role, written)?
        };
        self.records.push(record);
        Ok(())
    }

    /// Digest a file the assessment wrote itself (recorded as `written`).
    pub(crate) fn digest_written(
        &mut self,
        role: InputRole,
        path: &Path,
        written: &str,
    ) -> Result<(), AssessError> {
        self.records.push(digest_file(path, role, written)?);
        Ok(())
    }

    /// Record an input digested elsewhere.
    pub(crate) fn push(&mut self, record: InputRecord) {
        self.records.push(record);
    }

    /// Refuse the assessment if a file changed since it was digested.
    pub(crate) fn check_unchanged(&self) -> Result<(), AssessError> {
        for s in &self.stamps {
            let now = stamp(&s.path)?;
            if now.len != s.len || now.modified != s.modified {
                return Err(AssessError::Changed {
                    path: s.path.clone(),
                });
            }
        }
        Ok(())
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> AssessError + '_ {
    move |source| AssessError::Io {
        path: path.into(),
        source,
    }
}

fn digest_file(path: &Path, role: InputRole, written: &str) -> Result<InputRecord, AssessError> {
    let FileDigest { sha256, size } = digest::file(path).map_err(io(path))?;
    Ok(InputRecord {
        role,
        path: written.into(),
        kind: InputKind::File,
        sha256,
        size,
        files: None,
    })
}

fn digest_folder(path: &Path, role: InputRole, written: &str) -> Result<InputRecord, AssessError> {
    let (root, files) = crate::digest::folder(path).map_err(io(path))?;
    Ok(InputRecord {
        role,
        path: written.into(),
        kind: InputKind::Folder,
        sha256: root.sha256,
        size: root.size,
        files: Some(files.len() as u64),
    })
}

/// The images a manifest lists, as one input: SHA-256 of their `sha256sum`
/// listing in manifest order, named as the plan writes the manifest
/// (`written`; never the lab machine's absolute path).
pub(crate) fn listed_files(
    test_set: &assay_model::TestSet,
    written: &str,
) -> Result<InputRecord, AssessError> {
    let items = test_set
        .items()
        .map_err(|e| AssessError::Model(Box::new(e)))?;
    let digests: Vec<FileDigest> = items
        .par_iter()
        .map(|i| digest::file(&i.path).map_err(io(&i.path)))
        .collect::<Result<_, _>>()?;
    let mut listing = String::new();
    let mut size = 0;
    for (item, d) in items.iter().zip(&digests) {
        listing.push_str(&format!("{}  {}\n", d.sha256, item.id));
        size += d.size;
    }
    Ok(InputRecord {
        role: InputRole::TestImages,
        path: written.to_owned(),
        kind: InputKind::Files,
        sha256: digest::sha256_hex(listing.as_bytes()),
        size,
        files: Some(items.len() as u64),
    })
}

/// An input of a record whose bytes are no longer what the record says.
#[derive(Debug, Clone, PartialEq)]
pub struct InputMismatch {
    /// Its role (`test plan` for the plan itself).
    pub role: String,
    /// Its path as recorded.
    pub path: String,
    /// The recorded SHA-256.
    pub recorded: String,
    /// What it is now (None: it cannot be read).
    pub found: Option<String>,
}

/// Digest a record's inputs again, as `assay run` did: the plan at
/// `plan_path` (it must be the record's plan: same SHA-256) resolves their
/// paths, and the model's predictions are looked for in `record_dir`.
/// Returns every input whose digest differs or that cannot be read; an
/// empty list means every file is what the record says.
pub fn check_inputs(
    record: &Assessment,
    plan_path: &Path,
    record_dir: &Path,
) -> Result<Vec<InputMismatch>, AssessError> {
    let plan_bytes = std::fs::read(plan_path).map_err(io(plan_path))?;
    let plan_sha = digest::sha256_hex(&plan_bytes);
    if plan_sha != record.plan.sha256 {
        return Ok(vec![InputMismatch {
            role: "test plan".into(),
            path: plan_path.display().to_string(),
            recorded: record.plan.sha256.clone(),
            found: Some(plan_sha),
        }]);
    }
    let plan = Plan::load(plan_path)?;
    let mut out = Vec::new();
    for input in &record.inputs {
        let found = match input.kind {
            InputKind::Files => plan
                .model_run
                .as_ref()
                .and_then(|run| listed_files(&run.test_set, &run.test_set_written).ok())
                .map(|r| r.sha256),
            InputKind::File | InputKind::Folder => {
                let resolved = if input.role == InputRole::ModelPredictions {
                    record_dir.join(&input.path)
                } else {
                    plan.source.resolve(&input.path)
                };
                if resolved.is_dir() {
                    crate::digest::folder(&resolved)
                        .ok()
                        .map(|(root, _)| root.sha256)
                } else {
                    digest::file(&resolved).ok().map(|d| d.sha256)
                }
            }
        };
        if found.as_deref() != Some(input.sha256.as_str()) {
            out.push(InputMismatch {
                role: input.role.name().into(),
                path: input.path.clone(),
                recorded: input.sha256.clone(),
                found,
            });
        }
    }
    Ok(out)
}

/// Why a record's inputs are not what it says.
#[derive(Debug, thiserror::Error)]
pub enum Unchanged {
    /// The plan is not where the record says.
    #[error("the test plan {} is not there; name it with --plan", .0.display())]
    NoPlan(PathBuf),
    /// Files whose digests differ.
    #[error("files do not match their recorded digests:\n  {}", list(.0))]
    Changed(Vec<InputMismatch>),
    /// The plan or a file cannot be read.
    #[error(transparent)]
    Assess(#[from] AssessError),
}

fn list(mismatches: &[InputMismatch]) -> String {
    mismatches
        .iter()
        .map(|m| match &m.found {
            Some(f) => format!("{} {} (recorded {}, now {f})", m.role, m.path, m.recorded),
            None => format!(
                "{} {} (recorded {}, cannot be read)",
                m.role, m.path, m.recorded
            ),
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Check that every input of the record at `record_path` is what it says,
/// with `plan` (default: the record's plan file in the folder above the
/// record's).
pub fn unchanged(
    record: &Assessment,
    record_path: &Path,
    plan: Option<&Path>,
) -> Result<(), Unchanged> {
    let record_dir = record_path.parent().unwrap_or(Path::new("."));
    let plan = match plan {
        Some(p) => p.to_path_buf(),
        None => {
            let name = if record.plan.file.is_empty() {
                "assay.toml"
            } else {
                record.plan.file.as_str()
            };
            record_dir.parent().unwrap_or(Path::new(".")).join(name)
        }
    };
    if !plan.exists() {
        return Err(Unchanged::NoPlan(plan));
    }
    let mismatches = check_inputs(record, &plan, record_dir)?;
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(Unchanged::Changed(mismatches))
    }
}
