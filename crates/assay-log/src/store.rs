//! The log's state on disk, so that a crash can never make it sign two
//! inconsistent checkpoints.
//!
//! - `entries`: every entry, appended as a big-endian 32-bit length and its
//!   bytes; never rewritten.
//! - `checkpoint`: the latest signed checkpoint, replaced atomically (written
//!   to a temporary file, synced, renamed, the folder synced).
//!
//! The order makes it safe: entries are synced before any checkpoint that
//! covers them is written, so every signed checkpoint covers entries that
//! are on disk, and as entries are only appended, each new tree extends the
//! last signed one. On opening, a torn record at the end (a crash in the
//! middle of an append that no checkpoint covers) is cut off; a checkpoint
//! whose root the entries on disk do not reproduce is an error, and the log
//! refuses to sign anything until it is resolved.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::merkle::leaf_hash;
use crate::note::{Checkpoint, NoteSigner, NoteVerifier, open};
use crate::tree::Tree;

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// The files disagree: the log must not sign until this is resolved.
    #[error("the log's state is inconsistent: {0}")]
    Inconsistent(String),
}

/// A log on disk.
pub struct Store {
    dir: PathBuf,
    file: File,
    entries: Vec<Vec<u8>>,
    tree: Tree,
    origin: String,
    checkpoint: Option<(Checkpoint, String)>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(path.to_path_buf(), e)
}

