//! The argon2id tag and the bcrypt check. Both run for tens of milliseconds by design, so the
//! binding calls them from the libuv thread pool, never on the JS thread.
//!
//! Stored hashes are read, bounded and written in TypeScript (`src/password/phc.ts`, the one PHC
//! parser, for both backends); the binding hands this crate parsed parameters, a salt and a
//! password, and gets the raw tag back (or a bcrypt hash to check, whose cost is read again here).

use std::cell::RefCell;

use argon2_rust::params::{Memory, TagLen};
use argon2_rust::{Algorithm, Argon2, Hasher, Version};

use crate::error::{Error, Result};
use crate::params::{Limits, Params, MAX_BCRYPT_COST};

/// argon2id v=19 at m KiB, t passes, p lanes, with a `tag_len`-byte tag. Any parameter the
/// implementation refuses is ParamsOutOfRange, like one above keycard's own bounds.
fn argon2id(m: u32, t: u32, p: u32, tag_len: usize) -> Result<Argon2> {
    let params = argon2_rust::Params::builder()
        .memory(Memory::kib(u64::from(m)))
        .passes(t)
        .lanes(p)
        // Lanes are filled one after the other on the calling thread: the binding already runs
        // on the libuv pool, and a hash spawning up to 255 threads of its own (the crate's
        // `parallel` feature, if anything in the build turned it on) would starve that pool.
        .threads(1)
        .tag_len(TagLen::bytes(tag_len as u64))
        .build()
        .map_err(|_| Error::ParamsOutOfRange)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Memory above this many KiB is allocated for its one hash and freed, not kept per thread.
const MAX_KEPT_KIB: u32 = 65_536;

thread_local! {
    /// One argon2 arena per thread (the libuv pool has a handful), kept between hashes: mapping
    /// 19 MiB afresh costs a page fault per 4 KiB page, about a fifth of an OWASP-sized hash.
    /// Keeping it is safe because argon2_rust wipes the arena before each call returns (success,
    /// error or unwind alike), so between hashes it holds zeros, never password-derived blocks;
    /// the wipe also stands in for the zeroing a fresh mapping would get. It is released, wiped,
    /// when the thread exits. It only ever grows to MAX_KEPT_KIB (larger memory is not kept).
    static HASHER: RefCell<Option<Hasher>> = const { RefCell::new(None) };
}

/// argon2id of `password` into `out` (with `secret` and associated data `ad`, usually empty),
/// reusing this thread's arena when `m` is small enough. `m` must be within the hard ceilings.
fn compute(
    argon: Argon2,
    m: u32,
    password: &[u8],
    salt: &[u8],
    secret: &[u8],
    ad: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let result = if m > MAX_KEPT_KIB {
        // A private arena, wiped and freed inside this call.
        argon.hash_into_with_ad(password, salt, secret, ad, out)
    } else {
        HASHER.with(|cell| {
            let mut slot = cell.borrow_mut();
            let hasher = slot.get_or_insert_with(|| argon.hasher());
            // Same arena, these parameters: it grows (fallibly) if `m` needs more blocks.
            hasher.set_argon2(argon);
            hasher.hash_into_with_ad(password, salt, secret, ad, out)
        })
    };
    // Allocation failures included: memory that cannot be had is an error, never an abort.
    result.map_err(|_| Error::ParamsOutOfRange)
}

fn check_password(password: &[u8], limits: &Limits) -> Result<()> {
    if password.len() > limits.max_password_len {
        return Err(Error::ParamsOutOfRange);
    }
    Ok(())
}

/// The argon2id tag of `password` under `params` with `salt` (of `params.salt_len` bytes).
pub fn tag(password: &[u8], salt: &[u8], params: &Params, pepper: Option<&[u8]>, limits: &Limits) -> Result<Vec<u8>> {
    check_password(password, limits)?;
    params.check(limits)?;
    if salt.len() != params.salt_len {
        return Err(Error::ParamsOutOfRange);
    }
    let argon = argon2id(params.m, params.t, params.p, params.tag_len)?;
    let mut out = vec![0u8; params.tag_len];
    compute(
        argon,
        params.m,
        password,
        salt,
        pepper.unwrap_or_default(),
        &[],
        &mut out,
    )?;
    Ok(out)
}

/// Raw argon2id (v=19) with secret and associated data, for the RFC 9106 §5.3 vector only.
/// Bounded by the hard ceilings like every other entry point: it is reachable from JS too.
#[allow(clippy::too_many_arguments)]
pub fn raw(
    password: &[u8],
    salt: &[u8],
    secret: &[u8],
    ad: &[u8],
    m: u32,
    t: u32,
    p: u32,
    tag_len: usize,
) -> Result<Vec<u8>> {
    Params {
        m,
        t,
        p,
        salt_len: salt.len(),
        tag_len,
    }
    .check(&Limits::CEILINGS)?;
    let argon = argon2id(m, t, p, tag_len)?;
    let mut out = vec![0u8; tag_len];
    compute(argon, m, password, salt, secret, ad, &mut out)?;
    Ok(out)
}

/// Whether `password` matches a bcrypt hash as bcrypt, bcryptjs and PHP write them (`$2a$`,
/// `$2b$`, `$2y$`, cost, 53 characters), cost within `limits` and bcrypt's own maximum.
pub fn verify_bcrypt(stored: &str, password: &[u8], limits: &Limits) -> Result<bool> {
    let bytes = stored.as_bytes();
    if bytes.len() != 60 || bytes[6] != b'$' || !bytes[4..6].iter().all(u8::is_ascii_digit) {
        return Err(Error::BadFormat);
    }
    let cost = u32::from(bytes[4] - b'0') * 10 + u32::from(bytes[5] - b'0');
    if !(4..=MAX_BCRYPT_COST.min(limits.max_bcrypt_cost)).contains(&cost) {
        return Err(Error::ParamsOutOfRange);
    }
    // bcrypt reads at most 72 bytes of password, like every bcrypt implementation it must match.
    bcrypt::verify(password, stored).map_err(|_| Error::BadFormat)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Params = Params {
        m: 64,
        t: 1,
        p: 1,
        salt_len: 16,
        tag_len: 32,
    };

    #[test]
    fn tags_depend_on_password_salt_params_and_pepper() {
        let limits = Limits::default();
        let base = tag(b"hunter2", &[1u8; 16], &FAST, None, &limits).unwrap();
        assert_eq!(base.len(), FAST.tag_len);
        assert_eq!(tag(b"hunter2", &[1u8; 16], &FAST, None, &limits).unwrap(), base);
        assert_ne!(tag(b"hunter3", &[1u8; 16], &FAST, None, &limits).unwrap(), base);
        assert_ne!(tag(b"hunter2", &[2u8; 16], &FAST, None, &limits).unwrap(), base);
        assert_ne!(
            tag(b"hunter2", &[1u8; 16], &Params { t: 2, ..FAST }, None, &limits).unwrap(),
            base
        );
        let peppered = tag(b"hunter2", &[1u8; 16], &FAST, Some(b"pepper"), &limits).unwrap();
        assert_ne!(peppered, base);
        // The salt given must be as long as the parameters say.
        assert_eq!(
            tag(b"hunter2", &[1u8; 15], &FAST, None, &limits),
            Err(Error::ParamsOutOfRange)
        );
    }

    #[test]
    fn bcrypt_hashes_verify_within_their_cost_bound() {
        let limits = Limits::default();
        let stored = bcrypt::hash_with_salt("hunter2", 4, [7u8; 16])
            .unwrap()
            .format_for_version(bcrypt::Version::TwoB);
        assert_eq!(verify_bcrypt(&stored, b"hunter2", &limits), Ok(true));
        assert_eq!(verify_bcrypt(&stored, b"hunter3", &limits), Ok(false));
        let expensive = stored.replacen("$04$", "$31$", 1);
        assert_eq!(verify_bcrypt(&expensive, b"x", &limits), Err(Error::ParamsOutOfRange));
        assert_eq!(verify_bcrypt("$2b$04$short", b"x", &limits), Err(Error::BadFormat));
    }

    #[test]
    fn parameters_above_the_hard_ceilings_are_refused_whatever_the_limits() {
        // Limits lifted entirely, as the binding could be called: the ceilings still hold, and
        // nothing is allocated (m = 2^32-1 KiB would be 4 TiB; an abort if attempted).
        let unbounded = Limits {
            max_m: u32::MAX,
            max_t: u32::MAX,
            max_p: u32::MAX,
            max_password_len: usize::MAX,
            max_bcrypt_cost: u32::MAX,
        };
        for (m, t, p) in [
            (u32::MAX, 1, 1),
            ((1 << 21) + 1, 1, 1),
            (64, u32::MAX, 1),
            (u32::MAX, 1, u32::MAX),
        ] {
            let params = Params { m, t, p, ..FAST };
            assert_eq!(
                tag(b"pw", &[1u8; 16], &params, None, &unbounded),
                Err(Error::ParamsOutOfRange),
                "m={m} t={t} p={p}"
            );
            assert_eq!(
                raw(b"pw", &[1u8; 16], b"", b"", m, t, p, 32),
                Err(Error::ParamsOutOfRange),
                "raw m={m} t={t} p={p}"
            );
        }
        // bcrypt's own maximum cost holds too.
        let bcrypt32 = bcrypt::hash_with_salt("pw", 4, [7u8; 16])
            .unwrap()
            .format_for_version(bcrypt::Version::TwoB)
            .replacen("$04$", "$32$", 1);
        assert_eq!(
            verify_bcrypt(&bcrypt32, b"pw", &unbounded),
            Err(Error::ParamsOutOfRange)
        );
    }

    /// The same tag from a private arena (a fresh one per call) as from this thread's kept one.
    fn private_tag(password: &[u8], salt: &[u8], params: &Params, pepper: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; params.tag_len];
        argon2id(params.m, params.t, params.p, params.tag_len)
            .unwrap()
            .hash_into_with_ad(password, salt, pepper, &[], &mut out)
            .unwrap();
        out
    }

    #[test]
    fn the_kept_arena_gives_the_tags_of_a_fresh_one_whatever_came_before() {
        let limits = Limits::CEILINGS;
        // Growing, shrinking, several lanes, a pepper, and one run above MAX_KEPT_KIB (a private
        // arena) in between: a kept arena that leaked anything from the hash before, or was sized
        // by an earlier m, would change a tag here.
        let runs: [(Params, &[u8]); 6] = [
            (Params { m: 256, ..FAST }, b""),
            (Params { m: 4096, t: 2, ..FAST }, b""),
            (Params { m: 64, ..FAST }, b"pepper"),
            (
                Params {
                    m: MAX_KEPT_KIB + 8,
                    ..FAST
                },
                b"",
            ),
            (
                Params {
                    m: 1024,
                    p: 4,
                    tag_len: 64,
                    ..FAST
                },
                b"",
            ),
            (Params { m: 256, ..FAST }, b""),
        ];
        for (i, (params, pepper)) in runs.iter().enumerate() {
            let password = format!("password {i}");
            let pepper = (!pepper.is_empty()).then_some(*pepper);
            let kept = tag(password.as_bytes(), &[9u8; 16], params, pepper, &limits).unwrap();
            assert_eq!(
                kept,
                private_tag(password.as_bytes(), &[9u8; 16], params, pepper.unwrap_or_default()),
                "run {i}: {params:?}"
            );
        }
        // The arena kept is the largest m at or under MAX_KEPT_KIB, never the larger run's.
        let kept_blocks = HASHER.with(|cell| cell.borrow().as_ref().map(Hasher::reserved_blocks));
        assert_eq!(kept_blocks, Some(4096));
    }

    #[test]
    fn over_long_passwords_are_refused_before_hashing() {
        let limits = Limits::default();
        let long = vec![b'a'; limits.max_password_len + 1];
        assert_eq!(
            tag(&long, &[1u8; 16], &FAST, None, &limits),
            Err(Error::ParamsOutOfRange)
        );
    }
}
