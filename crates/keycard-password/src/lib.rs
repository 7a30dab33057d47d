//! keycard's password hashing: argon2id (RFC 9106) in PHC strings, with strictly parsed and
//! bounded parameters so a hostile stored hash cannot make a server allocate gigabytes or spin for
//! minutes, plus verification of bcrypt hashes for users migrating from bcrypt.
//! No napi here: the binding runs `hash` and `verify` on the libuv thread pool.

pub mod error;
pub mod hash;
pub mod params;
pub mod phc;

pub use error::Error;
pub use hash::{hash, needs_rehash, verify, Verified};
pub use params::{Limits, Params};
