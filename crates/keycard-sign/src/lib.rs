//! keycard's signing core: the byte-level work behind signed values, tokens and CSRF tokens.
//!
//! This crate knows nothing of napi or JavaScript. Formats (where the separator goes, what a
//! token header may contain) are parsed once, in the TypeScript layer shared by both backends;
//! this crate holds the keys and does the parts that must be constant-time or fast:
//! HMAC-SHA256 with precomputed key states, strict base64 decoding of tags, HKDF derivation
//! and OS randomness.

pub mod b64;
pub mod ct;
pub mod error;
pub mod keys;
pub mod mac;
pub mod random;

pub use error::Error;
