//! Property tests of the stored-hash readers: the argon2id PHC parser (`phc::parse`, used by
//! `verify` and `needs_rehash`) and the bcrypt reader (`hash::verify_bcrypt`, which the Node
//! binding calls for every bcrypt hash). A stored hash is attacker-controlled wherever a database
//! row can be written by someone else, so:
//!
//! - arbitrary text, and text shaped like a PHC string with hostile numbers, never panics, and
//!   whatever parses is within the limits and the hard ceilings;
//! - a valid PHC string round-trips (`parse(format(x)) == x`), in both orders of parameters,
//!   and any string that parses is exactly the canonical form of what it parsed to (so no two
//!   strings mean the same hash);
//! - parameters above the limits, or above the ceilings whatever the limits, are refused as
//!   out of range before anything is hashed;
//! - `verify` on hostile strings with tiny limits never panics (it can only ever hash cheaply).
//!
//! Hashing properties use few cases: argon2 and bcrypt are slow in a debug build by design.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use keycard_password::params::{
    MAX_BCRYPT_COST, MAX_LANES, MAX_MEMORY_KIB, MAX_PASSES, MAX_SALT_LEN, MAX_TAG_LEN, MIN_SALT_LEN, MIN_TAG_LEN,
};
use keycard_password::phc::{self, MAX_PHC_LEN};
use keycard_password::{hash, needs_rehash, verify, Error, Limits, Params};
use proptest::prelude::*;

const BCRYPT_ALPHABET: &str = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Limits of any size, including ones that lift every bound (only the ceilings then hold).
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

/// The text of a PHC number field: canonical numbers at every boundary that matters, and the
/// non-canonical spellings a parser might wrongly accept.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (1u64..=16).prop_map(|n| n.to_string()),
        3 => (8u64..=262_144).prop_map(|n| n.to_string()),
        3 => prop_oneof![
            Just(0u64), Just(1), Just(2), Just(7), Just(8), Just(15), Just(16), Just(17), Just(255), Just(256),
            Just(1024), Just(1025), Just(19_456), Just(262_144), Just(262_145),
            Just(u64::from(MAX_MEMORY_KIB)), Just(u64::from(MAX_MEMORY_KIB) + 1),
            Just(1 << 24), Just(1 << 29), Just(1 << 31), Just(u64::from(u32::MAX)), Just(1 << 32),
            Just(99_999_999_999), Just(u64::MAX),
        ].prop_map(|n| n.to_string()),
        1 => any::<u32>().prop_map(|n| n.to_string()),
        1 => prop_oneof![
            Just(String::new()), Just("00".to_owned()), Just("019456".to_owned()), Just("+1".to_owned()),
            Just("-1".to_owned()), Just(" 1".to_owned()), Just("1 ".to_owned()), Just("0x10".to_owned()),
            Just("1e3".to_owned()), Just("１".to_owned()), Just("4294967296".to_owned()),
        ],
    ]
}

/// Base64 fields: canonical encodings of 16..=64 bytes (valid as a salt and as a tag) and of
/// 0..=80 bytes, plus strings from the alphabet that may be non-canonical (unused low bits set,
/// length 1 mod 4) and strings with padding or foreign bytes.
fn b64_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::collection::vec(any::<u8>(), MIN_TAG_LEN..=MAX_SALT_LEN).prop_map(|b| STANDARD_NO_PAD.encode(b)),
        2 => proptest::collection::vec(any::<u8>(), 0..=80).prop_map(|b| STANDARD_NO_PAD.encode(b)),
        2 => "[A-Za-z0-9+/]{0,110}",
        1 => "[A-Za-z0-9+/=_.$-]{0,40}",
    ]
}

/// Strings shaped like a PHC string, with every part drawn from a hostile set.
fn phc_like() -> impl Strategy<Value = String> {
    let id = prop_oneof![8 => Just("argon2id"), 1 => Just("argon2i"), 1 => Just("argon2d"), 1 => Just("ARGON2ID")];
    let version = prop_oneof![8 => Just("v=19"), 1 => Just("v=16"), 1 => Just("v=019"), 1 => Just("")];
    let order = prop_oneof![
        Just(["m", "t", "p"]),
        Just(["m", "p", "t"]),
        Just(["t", "m", "p"]),
        Just(["m", "t", "t"])
    ];
    (
        id,
        version,
        order,
        number_text(),
        number_text(),
        number_text(),
        b64_text(),
        b64_text(),
        0u8..8,
    )
        .prop_map(|(id, version, order, a, b, c, salt, hash, extra)| {
            let params = format!("{}={a},{}={b},{}={c}", order[0], order[1], order[2]);
            let mut text = format!("${id}${version}${params}${salt}${hash}");
            match extra {
                0 => text.push('$'),
                1 => text.insert(0, ' '),
                2 => text.push_str(",p=1"),
                _ => {}
            }
            text
        })
}

