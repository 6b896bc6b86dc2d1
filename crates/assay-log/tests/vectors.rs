//! The published transparency-dev Merkle vectors (tests/vectors/): each is
//! verified (or rejected) as it says, and the proofs this crate generates
//! for the same trees are byte for byte the published ones.

use assay_log::merkle::{self, Hash};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).expect("vector")).expect("json")
}

/// A hash field; `None` when it is not 32 bytes (some vectors carry garbage on purpose).
fn hash(v: &Value) -> Option<Hash> {
    STANDARD.decode(v.as_str()?).ok()?.try_into().ok()
}

fn proof(v: &Value) -> Vec<Hash> {
    v["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| hash(h).expect("32 bytes"))
        .collect()
}

/// The eight leaves of the Certificate Transparency reference tests.
fn ct_leaves() -> Vec<Hash> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|hex| {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect();
        merkle::leaf_hash(&bytes)
    })
    .collect()
}

#[test]
fn inclusion_vectors() {
    for name in [
        "inclusion-happy-path.json",
        "inclusion-modified-proof-1-bit-3.json",
        "inclusion-wrong-leaf.json",
    ] {
        let v = load(name);
        let want_err = v["wantErr"].as_bool().expect("wantErr");
        let root = hash(&v["root"]).expect("root");
        let result = match hash(&v["leafHash"]) {
            Some(leaf) => merkle::verify_inclusion(
                v["leafIdx"].as_u64().expect("index"),
                v["treeSize"].as_u64().expect("size"),
                &leaf,
                &proof(&v),
                &root,
            ),
            None => Err(merkle::ProofError::Mismatch),
        };
        assert_eq!(result.is_err(), want_err, "{name}: {result:?}");
    }
}

#[test]
fn consistency_vectors() {
    for name in [
        "consistency-1-8-happy-path.json",
        "consistency-6-7-happy-path.json",
        "consistency-6-7-swapped-roots.json",
        "consistency-6-7-modified-proof-1-bit-4.json",
    ] {
        let v = load(name);
        let result = merkle::verify_consistency(
            v["size1"].as_u64().expect("size1"),
            v["size2"].as_u64().expect("size2"),
            &proof(&v),
            &hash(&v["root1"]).expect("root1"),
            &hash(&v["root2"]).expect("root2"),
        );
        assert_eq!(
            result.is_err(),
            v["wantErr"].as_bool().expect("wantErr"),
            "{name}: {result:?}"
        );
    }
}

#[test]
fn the_reference_tree_gives_the_published_roots_and_proofs() {
    let leaves = ct_leaves();
    let inc = load("inclusion-happy-path.json");
    assert_eq!(Some(merkle::root(&leaves)), hash(&inc["root"]));
    assert_eq!(Some(leaves[0]), hash(&inc["leafHash"]));
    assert_eq!(
        merkle::inclusion_proof(0, &leaves).expect("proof"),
        proof(&inc)
    );
    let c = load("consistency-6-7-happy-path.json");
    assert_eq!(Some(merkle::root(&leaves[..6])), hash(&c["root1"]));
    assert_eq!(Some(merkle::root(&leaves[..7])), hash(&c["root2"]));
    assert_eq!(
        merkle::consistency_proof(6, &leaves[..7]).expect("proof"),
        proof(&c)
    );
    let c = load("consistency-1-8-happy-path.json");
    assert_eq!(
        merkle::consistency_proof(1, &leaves).expect("proof"),
        proof(&c)
    );
    // The empty tree's root is SHA-256 of nothing.
    assert_eq!(
        merkle::empty_root()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}
