//! PHC strings for argon2id, read strictly: `$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>`,
//! salt and hash in standard base64 without padding (the PHC string format's B64).
//!
//! Strict means: exactly these fields in this order, decimal numbers without signs or leading
//! zeros, canonical base64, nothing trailing; the numbers in the reference order `m,t,p` or in
//! the argon2 npm package's `m,p,t`. Parameters are checked against the limits before
//! anything is allocated or hashed. argon2i, argon2d and v=16 are refused: keycard verifies only
//! the argon2id (v=19) that @node-rs/argon2 and argon2 write by default.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

use crate::error::{Error, Result};
use crate::params::{Limits, Params, MAX_SALT_LEN, MAX_TAG_LEN};

/// No valid string is longer: 6 separators, the id, v=19, three 10-digit numbers with their
/// names, and 64-byte salt and tag in base64.
pub const MAX_PHC_LEN: usize = 256;

pub struct Phc {
    pub params: Params,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

fn number(field: &str, name: &str) -> Result<u32> {
    let digits = field
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix('='))
        .ok_or(Error::BadFormat)?;
    let canonical =
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return Err(Error::BadFormat);
    }
    // A well-formed number too big for u32 is a parameter out of range, not a format error.
    digits.parse::<u32>().map_err(|_| Error::ParamsOutOfRange)
}

fn b64(field: &str, max_len: usize) -> Result<Vec<u8>> {
    if field.len() > max_len.div_ceil(3) * 4 {
        return Err(Error::ParamsOutOfRange);
    }
    STANDARD_NO_PAD.decode(field).map_err(|_| Error::BadFormat)
}

pub fn parse(text: &str, limits: &Limits) -> Result<Phc> {
    if text.len() > MAX_PHC_LEN {
        return Err(Error::BadFormat);
    }
    let mut fields = text.split('$');
    let (Some(""), Some(id), Some(version), Some(params), Some(salt), Some(hash), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(Error::BadFormat);
    };
    if id != "argon2id" || version != "v=19" {
        return Err(Error::BadFormat);
    }
    let mut numbers = params.split(',');
    let (Some(m), Some(t), Some(p), None) = (numbers.next(), numbers.next(), numbers.next(), numbers.next()) else {
        return Err(Error::BadFormat);
    };
    // The reference order is m,t,p; the argon2 npm package writes m,p,t. Both are read.
    let (t, p) = if t.starts_with("p=") { (p, t) } else { (t, p) };
    let (m, t, p) = (number(m, "m")?, number(t, "t")?, number(p, "p")?);
    let salt = b64(salt, MAX_SALT_LEN)?;
    let hash = b64(hash, MAX_TAG_LEN)?;
    let params = Params {
        m,
        t,
        p,
        salt_len: salt.len(),
        tag_len: hash.len(),
    };
    params.check(limits)?;
    Ok(Phc { params, salt, hash })
}

pub fn format(params: &Params, salt: &[u8], hash: &[u8]) -> String {
    format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m,
        params.t,
        params.p,
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q";

    #[test]
    fn parses_and_formats_round_trip() {
        let phc = parse(GOOD, &Limits::default()).unwrap();
        assert_eq!(
            phc.params,
            Params {
                m: 19456,
                t: 2,
                p: 1,
                salt_len: 16,
                tag_len: 32
            }
        );
        assert_eq!(format(&phc.params, &phc.salt, &phc.hash), GOOD);
    }

    #[test]
    fn refuses_hostile_strings() {
        let limits = Limits::default();
        let bad_format = [
            "",
            "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2d$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=+19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=2,p=1,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA==$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q$",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9R",
            "argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
        ];
        for text in bad_format {
            assert_eq!(parse(text, &limits).err(), Some(Error::BadFormat), "{text}");
        }
        let out_of_range = [
            "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=4294967295,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=2,p=16777216$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=8,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=2,p=1$$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZQ$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
            "$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZvTVkyrNAQnOI1qKOr5yh4BzeN4rd6o2R7fXSg3j9Q",
        ];
        for text in out_of_range {
            assert_eq!(parse(text, &limits).err(), Some(Error::ParamsOutOfRange), "{text}");
        }
    }
}
