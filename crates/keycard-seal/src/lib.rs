//! keycard's sealed values: data encrypted and authenticated with AES-256-GCM under a key derived
//! for one purpose, carrying the key id that sealed it and an expiry inside the ciphertext.
//! The byte layout is specified in docs/FORMATS.md ("Sealed value v1"); `format` holds it.
//! No napi here: the binding wraps `SealKeys` and `aead`.

pub mod aead;
pub mod error;
pub mod format;
pub mod keys;

pub use error::Error;
pub use format::Kind;
pub use keys::{Opened, SealKeys};