impl Store {
    /// Open (or create) the log in `dir`; `verifier` checks the stored checkpoint.
    pub fn open(dir: &Path, origin: &str, verifier: &NoteVerifier) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join("entries");
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io(&path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io(&path))?;
        let mut entries = Vec::new();
        let mut tree = Tree::new();
        let mut at = 0usize;
        while at + 4 <= bytes.len() {
            let len = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
                as usize;
            if at + 4 + len > bytes.len() {
                break;
            }
            let e = bytes[at + 4..at + 4 + len].to_vec();
            tree.push(leaf_hash(&e));
            entries.push(e);
            at += 4 + len;
        }
        if at < bytes.len() {
            // A torn append: cut it off (no checkpoint can cover it; checked below).
            file.set_len(at as u64).map_err(io(&path))?;
            file.sync_all().map_err(io(&path))?;
        }
        let cp_path = dir.join("checkpoint");
        let checkpoint = match std::fs::read_to_string(&cp_path) {
            Ok(note) => {
                let text = open(&note, std::slice::from_ref(verifier)).map_err(|e| {
                    StoreError::Inconsistent(format!("the stored checkpoint does not verify: {e}"))
                })?;
                let cp =
                    Checkpoint::parse(text).map_err(|e| StoreError::Inconsistent(e.to_string()))?;
                if cp.origin != origin {
                    return Err(StoreError::Inconsistent(format!(
                        "the checkpoint is for {:?}",
                        cp.origin
                    )));
                }
                if cp.size > tree.size() {
                    return Err(StoreError::Inconsistent(format!(
                        "the checkpoint covers {} entries but only {} are on disk",
                        cp.size,
                        tree.size()
                    )));
                }
                if tree.root(cp.size).ok() != Some(cp.root) {
                    return Err(StoreError::Inconsistent(
                        "the entries on disk do not give the checkpoint's root".into(),
                    ));
                }
                Some((cp, note))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(StoreError::Io(cp_path, e)),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            file,
            entries,
            tree,
            origin: origin.to_owned(),
            checkpoint,
        })
    }

    /// Append an entry (durable once a checkpoint is signed); its index.
    pub fn append(&mut self, entry: &[u8]) -> Result<u64, StoreError> {
        let path = self.dir.join("entries");
        let len = u32::try_from(entry.len())
            .map_err(|_| StoreError::Inconsistent("an entry over 4 GiB".into()))?;
        let mut record = len.to_be_bytes().to_vec();
        record.extend_from_slice(entry);
        self.file.write_all(&record).map_err(io(&path))?;
        self.entries.push(entry.to_vec());
        Ok(self.tree.push(leaf_hash(entry)))
    }

    /// Sync the entries, then sign and store a checkpoint of the whole tree.
    pub fn sign(&mut self, signer: &NoteSigner) -> Result<String, StoreError> {
        let path = self.dir.join("entries");
        self.file.sync_all().map_err(io(&path))?;
        let size = self.tree.size();
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size,
            root: self
                .tree
                .root(size)
                .map_err(|e| StoreError::Inconsistent(e.to_string()))?,
            extensions: Vec::new(),
        };
        let note = signer
            .sign(&cp.body())
            .map_err(|e| StoreError::Inconsistent(e.to_string()))?;
        let tmp = self.dir.join("checkpoint.tmp");
        let fin = self.dir.join("checkpoint");
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(note.as_bytes()).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &fin).map_err(io(&fin))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&self.dir))?;
        self.checkpoint = Some((cp, note.clone()));
        Ok(note)
    }

    /// The tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Entry `i`.
    pub fn entry(&self, i: u64) -> Option<&[u8]> {
        self.entries
            .get(usize::try_from(i).ok()?)
            .map(Vec::as_slice)
    }

    /// What a C2SP tlog-tiles read path serves, as of the latest signed
    /// checkpoint (never anything it does not cover): the checkpoint note, a
    /// tile's hashes, or an entry bundle. None for a path that does not exist
    /// (a partial tile wider than what exists, a partial one of a full tile
    /// is served: see [`crate::tiles::fits`]).
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        let (cp, note) = self.checkpoint.as_ref()?;
        match crate::tiles::ReadPath::parse(path)? {
            crate::tiles::ReadPath::Checkpoint => Some(note.as_bytes().to_vec()),
            crate::tiles::ReadPath::Tile {
                level,
                index,
                width,
            } => {
                let hashes = self.tree.tile(level, index, cp.size)?;
                crate::tiles::fits(width, hashes.len()).then(|| hashes[..width].concat())
            }
            crate::tiles::ReadPath::Entries { index, width } => {
                let start =
                    usize::try_from(crate::tiles::bundle_start(index, width, cp.size)?).ok()?;
                crate::tiles::bundle(self.entries[start..start + width].iter().map(Vec::as_slice))
            }
        }
    }

    /// The latest signed checkpoint and its note.
    pub fn checkpoint(&self) -> Option<&(Checkpoint, String)> {
        self.checkpoint.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::verify_consistency;

    fn keys() -> (NoteSigner, NoteVerifier) {
        let s = NoteSigner::new("assay.example/log", &[5; 32]).expect("signer");
        let v = s.verifier();
        (s, v)
    }

    /// A tile client: read the checkpoint and the level-0 tiles, check the
    /// entries hash to the tiles and the tiles to the signed root.
    #[test]
    fn tiles_and_bundles_rebuild_the_signed_tree() {
        let dir = std::env::temp_dir().join(format!("assay-log-tiles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (signer, verifier) = keys();
        let mut s = Store::open(&dir, "assay.example/log", &verifier).expect("open");
        for i in 0..600u32 {
            s.append(format!("envelope {i}").as_bytes())
                .expect("append");
        }
        assert_eq!(
            s.read("checkpoint"),
            None,
            "nothing is served before a checkpoint"
        );
        s.sign(&signer).expect("sign");
        s.append(b"after the checkpoint").expect("append");
        let note = String::from_utf8(s.read("checkpoint").expect("checkpoint")).expect("utf-8");
        let cp = Checkpoint::parse(open(&note, std::slice::from_ref(&verifier)).expect("verifies"))
            .expect("parses");
        assert_eq!(cp.size, 600);
        let mut leaves = Vec::new();
        for (index, width) in [(0u64, 256usize), (1, 256), (2, 88)] {
            let tile_path = crate::tiles::tile_path(0, index, width);
            let tile = s.read(&tile_path).expect("tile");
            assert_eq!(tile.len(), 32 * width);
            let bundle = s
                .read(&crate::tiles::entries_path(index, width))
                .expect("bundle");
            let mut at = 0;
            for k in 0..width {
                let len = usize::from(u16::from_be_bytes([bundle[at], bundle[at + 1]]));
                let entry = &bundle[at + 2..at + 2 + len];
                assert_eq!(leaf_hash(entry).as_slice(), &tile[32 * k..32 * k + 32]);
                at += 2 + len;
            }
            assert_eq!(at, bundle.len());
            leaves.extend(
                tile.chunks(32)
                    .map(|c| <[u8; 32]>::try_from(c).expect("32 bytes")),
            );
        }
        assert_eq!(
            crate::merkle::root(&leaves),
            cp.root,
            "the tiles give the signed root"
        );
        // Level 1: two complete nodes over 256 leaves (a partial tile of width 2).
        assert_eq!(s.read("tile/1/000.p/2").map(|t| t.len()), Some(64));
        // What the checkpoint does not cover is not served; wrong widths do not exist.
        assert_eq!(s.read("tile/0/002.p/89"), None);
        assert_eq!(s.read("tile/0/002"), None);
        assert_eq!(s.read("tile/entries/003.p/1"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_crash_mid_append_never_breaks_consistency() {
        let dir = std::env::temp_dir().join(format!("assay-log-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (signer, verifier) = keys();
        let mut checkpoints = Vec::new();
        {
            let mut s = Store::open(&dir, "assay.example/log", &verifier).expect("open");
            for i in 0..10u32 {
                s.append(format!("certificate {i}").as_bytes())
                    .expect("append");
            }
            s.sign(&signer).expect("sign");
            checkpoints.push(s.checkpoint().expect("checkpoint").0.clone());
            s.append(b"not yet signed").expect("append");
        }
        // A torn append: half a record at the end of the file.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join("entries"))
            .expect("entries");
        f.write_all(&[0, 0, 1, 0, b'x', b'y']).expect("write");
        drop(f);
        let mut s = Store::open(&dir, "assay.example/log", &verifier).expect("reopen");
        assert_eq!(
            s.tree().size(),
            11,
            "the torn record is cut off, the whole one kept"
        );
        for i in 0..5u32 {
            s.append(format!("after restart {i}").as_bytes())
                .expect("append");
        }
        s.sign(&signer).expect("sign");
        let (new, _) = s.checkpoint().expect("checkpoint").clone();
        let old = &checkpoints[0];
        let proof = s
            .tree()
            .consistency_proof(old.size, new.size)
            .expect("proof");
        assert_eq!(
            verify_consistency(old.size, new.size, &proof, &old.root, &new.root),
            Ok(())
        );
        // Entries that a checkpoint covers cannot vanish unnoticed.
        drop(s);
        let f = OpenOptions::new()
            .write(true)
            .open(dir.join("entries"))
            .expect("entries");
        f.set_len(20).expect("truncate");
        drop(f);
        let e = Store::open(&dir, "assay.example/log", &verifier)
            .err()
            .expect("refused");
        assert!(e.to_string().contains("covers 16 entries"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
