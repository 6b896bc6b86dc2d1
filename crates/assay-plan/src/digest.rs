//! SHA-256 digests of the files that go into a verdict, and of folders (a
//! root over the sorted per-file digests).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// SHA-256 of some bytes, in hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A file's digest and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDigest {
    /// SHA-256, hexadecimal.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// Digest a file, streaming it.
pub fn file(path: &Path) -> std::io::Result<FileDigest> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok(FileDigest {
        sha256: hex(&hasher.finalize()),
        size,
    })
}

/// Every regular file under `root`, as (path relative to `root` with `/`
/// separators, full path), sorted by the relative path.
pub fn walk(root: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
                out.push((assay_model::relative_name(root, &path), path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A folder's files with their digests, and a root digest over them: SHA-256
/// of the lines `<sha256>  <relative path>\n` in path order (the format of
/// `sha256sum`), so that the root can be recomputed with standard tools.
pub fn folder(root: &Path) -> std::io::Result<(FileDigest, Vec<(String, FileDigest)>)> {
    use rayon::prelude::*;
    let files = walk(root)?;
    let digests: Vec<(String, FileDigest)> = files
        .par_iter()
        .map(|(rel, path)| file(path).map(|d| (rel.clone(), d)))
        .collect::<std::io::Result<_>>()?;
    let mut listing = String::new();
    let mut size = 0;
    for (rel, d) in &digests {
        listing.push_str(&d.sha256);
        listing.push_str("  ");
        listing.push_str(rel);
        listing.push('\n');
        size += d.size;
    }
    Ok((
        FileDigest {
            sha256: sha256_hex(listing.as_bytes()),
            size,
        },
        digests,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS 180-2 test vectors.
    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::write(&p, vec![b'a'; 1_000_000]).unwrap();
        assert_eq!(
            file(&p).unwrap().sha256,
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn folder_root_is_sha256sum_listing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        std::fs::write(dir.path().join("b/x.txt"), "abc").unwrap();
        std::fs::write(dir.path().join("a.txt"), "").unwrap();
        let (root, files) = folder(dir.path()).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].0, "a.txt");
        assert_eq!(files[1].0, "b/x.txt");
        let listing = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt\n\
                       ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b/x.txt\n";
        assert_eq!(root.sha256, sha256_hex(listing.as_bytes()));
        assert_eq!(root.size, 3);
    }
}
