//! The sealed value v1 byte layout (docs/FORMATS.md), before base64url:
//!
//! ```text
//! version  1 byte   0x01
//! kid_len  1 byte   1..=64
//! kid      kid_len  ASCII key id of the key that sealed
//! hint     2 bytes  SHA-256("keycard/v1/seal/" + purpose)[0..2]
//! nonce    12 bytes random
//! body     AES-256-GCM ciphertext of: kind (1) | exp (u32 BE seconds, 0 = never)
//!                                     | nbf (u32 BE seconds, 0 = none) | data
//! tag      16 bytes
//! AAD = version | kid_len | kid | hint | purpose (UTF-8)
//! ```
//! The header is authenticated as associated data, so a value cannot be moved to another key id
//! or purpose; the expiry is encrypted with the data, so it cannot be changed or even read.

use crate::aead::{NONCE_LEN, TAG_LEN};
use crate::error::{Error, Result};

pub const VERSION: u8 = 1;
pub const MAX_KID_LEN: usize = 64;
pub const HINT_LEN: usize = 2;
/// kind + exp + nbf, at the start of the plaintext.
pub const BODY_HEADER_LEN: usize = 9;

/// What the data is, so it comes back as the type it went in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string, as UTF-8.
    Text = 1,
    /// Raw bytes.
    Bytes = 2,
    /// A JSON value, as its UTF-8 text.
    Json = 3,
}

impl Kind {
    pub fn from_byte(byte: u8) -> Result<Self> {
        match byte {
            1 => Ok(Kind::Text),
            2 => Ok(Kind::Bytes),
            3 => Ok(Kind::Json),
            _ => Err(Error::BadFormat),
        }
    }
}

/// Bytes before the ciphertext for a key id of `kid_len` bytes.
pub const fn header_len(kid_len: usize) -> usize {
    2 + kid_len + HINT_LEN + NONCE_LEN
}

/// Sealed length in bytes (before base64url) of `data_len` bytes of data.
pub const fn sealed_len(kid_len: usize, data_len: usize) -> usize {
    header_len(kid_len) + BODY_HEADER_LEN + data_len + TAG_LEN
}

/// The parts of a decoded sealed value, borrowed from it.
pub struct Parts<'a> {
    /// version | kid_len | kid | hint: the associated data before the purpose.
    pub aad_prefix: &'a [u8],
    pub kid: &'a [u8],
    pub hint: &'a [u8],
    pub nonce: &'a [u8],
    pub ciphertext_start: usize,
    pub tag: &'a [u8],
}

/// Splits a decoded sealed value; checks version and lengths only (nothing is authentic yet).
pub fn split(bytes: &[u8]) -> Result<Parts<'_>> {
    if bytes.len() < 2 || bytes[0] != VERSION {
        return Err(Error::BadFormat);
    }
    let kid_len = bytes[1] as usize;
    if kid_len == 0 || kid_len > MAX_KID_LEN || bytes.len() < sealed_len(kid_len, 0) {
        return Err(Error::BadFormat);
    }
    let hint_at = 2 + kid_len;
    let nonce_at = hint_at + HINT_LEN;
    let body_at = nonce_at + NONCE_LEN;
    Ok(Parts {
        aad_prefix: &bytes[..nonce_at],
        kid: &bytes[2..hint_at],
        hint: &bytes[hint_at..nonce_at],
        nonce: &bytes[nonce_at..body_at],
        ciphertext_start: body_at,
        tag: &bytes[bytes.len() - TAG_LEN..],
    })
}
