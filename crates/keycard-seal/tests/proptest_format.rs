//! Property tests of the sealed value v1 parser (`format::split`) and of `SealKeys::open`, the
//! code that reads cookies an attacker wrote:
//!
//! - arbitrary bytes and arbitrary text never panic, and `split` only ever accepts what fits the
//!   layout (its parts lie inside the input, in order, with the sizes docs/FORMATS.md gives);
//! - a sealed value opens to exactly what was sealed (kind, data, expiry, not-before);
//! - any change to one byte of a sealed value, or to one character of its text, is refused, and
//!   so is any truncation or extension;
//! - expiry and not-before are enforced at exactly their second.
//!
//! The case counts are proptest's default (256) unless a property is slow; a failure prints the
//! minimal input and proptest keeps its seed in `proptest-regressions/` for the next run.

use keycard_seal::aead::{NONCE_LEN, TAG_LEN};
use keycard_seal::format::{header_len, sealed_len, split, BODY_HEADER_LEN, HINT_LEN, MAX_KID_LEN, VERSION};
use keycard_seal::{Error, Kind, SealKeys};
use keycard_sign::b64::{self, Alphabet};
use proptest::prelude::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-proptest";
const OTHER: &[u8] = b"fedcba9876543210fedcba9876543210-proptest";

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Text), Just(Kind::Bytes), Just(Kind::Json)]
}

/// Key ids as `SealKeys::new` takes them: 1..=64 ASCII characters.
fn kid() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[A-Za-z0-9_-]{1,64}").expect("valid regex")
}

/// Bytes that look like the start of a sealed value more often than pure noise does: the version
/// byte and a plausible key id length, then anything.
fn near_sealed_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just(VERSION), any::<u8>()],
        prop_oneof![0u8..=66, any::<u8>()],
        proptest::collection::vec(any::<u8>(), 0..160),
    )
        .prop_map(|(version, kid_len, rest)| {
            let mut bytes = vec![version, kid_len];
            bytes.extend(rest);
            bytes
        })
}

/// A sealed value and what went into it.
#[derive(Debug, Clone)]
struct Sealed {
    kid: String,
    purpose: String,
    kind: Kind,
    data: Vec<u8>,
    exp: u32,
    nbf: u32,
    text: String,
}

fn sealed() -> impl Strategy<Value = Sealed> {
    (
        kid(),
        ".{0,40}",
        kind(),
        proptest::collection::vec(any::<u8>(), 0..200),
        prop_oneof![Just(0u32), 1u32..=u32::MAX],
        prop_oneof![Just(0u32), 1u32..=u32::MAX],
        proptest::array::uniform12(any::<u8>()),
    )
        .prop_map(|(kid, purpose, kind, data, exp, nbf, nonce)| {
            let keys = SealKeys::new(&[SECRET], &[kid.as_str()], &purpose).expect("valid keys");
            let text = keys.seal(kind, &data, exp, nbf, Some(&nonce)).expect("seal");
            Sealed {
                kid,
                purpose,
                kind,
                data,
                exp,
                nbf,
                text,
            }
        })
}

/// A time at which `s` is valid, if there is one.
fn valid_at(s: &Sealed) -> Option<u32> {
    let from = s.nbf;
    let until = if s.exp == 0 { u32::MAX } else { s.exp.checked_sub(1)? };
    (from <= until).then_some(from)
}

fn keys_of(s: &Sealed) -> SealKeys {
    SealKeys::new(&[SECRET], &[s.kid.as_str()], &s.purpose).expect("valid keys")
}

