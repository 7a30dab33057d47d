//! argon2id parameters and the limits every stored hash is checked against before any work.

use crate::error::{Error, Result};

/// m (KiB), t (passes), p (lanes), salt and tag lengths in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub m: u32,
    pub t: u32,
    pub p: u32,
    pub salt_len: usize,
    pub tag_len: usize,
}

impl Params {
    /// OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 passes, 1 lane.
    pub const OWASP: Params = Params {
        m: 19_456,
        t: 2,
        p: 1,
        salt_len: 16,
        tag_len: 32,
    };
}

/// Bounds for parameters read from stored hashes (and for options). Defaults are generous for
/// real configurations and small enough that one hostile hash costs at most ~256 MiB and a
/// bounded time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_m: u32,
    pub max_t: u32,
    pub max_p: u32,
    pub max_password_len: usize,
    /// Highest bcrypt cost accepted (each step doubles the time; 31 is hours).
    pub max_bcrypt_cost: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_m: 262_144,
            max_t: 16,
            max_p: 16,
            max_password_len: 4096,
            max_bcrypt_cost: 14,
        }
    }
}

/// RFC 9106 §3.1 bounds that no limit can lift.
pub const MIN_SALT_LEN: usize = 8;
pub const MAX_SALT_LEN: usize = 64;
pub const MIN_TAG_LEN: usize = 16;
pub const MAX_TAG_LEN: usize = 64;
/// Lanes are 1..=2^24-1 in RFC 9106; keycard caps them at 255 whatever the limits say.
pub const MAX_LANES: u32 = 255;

impl Params {
    pub fn check(&self, limits: &Limits) -> Result<()> {
        let lanes_ok = self.p >= 1 && self.p <= MAX_LANES.min(limits.max_p);
        // m >= 8 p is required by RFC 9106 §3.1.
        let memory_ok = self.m >= 8 * self.p && self.m <= limits.max_m;
        let passes_ok = self.t >= 1 && self.t <= limits.max_t;
        let salt_ok = (MIN_SALT_LEN..=MAX_SALT_LEN).contains(&self.salt_len);
        let tag_ok = (MIN_TAG_LEN..=MAX_TAG_LEN).contains(&self.tag_len);
        if lanes_ok && memory_ok && passes_ok && salt_ok && tag_ok {
            Ok(())
        } else {
            Err(Error::ParamsOutOfRange)
        }
    }
}
