//! keycard's password hashing core: the argon2id (RFC 9106) tag under strictly bounded parameters,
//! so a hostile stored hash cannot make a server allocate gigabytes or spin for minutes, and the
//! check of bcrypt hashes for users migrating from bcrypt.
//!
//! PHC strings are parsed and written in TypeScript (`src/password/phc.ts`) for both backends;
//! this crate gets the parsed parameters. No napi here: the binding runs `hash::tag` and
//! `hash::verify_bcrypt` on the libuv thread pool.

pub mod error;
pub mod hash;
pub mod params;

pub use error::Error;
pub use hash::{tag, verify_bcrypt};
pub use params::{Limits, Params};
