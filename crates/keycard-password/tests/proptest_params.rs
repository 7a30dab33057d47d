//! Property tests of what the binding hands this crate: argon2id parameters (already parsed from
//! a PHC string in TypeScript, `src/password/phc.ts`, whose own properties are in
//! `__test__/password_phc_props.spec.ts`) and bcrypt hashes, read here by `hash::verify_bcrypt`.
//! A stored hash is attacker-controlled wherever a database row can be written by someone else,
//! and the binding applies only the hard ceilings, so:
//!
//! - `Params::check` accepts exactly the parameters within RFC 9106, the limits and the ceilings,
//!   whatever the limits (including ones that lift every bound);
//! - `hash::tag` refuses parameters above the limits, or above the ceilings whatever the limits,
//!   as out of range before anything is allocated or hashed, and with tiny limits only ever hashes
//!   cheaply;
//! - a tag is determined by its inputs and changes with the password;
//! - the bcrypt reader never panics, and refuses costs above its limit before any work.
//!
//! Hashing properties use few cases: argon2 and bcrypt are slow in a debug build by design.

use keycard_password::params::{
    MAX_BCRYPT_COST, MAX_LANES, MAX_MEMORY_KIB, MAX_PASSES, MAX_SALT_LEN, MAX_TAG_LEN, MIN_SALT_LEN, MIN_TAG_LEN,
};
use keycard_password::{hash, Error, Limits, Params};
use proptest::prelude::*;

const BCRYPT_ALPHABET: &str = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Limits that lift every bound: only the ceilings then hold.
const UNBOUNDED: Limits = Limits {
    max_m: u32::MAX,
    max_t: u32::MAX,
    max_p: u32::MAX,
    max_password_len: usize::MAX,
    max_bcrypt_cost: u32::MAX,
};

/// Limits of any size, including ones that lift every bound.
fn limits() -> impl Strategy<Value = Limits> {
    let bound = || {
        prop_oneof![
            Just(0u32),
            Just(1),
            Just(8),
            Just(16),
            Just(64),
            Just(262_144),
            Just(u32::MAX),
            any::<u32>()
        ]
    };
    (bound(), bound(), bound(), bound()).prop_map(|(max_m, max_t, max_p, max_bcrypt_cost)| Limits {
        max_m,
        max_t,
        max_p,
        max_password_len: 4096,
        max_bcrypt_cost,
    })
}

/// A parameter value: small ones, every boundary that matters, and anything.
fn number() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 0u32..=16,
        3 => 8u32..=262_144,
        3 => prop_oneof![
            Just(0u32), Just(1), Just(7), Just(8), Just(15), Just(16), Just(17), Just(255), Just(256),
            Just(1024), Just(1025), Just(19_456), Just(262_144), Just(262_145),
            Just(MAX_MEMORY_KIB), Just(MAX_MEMORY_KIB + 1), Just(1 << 24), Just(1 << 29), Just(1 << 31),
            Just(u32::MAX),
        ],
        1 => any::<u32>(),
    ]
}

/// A salt or tag length: every length from empty to past the RFC 9106 bounds.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0usize..=MAX_SALT_LEN + 16, 1 => Just(MIN_SALT_LEN), 1 => Just(MAX_TAG_LEN + 1)]
}

fn any_params() -> impl Strategy<Value = Params> {
    (number(), number(), number(), length(), length()).prop_map(|(m, t, p, salt_len, tag_len)| Params {
        m,
        t,
        p,
        salt_len,
        tag_len,
    })
}

/// Valid parameters within `Limits::default()`, cheap enough to hash in a debug build when `cheap`.
fn valid_params(cheap: bool) -> impl Strategy<Value = Params> {
    let (max_p, max_m, max_t) = if cheap { (2u32, 64u32, 2u32) } else { (16, 262_144, 16) };
    (1..=max_p, 1..=max_t)
        .prop_flat_map(move |(p, t)| {
            (
                Just(p),
                Just(t),
                (8 * p)..=max_m,
                MIN_SALT_LEN..=MAX_SALT_LEN,
                MIN_TAG_LEN..=MAX_TAG_LEN,
            )
        })
        .prop_map(|(p, t, m, salt_len, tag_len)| Params {
            m,
            t,
            p,
            salt_len,
            tag_len,
        })
}

/// The bounds, written out independently of `Params::check`.
fn within(params: &Params, limits: &Limits) -> bool {
    params.p >= 1
        && params.p <= MAX_LANES.min(limits.max_p)
        && u64::from(params.m) >= 8 * u64::from(params.p)
        && params.m <= MAX_MEMORY_KIB.min(limits.max_m)
        && params.t >= 1
        && params.t <= MAX_PASSES.min(limits.max_t)
        && (MIN_SALT_LEN..=MAX_SALT_LEN).contains(&params.salt_len)
        && (MIN_TAG_LEN..=MAX_TAG_LEN).contains(&params.tag_len)
}