/// Valid parameters within `Limits::default()`, cheap enough to hash in a debug build when `cheap`.
fn valid_phc(cheap: bool) -> impl Strategy<Value = (Params, Vec<u8>, Vec<u8>)> {
    let (max_p, max_m, max_t) = if cheap { (2u32, 64u32, 2u32) } else { (16, 262_144, 16) };
    (1..=max_p, 1..=max_t)
        .prop_flat_map(move |(p, t)| {
            (
                Just(p),
                Just(t),
                (8 * p)..=max_m,
                proptest::collection::vec(any::<u8>(), MIN_SALT_LEN..=MAX_SALT_LEN),
                proptest::collection::vec(any::<u8>(), MIN_TAG_LEN..=MAX_TAG_LEN),
            )
        })
        .prop_map(|(p, t, m, salt, hash)| {
            let params = Params {
                m,
                t,
                p,
                salt_len: salt.len(),
                tag_len: hash.len(),
            };
            (params, salt, hash)
        })
}

/// A valid PHC string with one part replaced by a hostile one (or none), so that most inputs get
/// past the format checks and reach the range checks and the canonical-form property.
fn near_valid() -> impl Strategy<Value = String> {
    (valid_phc(false), 0u8..7, number_text(), b64_text()).prop_map(|((params, salt, hash), which, number, b64)| {
        let salt = STANDARD_NO_PAD.encode(salt);
        let hash = STANDARD_NO_PAD.encode(hash);
        let (m, t, p) = (params.m.to_string(), params.t.to_string(), params.p.to_string());
        match which {
            0 => format!("$argon2id$v=19$m={number},t={t},p={p}${salt}${hash}"),
            1 => format!("$argon2id$v=19$m={m},t={number},p={p}${salt}${hash}"),
            2 => format!("$argon2id$v=19$m={m},p={number},t={t}${salt}${hash}"),
            3 => format!("$argon2id$v=19$m={m},t={t},p={p}${b64}${hash}"),
            4 => format!("$argon2id$v=19$m={m},t={t},p={p}${salt}${b64}"),
            5 => format!("$argon2id$v=19$m={m},p={p},t={t}${salt}${hash}"),
            _ => format!("$argon2id$v=19$m={m},t={t},p={p}${salt}${hash}"),
        }
    })
}

/// The argon2 npm package's order of the same string: `m,p,t`.
fn mpt_form(params: &Params, salt: &[u8], hash: &[u8]) -> String {
    format!(
        "$argon2id$v=19$m={},p={},t={}${}${}",
        params.m,
        params.p,
        params.t,
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    )
}

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

