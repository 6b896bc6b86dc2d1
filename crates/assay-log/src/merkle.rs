//! RFC 6962 / RFC 9162 (section 2.1) Merkle trees over SHA-256: leaf hashes
//! `SHA-256(0x00 ‖ data)`, interior nodes `SHA-256(0x01 ‖ left ‖ right)`, the
//! split at the largest power of two below the size; audit paths
//! (inclusion proofs) and consistency proofs, generated from the leaf hashes
//! and verified from a proof alone.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index or sizes cannot form a proof.
    #[error("invalid proof request: {0}")]
    Request(&'static str),
    /// The proof has the wrong number of hashes.
    #[error("the proof has {got} hashes; a proof for these sizes has {want}")]
    Length {
        /// Hashes given.
        got: usize,
        /// Hashes expected.
        want: usize,
    },
    /// The proof computes another root.
    #[error("the proof does not lead to the root")]
    Mismatch,
}

/// The hash of an empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The hash of a leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The root of the tree whose leaves have these hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The inclusion proof (audit path) of leaf `index` in the tree of `leaves`.
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Result<Vec<Hash>, ProofError> {
    if index >= leaves.len() {
        return Err(ProofError::Request("the index is not below the tree size"));
    }
    let mut out = Vec::new();
    path(index, leaves, &mut out);
    Ok(out)
}

fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
    if d.len() <= 1 {
        return;
    }
    let k = split(d.len());
    if m < k {
        path(m, &d[..k], out);
        out.push(root(&d[k..]));
    } else {
        path(m - k, &d[k..], out);
        out.push(root(&d[..k]));
    }
}

/// The consistency proof between the tree of the first `old_size` leaves
/// and the tree of all `leaves`.
pub fn consistency_proof(old_size: usize, leaves: &[Hash]) -> Result<Vec<Hash>, ProofError> {
    if old_size > leaves.len() {
        return Err(ProofError::Request("the old size exceeds the new size"));
    }
    let mut out = Vec::new();
    if old_size > 0 && old_size < leaves.len() {
        subproof(old_size, leaves, true, &mut out);
    }
    Ok(out)
}

fn subproof(m: usize, d: &[Hash], whole: bool, out: &mut Vec<Hash>) {
    let n = d.len();
    if m == n {
        if !whole {
            out.push(root(d));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &d[..k], whole, out);
        out.push(root(&d[k..]));
    } else {
        subproof(m - k, &d[k..], false, out);
        out.push(root(&d[..k]));
    }
}

/// Hashes in an inclusion proof for `index` in a tree of `size`.
fn inclusion_length(index: u64, size: u64) -> usize {
    let inner = (u64::BITS - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    inner + border
}

/// Check that the leaf with hash `leaf` is at `index` in the tree of
/// `size` leaves whose root is `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::Request("the index is not below the tree size"));
    }
    let want = inclusion_length(index, size);
    if proof.len() != want {
        return Err(ProofError::Length {
            got: proof.len(),
            want,
        });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::Mismatch);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && r == *root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Check that the tree of `size1` leaves with root `root1` is a prefix of
/// the tree of `size2` leaves with root `root2` (RFC 9162, 2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::Request(
            "the second tree is smaller than the first",
        ));
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::Length {
                got: proof.len(),
                want: 0,
            });
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if size1 == 0 {
        // Every tree extends the empty tree; there is nothing to prove.
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Length {
                got: proof.len(),
                want: 0,
            })
        };
    }
    // The proof's length follows from the sizes.
    let shift = size1.trailing_zeros();
    let inner = (u64::BITS - ((size1 - 1) ^ (size2 - 1)).leading_zeros()) as usize - shift as usize;
    let border = ((size1 - 1) >> (inner as u32 + shift)).count_ones() as usize;
    let want = inner + border + usize::from(!size1.is_power_of_two());
    if proof.len() != want {
        return Err(ProofError::Length {
            got: proof.len(),
            want,
        });
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(*root1);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::Mismatch);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && fr == *root1 && sr == *root2 {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn every_inclusion_proof_up_to_64_leaves_verifies_and_no_altered_one_does() {
        for n in 1..=64 {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = inclusion_proof(i, &l).expect("proof");
                assert_eq!(
                    verify_inclusion(i as u64, n as u64, &l[i], &p, &r),
                    Ok(()),
                    "n {n} i {i}"
                );
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0][0] ^= 1;
                    assert!(verify_inclusion(i as u64, n as u64, &l[i], &bad, &r).is_err());
                    assert!(
                        verify_inclusion(i as u64, n as u64, first, &p, &r).is_err()
                            || *first == l[i]
                    );
                }
                if n > 1 {
                    let j = (i + 1) % n;
                    assert!(
                        verify_inclusion(j as u64, n as u64, &l[i], &p, &r).is_err(),
                        "n {n} i {i} as {j}"
                    );
                }
                let mut short = p.clone();
                if short.pop().is_some() {
                    assert!(verify_inclusion(i as u64, n as u64, &l[i], &short, &r).is_err());
                }
            }
        }
    }

    #[test]
    fn every_consistency_proof_up_to_64_leaves_verifies_and_no_altered_one_does() {
        for n in 1..=64 {
            let l = leaves(n);
            let r2 = root(&l);
            for m in 0..=n {
                let r1 = root(&l[..m]);
                let p = consistency_proof(m, &l).expect("proof");
                assert_eq!(
                    verify_consistency(m as u64, n as u64, &p, &r1, &r2),
                    Ok(()),
                    "m {m} n {n}"
                );
                if !p.is_empty() {
                    let mut bad = p.clone();
                    let last = bad.len() - 1;
                    bad[last][31] ^= 0x80;
                    assert!(verify_consistency(m as u64, n as u64, &bad, &r1, &r2).is_err());
                }
                if m > 0 && m < n {
                    // Another first tree (one leaf changed) is not a prefix.
                    let mut other = l.clone();
                    other[m - 1] = leaf_hash(b"forged");
                    let forged = root(&other[..m]);
                    assert!(verify_consistency(m as u64, n as u64, &p, &forged, &r2).is_err());
                    assert!(verify_consistency(m as u64, n as u64, &p, &r2, &r1).is_err());
                }
            }
        }
    }
}