proptest! {
    #[test]
    fn split_never_panics_and_keeps_to_the_layout(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        near_sealed_bytes(),
    ]) {
        match split(&bytes) {
            Err(err) => prop_assert_eq!(err, Error::BadFormat),
            Ok(parts) => {
                let kid_len = bytes[1] as usize;
                prop_assert_eq!(bytes[0], VERSION);
                prop_assert!((1..=MAX_KID_LEN).contains(&kid_len));
                prop_assert!(bytes.len() >= sealed_len(kid_len, 0));
                prop_assert_eq!(parts.kid, &bytes[2..2 + kid_len]);
                prop_assert_eq!(parts.hint.len(), HINT_LEN);
                prop_assert_eq!(parts.nonce.len(), NONCE_LEN);
                prop_assert_eq!(parts.tag.len(), TAG_LEN);
                prop_assert_eq!(parts.aad_prefix, &bytes[..2 + kid_len + HINT_LEN]);
                prop_assert_eq!(parts.ciphertext_start, header_len(kid_len));
                // The body holds at least kind, exp and nbf, and ends where the tag starts.
                prop_assert!(parts.ciphertext_start + BODY_HEADER_LEN + TAG_LEN <= bytes.len());
                prop_assert_eq!(parts.tag, &bytes[bytes.len() - TAG_LEN..]);
            }
        }
    }

    #[test]
    fn open_never_panics_on_arbitrary_text(text in prop_oneof![
        ".{0,200}",
        "[A-Za-z0-9_-]{0,200}",
        near_sealed_bytes().prop_map(|b| b64::encode(Alphabet::Base64Url, &b)),
    ], now in any::<u32>()) {
        let keys = SealKeys::new(&[SECRET], &["k"], "p").expect("valid keys");
        // A forged value cannot open: not even random bytes that happen to parse.
        prop_assert!(keys.open(text.as_bytes(), now).is_err());
    }

    #[test]
    fn sealed_values_round_trip(s in sealed()) {
        let keys = keys_of(&s);
        prop_assert_eq!(s.text.len(), keys.sealed_text_len(s.data.len()));
        if let Some(now) = valid_at(&s) {
            let opened = keys.open(s.text.as_bytes(), now).expect("opens when valid");
            prop_assert_eq!(opened.kind, s.kind);
            prop_assert_eq!(opened.exp, s.exp);
            prop_assert_eq!(opened.nbf, s.nbf);
            prop_assert_eq!(opened.data, s.data.clone());
        }
        // Another purpose, or another secret under the same key id, never opens it.
        let other_purpose = SealKeys::new(&[SECRET], &[s.kid.as_str()], &format!("{}!", s.purpose)).unwrap();
        let refused = other_purpose.open(s.text.as_bytes(), valid_at(&s).unwrap_or(0)).err();
        prop_assert!(matches!(refused, Some(Error::WrongPurpose | Error::Decrypt)), "{:?}", refused);
        let other_secret = SealKeys::new(&[OTHER], &[s.kid.as_str()], &s.purpose).unwrap();
        prop_assert_eq!(other_secret.open(s.text.as_bytes(), valid_at(&s).unwrap_or(0)).err(), Some(Error::Decrypt));
    }

    #[test]
    fn expiry_and_not_before_hold_to_the_second(s in sealed()) {
        let keys = keys_of(&s);
        if s.exp != 0 {
            prop_assert_eq!(keys.open(s.text.as_bytes(), s.exp).err(), Some(Error::Expired));
            prop_assert_eq!(keys.open(s.text.as_bytes(), u32::MAX).err(), Some(Error::Expired));
        }
        if s.nbf != 0 && (s.exp == 0 || s.nbf - 1 < s.exp) {
            prop_assert_eq!(keys.open(s.text.as_bytes(), s.nbf - 1).err(), Some(Error::NotYetValid));
        }
    }

    #[test]
    fn any_single_byte_change_is_refused(s in sealed(), at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let keys = keys_of(&s);
        let mut bytes = b64::decode_vec(Alphabet::Base64Url, s.text.as_bytes()).unwrap();
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        let tampered = b64::encode(Alphabet::Base64Url, &bytes);
        let now = valid_at(&s).unwrap_or(0);
        prop_assert!(keys.open(tampered.as_bytes(), now).is_err(), "byte {} ^ {:#04x} opened", i, xor);
    }

    #[test]
    fn any_single_character_change_is_refused(
        s in sealed(),
        at in any::<prop::sample::Index>(),
        replacement in any::<u8>(),
    ) {
        let keys = keys_of(&s);
        let mut text = s.text.clone().into_bytes();
        let i = at.index(text.len());
        prop_assume!(text[i] != replacement);
        text[i] = replacement;
        let now = valid_at(&s).unwrap_or(0);
        // Strict base64url: a changed character is either outside the alphabet, a non-canonical
        // last character, or different bytes; none of them opens.
        prop_assert!(keys.open(&text, now).is_err(), "character {} -> {:#04x} opened", i, replacement);
    }

    #[test]
    fn truncated_or_extended_values_are_refused(
        s in sealed(),
        cut in any::<prop::sample::Index>(),
        extra in "[A-Za-z0-9_=.-]{1,8}",
    ) {
        let keys = keys_of(&s);
        let now = valid_at(&s).unwrap_or(0);
        let shorter = &s.text.as_bytes()[..cut.index(s.text.len())];
        prop_assert!(keys.open(shorter, now).is_err());
        let longer = format!("{}{}", s.text, extra);
        prop_assert!(keys.open(longer.as_bytes(), now).is_err());
    }
}