proptest! {
    #[test]
    fn check_accepts_exactly_the_params_within_the_limits_and_ceilings(params in any_params(), limits in limits()) {
        let expected = if within(&params, &limits) { Ok(()) } else { Err(Error::ParamsOutOfRange) };
        prop_assert_eq!(params.check(&limits), expected, "{:?} under {:?}", params, limits);
        // The ceilings hold whatever the limits say.
        prop_assert_eq!(params.check(&UNBOUNDED).is_ok(), within(&params, &Limits::CEILINGS));
    }

    #[test]
    fn parameters_above_the_limits_or_ceilings_are_refused_before_any_work(
        params in valid_params(false),
        which in 0u8..5,
        over in 1u32..1000,
    ) {
        let limits = Limits::default();
        let mut bad = params;
        match which {
            0 => bad.m = limits.max_m.saturating_add(over),
            1 => bad.t = limits.max_t.saturating_add(over),
            2 => bad.p = limits.max_p.saturating_add(over),
            3 => bad.salt_len = MAX_SALT_LEN + 1 + (over as usize % 8),
            _ => bad.tag_len = MAX_TAG_LEN + 1 + (over as usize % 8),
        }
        let salt = vec![7u8; bad.salt_len];
        prop_assert_eq!(hash::tag(b"pw", &salt, &bad, None, &limits), Err(Error::ParamsOutOfRange), "{:?}", bad);
        // And whatever the limits say, the ceilings hold (an attempt would allocate up to 4 TiB).
        let salt = vec![7u8; params.salt_len];
        let huge = Params { m: MAX_MEMORY_KIB.saturating_add(over), ..params };
        prop_assert_eq!(hash::tag(b"pw", &salt, &huge, None, &UNBOUNDED), Err(Error::ParamsOutOfRange));
        let long = Params { t: MAX_PASSES.saturating_add(over), ..params };
        prop_assert_eq!(hash::tag(b"pw", &salt, &long, None, &UNBOUNDED), Err(Error::ParamsOutOfRange));
        let wide = Params { p: MAX_LANES.saturating_add(over), m: u32::MAX, ..params };
        prop_assert_eq!(hash::tag(b"pw", &salt, &wide, None, &UNBOUNDED), Err(Error::ParamsOutOfRange));
    }
}

proptest! {
    // Each case may hash (cheaply), so fewer of them.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn tag_never_panics_and_only_hashes_within_tiny_limits(
        params in any_params(),
        small in (0u32..=80, 0u32..=3, 0u32..=3),
        use_small in any::<bool>(),
        salt_len in proptest::option::weighted(0.2, length()),
        password in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let tiny = Limits { max_m: 64, max_t: 2, max_p: 2, max_password_len: 4096, max_bcrypt_cost: 4 };
        // Half the cases near the tiny limits, so some hash; most salts as long as the params say.
        let params = if use_small { Params { m: small.0, t: small.1, p: small.2, ..params } } else { params };
        let salt_len = salt_len.unwrap_or(params.salt_len);
        let salt = vec![3u8; salt_len];
        match hash::tag(&password, &salt, &params, None, &tiny) {
            Err(err) => prop_assert_eq!(err, Error::ParamsOutOfRange),
            Ok(tag) => {
                prop_assert!(within(&params, &tiny) && salt_len == params.salt_len);
                prop_assert_eq!(tag.len(), params.tag_len);
            }
        }
    }

    #[test]
    fn cheap_tags_are_deterministic_and_depend_on_the_password(
        params in valid_params(true),
        password in proptest::collection::vec(any::<u8>(), 1..64),
        other in proptest::collection::vec(any::<u8>(), 1..64),
        pepper in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..32)),
    ) {
        let limits = Limits::default();
        let salt = vec![9u8; params.salt_len];
        let tag = |pw: &[u8]| hash::tag(pw, &salt, &params, pepper.as_deref(), &limits).expect("within the limits");
        let first = tag(&password);
        prop_assert_eq!(first.len(), params.tag_len);
        prop_assert_eq!(&tag(&password), &first);
        prop_assume!(other != password);
        prop_assert_ne!(tag(&other), first);
    }

    #[test]
    fn bcrypt_reader_never_panics(
        prefix in prop_oneof![Just("$2b$"), Just("$2a$"), Just("$2y$"), Just("$2x$"), Just("$2$")],
        cost in prop_oneof![Just("04".to_owned()), Just("31".to_owned()), Just("99".to_owned()), "[0-9]{2}", ".{0,2}"],
        sep in prop_oneof![4 => Just("$".to_owned()), 1 => ".{0,1}"],
        body in prop_oneof![
            4 => proptest::collection::vec(proptest::sample::select(BCRYPT_ALPHABET.as_bytes().to_vec()), 53)
                .prop_map(|b| String::from_utf8(b).expect("ASCII")),
            1 => ".{0,60}",
        ],
        password in proptest::collection::vec(any::<u8>(), 0..100),
        max_cost in prop_oneof![Just(4u32), Just(0), Just(u32::MAX)],
    ) {
        let stored = format!("{prefix}{cost}{sep}{body}");
        // At most cost 4 is ever hashed here: higher costs must be refused before any work.
        let limits = Limits { max_bcrypt_cost: max_cost.min(4), ..Limits::default() };
        match hash::verify_bcrypt(&stored, &password, &limits) {
            Err(err) => prop_assert!(matches!(err, Error::BadFormat | Error::ParamsOutOfRange), "{:?}", err),
            Ok(matches) => {
                prop_assert_eq!(stored.len(), 60);
                prop_assert_eq!(&stored[4..6], "04");
                // Random salt and digest: no password matches.
                prop_assert!(!matches);
            }
        }
        if max_cost == u32::MAX && stored.len() == 60 && stored.as_bytes()[6] == b'$' {
            // Limits lifted: bcrypt's own maximum still holds (nothing above 31 is even tried).
            if let Ok(cost) = stored[4..6].parse::<u32>() {
                if cost > MAX_BCRYPT_COST {
                    prop_assert_eq!(hash::verify_bcrypt(&stored, &password, &UNBOUNDED).err(), Some(Error::ParamsOutOfRange));
                }
            }
        }
    }
}
