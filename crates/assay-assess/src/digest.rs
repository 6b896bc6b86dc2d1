//! SHA-256 digests of the files that go into a verdict, and of folders (a
//! root over the sorted per-file digests).

use std::path::{Path, PathBuf};

pub use assay_base::digest::{FileDigest, file, hex, sha256_hex};

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
