//! The digest of every input that goes into a verdict, and the check that
//! no file changed while the assessment read it.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use assay_base::digest::{self, FileDigest};
use assay_record::assessment::{InputKind, InputRecord, InputRole};
use rayon::prelude::*;

use crate::assessment::AssessError;
use crate::plan::Source;

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
