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

/// Bounds for parameters (the TS layer's `PasswordLimits`, applied there first). Defaults are
/// the TS layer's too: generous for real configurations and small enough that one hostile hash
/// costs at most ~256 MiB and a bounded time.
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

// Hard ceilings, applied whatever `Limits` say (even `u32::MAX`), so that no input from JS can
// make the core attempt an allocation or a run that takes the process down. The TypeScript layer
// applies the same numbers (src/password/phc.ts, CEILINGS), so both backends refuse alike.

/// Lanes are 1..=2^24-1 in RFC 9106; keycard caps them at 255 whatever the limits say.
pub const MAX_LANES: u32 = 255;
/// 2^21 KiB = 2 GiB: RFC 9106 §4's first recommended option, the largest memory any guidance
/// asks for. Far above it lies only hostile input (m = 2^32-1 KiB is 4 TiB).
pub const MAX_MEMORY_KIB: u32 = 1 << 21;
/// 2^10 passes: recommendations stop near 10 (RFC 9106 §4: 1 or 3; OWASP: 2 to 5); 1024 leaves
/// a hundredfold headroom while bounding one hash at 2 GiB to minutes, not days.
pub const MAX_PASSES: u32 = 1 << 10;
/// bcrypt's own maximum cost (2^31 rounds).
pub const MAX_BCRYPT_COST: u32 = 31;

impl Limits {
    /// The hard ceilings as limits: what the binding applies when the caller's limits were
    /// already applied in TypeScript.
    pub const CEILINGS: Limits = Limits {
        max_m: MAX_MEMORY_KIB,
        max_t: MAX_PASSES,
        max_p: MAX_LANES,
        max_password_len: usize::MAX,
        max_bcrypt_cost: MAX_BCRYPT_COST,
    };
}

impl Params {
    pub fn check(&self, limits: &Limits) -> Result<()> {
        let lanes_ok = self.p >= 1 && self.p <= MAX_LANES.min(limits.max_p);
        // m >= 8 p is required by RFC 9106 §3.1 (in u64: 8 p overflows u32 for p >= 2^29).
        let memory_ok = u64::from(self.m) >= 8 * u64::from(self.p) && self.m <= MAX_MEMORY_KIB.min(limits.max_m);
        let passes_ok = self.t >= 1 && self.t <= MAX_PASSES.min(limits.max_t);
        let salt_ok = (MIN_SALT_LEN..=MAX_SALT_LEN).contains(&self.salt_len);
        let tag_ok = (MIN_TAG_LEN..=MAX_TAG_LEN).contains(&self.tag_len);
        if lanes_ok && memory_ok && passes_ok && salt_ok && tag_ok {
            Ok(())
        } else {
            Err(Error::ParamsOutOfRange)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: Params = Params {
        m: 64,
        t: 1,
        p: 1,
        salt_len: 16,
        tag_len: 32,
    };

    /// Limits that lift every bound: only the hard ceilings remain.
    const UNBOUNDED: Limits = Limits {
        max_m: u32::MAX,
        max_t: u32::MAX,
        max_p: u32::MAX,
        max_password_len: usize::MAX,
        max_bcrypt_cost: u32::MAX,
    };

    #[test]
    fn hard_ceilings_hold_whatever_the_limits() {
        for limits in [UNBOUNDED, Limits::CEILINGS] {
            let at = |m, t, p| Params { m, t, p, ..OK }.check(&limits);
            assert_eq!(at(MAX_MEMORY_KIB, 1, 1), Ok(()));
            assert_eq!(at(MAX_MEMORY_KIB + 1, 1, 1), Err(Error::ParamsOutOfRange));
            assert_eq!(at(u32::MAX, 1, 1), Err(Error::ParamsOutOfRange));
            assert_eq!(at(64, MAX_PASSES, 1), Ok(()));
            assert_eq!(at(64, MAX_PASSES + 1, 1), Err(Error::ParamsOutOfRange));
            assert_eq!(at(64, u32::MAX, 1), Err(Error::ParamsOutOfRange));
            assert_eq!(at(8 * 255, 1, MAX_LANES), Ok(()));
            assert_eq!(at(u32::MAX, 1, MAX_LANES + 1), Err(Error::ParamsOutOfRange));
            // 8 p does not overflow (a debug build would panic, a release build wrap).
            assert_eq!(at(u32::MAX, 1, u32::MAX), Err(Error::ParamsOutOfRange));
            assert_eq!(at(0, 1, 1 << 29), Err(Error::ParamsOutOfRange));
        }
    }

    #[test]
    fn limits_lower_the_bounds_below_the_ceilings() {
        let limits = Limits::default();
        assert_eq!(Params { m: 262_144, ..OK }.check(&limits), Ok(()));
        assert_eq!(Params { m: 262_145, ..OK }.check(&limits), Err(Error::ParamsOutOfRange));
        assert_eq!(Params { t: 17, ..OK }.check(&limits), Err(Error::ParamsOutOfRange));
    }
}
