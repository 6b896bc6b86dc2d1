//! The few helpers every Assay crate needs and none owns: lower-case hex,
//! SHA-256 of bytes and of files read in a stream, and calendar dates
//! (`YYYY-MM-DD`, RFC 3339 timestamps) without a time-zone database, and
//! text escaped for markup; the one signing interface (`sign::Signer`).
//!
//! Not here: anything with a meaning of its own (folder digests, model
//! identities, certificate numbers) — those live with their owners.
//!
//! ```
//! use assay_base::{date, digest};
//!
//! assert_eq!(
//!     digest::sha256_hex(b"abc"),
//!     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
//! );
//! assert_eq!(date::add_days("2028-02-28", 1).as_deref(), Some("2028-02-29"));
//! assert_eq!(date::parse("2026-02-30"), None);
//! ```

pub mod date;
pub mod digest;
pub mod sign;
pub mod text;
