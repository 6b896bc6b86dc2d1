//! Model identity: the SHA-256 of a model file, or for a model directory the
//! manifest of the OpenSSF model-signing convention (v1.0, "files"
//! serialization): every file's SHA-256 under its relative POSIX path, in
//! path order, and a root digest = SHA-256 over the concatenated raw file
//! digests. The `.git`, `.gitattributes`, `.gitignore` and `.github` entries
//! at the top are left out, as that convention does.

use std::path::Path;

use assay_base::digest::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ModelError;

/// One file of a model directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Path relative to the directory, `/`-separated.
    pub name: String,
    /// Always `sha256`.
    pub algorithm: String,
    /// Hexadecimal digest.
    pub digest: String,
}

/// What the model under test is stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// One file, named by its SHA-256.
    File,
    /// A directory, named by its OpenSSF model-signing manifest root.
    Directory,
}

impl ModelKind {
    /// The name in the record: `file` or `directory`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::File => "file",
            ModelKind::Directory => "directory",
        }
    }
}

impl PartialEq<&str> for ModelKind {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// What identifies the model under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIdentity {
    /// The file or directory name.
    pub name: String,
    /// A file, or a directory named by its manifest root.
    pub kind: ModelKind,
    /// The file's SHA-256, or the directory's manifest root.
    pub sha256: String,
    /// A directory's files (empty for a file).
    pub resources: Vec<Resource>,
}

/// `path` relative to `root`, its components joined by `/` (the name a file
/// has in a test set, a manifest or a model directory on any system).
pub fn relative_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

const IGNORED: [&str; 4] = [".git", ".gitattributes", ".gitignore", ".github"];

fn file_digest(path: &Path) -> Result<[u8; 32], ModelError> {
    assay_base::digest::file_sha256(path)
        .map(|(sha256, _)| sha256)
        .map_err(|source| ModelError::Io {
            path: path.into(),
            source,
        })
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, std::path::PathBuf)>,
) -> Result<(), ModelError> {
    let io = |source| ModelError::Io {
        path: dir.into(),
        source,
    };
    for e in std::fs::read_dir(dir).map_err(io)? {
        let e = e.map_err(io)?;
        let path = e.path();
        let rel = relative_name(root, &path);
        if IGNORED.contains(&rel.as_str()) {
            continue;
        }
        let kind = e.file_type().map_err(io)?;
        if kind.is_symlink() {
            return Err(ModelError::Model {
                path: path.clone(),
                message: "a model directory may not hold symbolic links (the model-signing convention refuses them)".into(),
            });
        }
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else {
            out.push((rel, path));
        }
    }
    Ok(())
}

/// The identity of the model at `path` (a file or a directory).
pub fn identity(path: &Path) -> Result<ModelIdentity, ModelError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if !path.is_dir() {
        return Ok(ModelIdentity {
            name,
            kind: ModelKind::File,
            sha256: hex(&file_digest(path)?),
            resources: Vec::new(),
        });
    }
    let mut files = Vec::new();
    walk(path, path, &mut files)?;
    files.sort();
    let mut root = Sha256::new();
    let mut resources = Vec::with_capacity(files.len());
    for (rel, file) in files {
        let d = file_digest(&file)?;
        root.update(d);
        resources.push(Resource {
            name: rel,
            algorithm: "sha256".into(),
            digest: hex(&d),
        });
    }
    Ok(ModelIdentity {
        name,
        kind: ModelKind::Directory,
        sha256: hex(&root.finalize()),
        resources,
    })
}
