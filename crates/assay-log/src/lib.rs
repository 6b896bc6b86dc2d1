//! The transparency log of certificates (work in progress): the RFC 6962 /
//! RFC 9162 Merkle tree hashing, the generation and verification of
//! inclusion and consistency proofs ([`merkle`]), and C2SP signed notes with
//! tlog-checkpoint bodies ([`note`]). Tiles, persistence and the rule that
//! the log never signs two inconsistent checkpoints come next.
//!
//! No network, no HTTP: the registry serves what this crate computes.

pub mod merkle;
pub mod note;
pub mod store;
pub mod tiles;
pub mod tree;

pub use merkle::{Hash, ProofError, empty_root, leaf_hash, node_hash, root};
