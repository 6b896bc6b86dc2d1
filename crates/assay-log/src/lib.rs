//! The transparency log of certificates (work in progress): the RFC 6962 /
//! RFC 9162 Merkle tree hashing, and the generation and verification of
//! inclusion and consistency proofs. Signed checkpoints, tiles and storage
//! come next.
//!
//! No network, no HTTP: the registry serves what this crate computes.

pub mod merkle;

pub use merkle::{Hash, ProofError, empty_root, leaf_hash, node_hash, root};
