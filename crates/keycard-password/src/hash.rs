//! The argon2id tag and the bcrypt check. Both run for tens of milliseconds by design, so the
//! binding calls them from the libuv thread pool, never on the JS thread.
//!
//! Stored hashes are read, bounded and written in TypeScript (`src/password/phc.ts`, the one PHC
//! parser, for both backends); the binding hands this crate parsed parameters, a salt and a
//! password, and gets the raw tag back (or a bcrypt hash to check, whose cost is read again here).

use argon2::{Algorithm, Argon2, Version};
use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::params::{Limits, Params, MAX_BCRYPT_COST};

fn argon2id<'k>(params: &Params, pepper: Option<&'k [u8]>) -> Result<Argon2<'k>> {
    let raw =
        argon2::Params::new(params.m, params.t, params.p, Some(params.tag_len)).map_err(|_| Error::ParamsOutOfRange)?;
    match pepper {
        Some(secret) => Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, raw),
        None => Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, raw)),
    }
    .map_err(|_| Error::ParamsOutOfRange)
}

thread_local! {
    /// Argon2 memory, kept per thread (the libuv pool has a handful) between hashes. Freshly
    /// mapped pages cost a page fault each: for 19 MiB that is ~40% of a hash, which is why
    /// @node-rs/argon2 links mimalloc. Reusing the buffer gets the same without a global
    /// allocator; it is wiped after every use so no password-derived block outlives its hash.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Buffers above this many KiB are allocated per call and freed, not kept per thread.
const MAX_KEPT_KIB: u32 = 65_536;

/// Grows `blocks` to at least `count` blocks (1 KiB each), or fails with ParamsOutOfRange when the
/// memory cannot be had. A plain `resize` would abort the whole process (Node with it) on failure,
/// and no `catch_unwind` can stop an abort: asking for the memory fallibly is what keeps an
/// oversized request a typed error.
fn reserve_blocks(blocks: &mut Vec<argon2::Block>, count: usize) -> Result<()> {
    if blocks.len() < count {
        blocks
            .try_reserve_exact(count - blocks.len())
            .map_err(|_| Error::ParamsOutOfRange)?;
        // Within the capacity just reserved: this cannot reallocate.
        blocks.resize(count, argon2::Block::default());
    }
    Ok(())
}

/// argon2id of `password` into `out`, reusing this thread's memory when it is small enough.
/// `params` must have passed `Params::check` (so `m` is within the hard ceiling).
fn compute(argon: &Argon2<'_>, params: &Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<()> {
    let mut run = |blocks: &mut Vec<argon2::Block>| {
        reserve_blocks(blocks, params.m as usize)?;
        let result = argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..params.m as usize]);
        blocks.iter_mut().for_each(Zeroize::zeroize);
        result.map_err(|_| Error::ParamsOutOfRange)
    };
    if params.m > MAX_KEPT_KIB {
        return run(&mut Vec::new());
    }
    BLOCKS.with(|cell| run(&mut cell.borrow_mut()))
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
    let mut out = vec![0u8; params.tag_len];
    compute(&argon2id(params, pepper)?, params, password, salt, &mut out)?;
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
    let params = argon2::ParamsBuilder::new()
        .m_cost(m)
        .t_cost(t)
        .p_cost(p)
        .output_len(tag_len)
        .data(argon2::AssociatedData::new(ad).map_err(|_| Error::ParamsOutOfRange)?)
        .build()
        .map_err(|_| Error::ParamsOutOfRange)?;
    let mut blocks = Vec::new();
    reserve_blocks(&mut blocks, params.block_count())?;
    let argon = Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, params)
        .map_err(|_| Error::ParamsOutOfRange)?;
    let mut out = vec![0u8; tag_len];
    argon
        .hash_password_into_with_memory(password, salt, &mut out, &mut blocks)
        .map_err(|_| Error::ParamsOutOfRange)?;
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

    #[test]
    fn memory_that_cannot_be_had_is_an_error_not_an_abort() {
        // More blocks than the address space holds: the fallible reservation reports it.
        let mut blocks = Vec::new();
        assert_eq!(
            reserve_blocks(&mut blocks, usize::MAX / 2),
            Err(Error::ParamsOutOfRange)
        );
        assert!(blocks.is_empty());
        assert_eq!(reserve_blocks(&mut blocks, 8), Ok(()));
        assert_eq!(blocks.len(), 8);
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