/// What `parse` must say about `text`: parsed values are within bounds, and the text is the
/// canonical form (in one of the two orders) of what it parsed to.
fn check_parse(text: &str, limits: &Limits) -> Result<(), TestCaseError> {
    match phc::parse(text, limits) {
        Err(err) => prop_assert!(matches!(err, Error::BadFormat | Error::ParamsOutOfRange), "{:?}", err),
        Ok(parsed) => {
            prop_assert!(text.len() <= MAX_PHC_LEN);
            prop_assert!(
                within(&parsed.params, limits),
                "{:?} outside {:?}",
                parsed.params,
                limits
            );
            prop_assert_eq!(parsed.salt.len(), parsed.params.salt_len);
            prop_assert_eq!(parsed.hash.len(), parsed.params.tag_len);
            let canonical = phc::format(&parsed.params, &parsed.salt, &parsed.hash);
            let other_order = mpt_form(&parsed.params, &parsed.salt, &parsed.hash);
            prop_assert!(
                text == canonical || text == other_order,
                "{} parsed as {}",
                text,
                canonical
            );
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(text in prop_oneof![".{0,300}", "[$a-z0-9=,+/]{0,120}"], limits in limits()) {
        check_parse(&text, &limits)?;
    }

    #[test]
    fn parse_keeps_phc_shaped_strings_within_bounds(text in prop_oneof![phc_like(), near_valid()], limits in limits()) {
        check_parse(&text, &limits)?;
        check_parse(&text, &Limits::default())?;
    }

    #[test]
    fn valid_strings_round_trip_in_both_orders((params, salt, hash) in valid_phc(false)) {
        let limits = Limits::default();
        let text = phc::format(&params, &salt, &hash);
        for form in [text.clone(), mpt_form(&params, &salt, &hash)] {
            let parsed = phc::parse(&form, &limits).expect("a valid string parses");
            prop_assert_eq!(parsed.params, params);
            prop_assert_eq!(&parsed.salt, &salt);
            prop_assert_eq!(&parsed.hash, &hash);
            prop_assert_eq!(phc::format(&parsed.params, &parsed.salt, &parsed.hash), text.clone());
        }
    }

    #[test]
    fn any_single_character_change_parses_to_something_else_or_nothing(
        (params, salt, hash) in valid_phc(false),
        at in any::<prop::sample::Index>(),
        replacement in any::<char>(),
    ) {
        let text = phc::format(&params, &salt, &hash);
        let mut chars: Vec<char> = text.chars().collect();
        let i = at.index(chars.len());
        prop_assume!(chars[i] != replacement);
        chars[i] = replacement;
        let mutated: String = chars.into_iter().collect();
        check_parse(&mutated, &Limits::default())?;
        if let Ok(parsed) = phc::parse(&mutated, &Limits::default()) {
            prop_assert!(parsed.params != params || parsed.salt != salt || parsed.hash != hash);
        }
    }

    #[test]
    fn parameters_above_the_limits_are_out_of_range(
        (params, salt, hash) in valid_phc(false),
        which in 0u8..5,
        over in 1u32..1000,
    ) {
        let limits = Limits::default();
        let mut bad = params;
        let (mut bad_salt, mut bad_hash) = (salt.clone(), hash.clone());
        match which {
            0 => bad.m = limits.max_m.saturating_add(over),
            1 => bad.t = limits.max_t.saturating_add(over),
            2 => bad.p = limits.max_p.saturating_add(over),
            3 => bad_salt.resize(MAX_SALT_LEN + 1 + (over as usize % 8), 7),
            _ => bad_hash.resize(MAX_TAG_LEN + 1 + (over as usize % 8), 7),
        }
        let text = phc::format(&bad, &bad_salt, &bad_hash);
        prop_assert_eq!(phc::parse(&text, &limits).err(), Some(Error::ParamsOutOfRange), "{}", text);
        // And whatever the limits say, the ceilings hold.
        let unbounded = Limits { max_m: u32::MAX, max_t: u32::MAX, max_p: u32::MAX, max_password_len: usize::MAX, max_bcrypt_cost: u32::MAX };
        let huge = Params { m: MAX_MEMORY_KIB.saturating_add(over), ..params };
        let text = phc::format(&huge, &salt, &hash);
        prop_assert_eq!(phc::parse(&text, &unbounded).err(), Some(Error::ParamsOutOfRange), "{}", text);
        let long = Params { t: MAX_PASSES.saturating_add(over), ..params };
        prop_assert_eq!(phc::parse(&phc::format(&long, &salt, &hash), &unbounded).err(), Some(Error::ParamsOutOfRange));
    }
}

proptest! {
    // Each case may hash (cheaply), so fewer of them.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn verify_never_panics_and_only_hashes_within_tiny_limits(
        text in prop_oneof![phc_like(), near_valid(), valid_phc(true).prop_map(|(p, s, h)| phc::format(&p, &s, &h))],
        password in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let tiny = Limits { max_m: 64, max_t: 2, max_p: 2, max_password_len: 4096, max_bcrypt_cost: 4 };
        match verify(&text, &password, None, &tiny) {
            Err(err) => prop_assert!(matches!(err, Error::BadFormat | Error::ParamsOutOfRange), "{:?}", err),
            // A random tag is not the tag of a random password.
            Ok(found) => prop_assert!(!found.matches()),
        }
        let rehash = needs_rehash(&text, &Params::OWASP, &tiny);
        prop_assert!(matches!(rehash, Ok(_) | Err(Error::BadFormat | Error::ParamsOutOfRange)));
    }

    #[test]
    fn cheap_hashes_verify_and_reject_other_passwords(
        (params, salt, _) in valid_phc(true),
        password in proptest::collection::vec(any::<u8>(), 1..64),
        other in proptest::collection::vec(any::<u8>(), 1..64),
    ) {
        let limits = Limits::default();
        let stored = hash::hash(&password, &salt, &params, None, &limits).expect("hash");
        check_parse(&stored, &limits)?;
        prop_assert!(verify(&stored, &password, None, &limits).unwrap().matches());
        prop_assume!(other != password);
        prop_assert!(!verify(&stored, &other, None, &limits).unwrap().matches());
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
            Ok(found) => {
                prop_assert_eq!(stored.len(), 60);
                prop_assert_eq!(&stored[4..6], "04");
                // Random salt and digest: no password matches.
                prop_assert!(!found.matches());
            }
        }
        if max_cost == u32::MAX && stored.len() == 60 && stored.as_bytes()[6] == b'$' {
            // Limits lifted: bcrypt's own maximum still holds (nothing above 31 is even tried).
            if let Ok(cost) = stored[4..6].parse::<u32>() {
                if cost > MAX_BCRYPT_COST {
                    let lifted = Limits { max_bcrypt_cost: u32::MAX, ..Limits::default() };
                    prop_assert_eq!(hash::verify_bcrypt(&stored, &password, &lifted).err(), Some(Error::ParamsOutOfRange));
                }
            }
        }
    }
}
