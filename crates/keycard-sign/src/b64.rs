//! Strict base64. The `base64` crate's `*_NO_PAD` engines refuse padding, characters outside
//! the alphabet and non-canonical final characters (unused low bits set), which is exactly the
//! strictness keycard needs (docs/SECURITY.md, "Malformed encodings"): two different strings must
//! never decode to the same bytes, or one signed value would have many spellings.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::error::{Error, Result};

/// Which alphabet a tag is written in. `Base64NoPad` exists only for cookie-signature interop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    Base64Url,
    Base64NoPad,
}

pub fn encode(alphabet: Alphabet, bytes: &[u8]) -> String {
    match alphabet {
        Alphabet::Base64Url => URL_SAFE_NO_PAD.encode(bytes),
        Alphabet::Base64NoPad => STANDARD_NO_PAD.encode(bytes),
    }
}

/// Decodes exactly `N` bytes or fails: the length is checked before decoding so an over-long
/// input costs nothing.
pub fn decode_exact<const N: usize>(alphabet: Alphabet, text: &[u8]) -> Result<[u8; N]> {
    if text.len() != encoded_len(N) {
        return Err(Error::BadFormat);
    }
    let mut out = [0u8; N];
    let written = match alphabet {
        Alphabet::Base64Url => URL_SAFE_NO_PAD.decode_slice(text, &mut out),
        Alphabet::Base64NoPad => STANDARD_NO_PAD.decode_slice(text, &mut out),
    }
    .map_err(|_| Error::BadFormat)?;
    if written != N {
        return Err(Error::BadFormat);
    }
    Ok(out)
}

/// Decodes canonical unpadded text of any length.
pub fn decode_vec(alphabet: Alphabet, text: &[u8]) -> Result<Vec<u8>> {
    match alphabet {
        Alphabet::Base64Url => URL_SAFE_NO_PAD.decode(text),
        Alphabet::Base64NoPad => STANDARD_NO_PAD.decode(text),
    }
    .map_err(|_| Error::BadFormat)
}

/// Length of the unpadded encoding of `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_lengths() {
        let bytes = [0xfbu8; 32];
        let s = encode(Alphabet::Base64Url, &bytes);
        assert_eq!(s.len(), 43);
        assert_eq!(decode_exact::<32>(Alphabet::Base64Url, s.as_bytes()).unwrap(), bytes);
        let s = encode(Alphabet::Base64NoPad, &bytes);
        assert!(s.contains('+') || s.contains('/'));
        assert_eq!(decode_exact::<32>(Alphabet::Base64NoPad, s.as_bytes()).unwrap(), bytes);
    }

    #[test]
    fn rejects_non_canonical_and_foreign_characters() {
        let good = encode(Alphabet::Base64Url, &[7u8; 32]);
        // The last character of 32 bytes carries 4 data bits and 2 zero bits: set a zero bit.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bad = good.clone().into_bytes();
        let last = bad.len() - 1;
        let value = ALPHABET.iter().position(|&c| c == bad[last]).unwrap();
        bad[last] = ALPHABET[value | 1];
        assert_eq!(decode_exact::<32>(Alphabet::Base64Url, &bad), Err(Error::BadFormat));
        for junk in ["=", "+", "/", " ", "!", "%"] {
            let mut s = good.clone();
            s.replace_range(0..1, junk);
            assert_eq!(
                decode_exact::<32>(Alphabet::Base64Url, s.as_bytes()),
                Err(Error::BadFormat),
                "{junk}"
            );
        }
        let padded = format!("{good}=");
        assert_eq!(
            decode_exact::<32>(Alphabet::Base64Url, padded.as_bytes()),
            Err(Error::BadFormat)
        );
        assert_eq!(
            decode_exact::<32>(Alphabet::Base64Url, &good.as_bytes()[1..]),
            Err(Error::BadFormat)
        );
    }
}
