//! An append-only Merkle tree that keeps every level, so that roots of
//! earlier sizes, inclusion and consistency proofs and tiles come from
//! stored nodes in O(log² n) hashes, without rehashing the leaves.

use crate::merkle::{Hash, ProofError, empty_root, node_hash};

/// The tree: `levels[h][i]` is the root of leaves `i·2^h .. (i+1)·2^h`
/// (only complete subtrees are stored).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// Leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Append a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let index = self.levels[0].len() as u64 - 1;
        let mut h = 0;
        // Complete every subtree this leaf closes.
        while self.levels[h].len().is_multiple_of(2) {
            let n = self.levels[h].len();
            let parent = node_hash(&self.levels[h][n - 2], &self.levels[h][n - 1]);
            if self.levels.len() == h + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[h + 1].push(parent);
            h += 1;
        }
        index
    }

    /// Drop every leaf from `size` on (undo appends that were never
    /// committed); a size above the tree's changes nothing.
    pub fn truncate(&mut self, size: u64) {
        for (h, level) in self.levels.iter_mut().enumerate() {
            level.truncate((size >> h) as usize);
        }
        while self.levels.last().is_some_and(Vec::is_empty) {
            self.levels.pop();
        }
    }

    /// The root of leaves `start .. start + len` (len ≥ 1), a subtree as the
    /// RFC's recursion forms them.
    fn subtree(&self, start: u64, len: u64) -> Hash {
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let h = len.trailing_zeros() as usize;
            return self.levels[h][(start / len) as usize];
        }
        let k = split(len);
        node_hash(&self.subtree(start, k), &self.subtree(start + k, len - k))
    }

    /// The root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size() {
            return Err(ProofError::Request("the size exceeds the tree"));
        }
        Ok(if size == 0 {
            empty_root()
        } else {
            self.subtree(0, size)
        })
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        if size > self.size() || index >= size {
            return Err(ProofError::Request(
                "the index must be below the size, and the size within the tree",
            ));
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Ok(out)
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.subtree(start, k));
        }
    }

    /// The consistency proof between sizes `old` and `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        if new > self.size() || old > new {
            return Err(ProofError::Request(
                "the sizes must be ordered and within the tree",
            ));
        }
        let mut out = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut out);
        }
        Ok(out)
    }

    fn subproof(&self, m: u64, start: u64, n: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !whole {
                out.push(self.subtree(start, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, whole, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.subtree(start, k));
        }
    }

    /// The hashes of tile `(level, index)` of the tree of `size` leaves
    /// (C2SP tlog-tiles, tile height 8): the stored nodes at tree level
    /// `8 · level`, from `256 · index`, as many as are complete (≤ 256).
    pub fn tile(&self, level: u32, index: u64, size: u64) -> Option<&[Hash]> {
        let h = 8 * level as usize;
        let complete = size.checked_shr(8 * level).unwrap_or(0);
        let first = index.checked_mul(256)?;
        if first >= complete || size > self.size() {
            return None;
        }
        let last = complete.min(first + 256);
        self.levels
            .get(h)
            .map(|l| &l[first as usize..last as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle;

    #[test]
    fn truncating_gives_the_tree_of_the_smaller_size() {
        let leaves: Vec<Hash> = (0..300u32)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect();
        for cut in [0u64, 1, 2, 3, 7, 8, 100, 255, 256, 257, 299, 300, 400] {
            let mut t = Tree::new();
            leaves.iter().for_each(|l| {
                t.push(*l);
            });
            t.truncate(cut);
            let n = cut.min(300);
            assert_eq!(t.size(), n);
            assert_eq!(
                t.root(n).expect("root"),
                merkle::root(&leaves[..n as usize])
            );
            // Appending again gives the same tree as never cutting.
            for l in &leaves[n as usize..] {
                t.push(*l);
            }
            assert_eq!(t.root(300).expect("root"), merkle::root(&leaves));
        }
    }

    #[test]
    fn the_stored_tree_gives_the_recursive_definitions_answers() {
        let leaves: Vec<Hash> = (0..70u32)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect();
        let mut t = Tree::new();
        for (i, l) in leaves.iter().enumerate() {
            assert_eq!(t.push(*l), i as u64);
        }
        for n in 0..=70usize {
            assert_eq!(t.root(n as u64), Ok(merkle::root(&leaves[..n])), "root {n}");
            for i in 0..n {
                assert_eq!(
                    t.inclusion_proof(i as u64, n as u64),
                    merkle::inclusion_proof(i, &leaves[..n]),
                    "inclusion {i} of {n}"
                );
            }
            for m in 0..=n {
                assert_eq!(
                    t.consistency_proof(m as u64, n as u64),
                    merkle::consistency_proof(m, &leaves[..n]),
                    "consistency {m} {n}"
                );
            }
        }
        assert!(t.root(71).is_err() && t.inclusion_proof(5, 5).is_err());
    }

    #[test]
    fn tiles_hold_the_complete_nodes_of_their_level() {
        let mut t = Tree::new();
        for i in 0..70_000u32 {
            t.push(merkle::leaf_hash(&i.to_be_bytes()));
        }
        // Level 0, tile 0: the first 256 leaf hashes.
        let tile = t.tile(0, 0, 70_000).expect("tile");
        assert_eq!(tile.len(), 256);
        assert_eq!(tile[5], merkle::leaf_hash(&5u32.to_be_bytes()));
        // Level 1: nodes over 256 leaves; 70,000 / 256 = 273 complete ones.
        assert_eq!(t.tile(1, 0, 70_000).expect("tile").len(), 256);
        let partial = t.tile(1, 1, 70_000).expect("partial tile");
        assert_eq!(partial.len(), 273 - 256);
        assert_eq!(partial[0], t.subtree(256 * 256, 256));
        // Level 2: nodes over 65,536 leaves; one is complete.
        assert_eq!(t.tile(2, 0, 70_000).expect("tile").len(), 1);
        assert!(t.tile(1, 2, 70_000).is_none());
        // A smaller tree's tile ends where that tree does.
        assert_eq!(t.tile(0, 0, 100).expect("tile").len(), 100);
    }
}
