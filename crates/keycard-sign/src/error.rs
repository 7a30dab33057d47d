//! Precise errors for bad input, one opaque error for a bad signature (nothing about *why* a
//! tag failed may leak). The binding maps each variant to its stable `ERR_*` code (`Error::code`,
//! the codes src/errors.ts lists), the same code the TypeScript fallback raises.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// A secret shorter than [`crate::keys::MIN_SECRET_LEN`] bytes.
    KeyTooShort,
    /// Input that is not in the expected shape (non-canonical base64, missing separator...).
    BadFormat,
    /// The tag does not authenticate the message under any key. Deliberately says no more.
    BadSignature,
    /// A key index or id that the key set does not hold.
    UnknownKey,
    /// A numeric parameter outside its documented range (HKDF length, random id size).
    ParamsOutOfRange,
    /// The OS random number generator failed.
    Random,
}

impl Error {
    /// The stable code shared with the TypeScript fallback. Codes are API.
    pub const fn code(self) -> &'static str {
        match self {
            Error::KeyTooShort => "ERR_KEY_TOO_SHORT",
            Error::BadFormat => "ERR_BAD_FORMAT",
            Error::BadSignature => "ERR_BAD_SIGNATURE",
            Error::UnknownKey => "ERR_UNKNOWN_KEY",
            Error::ParamsOutOfRange => "ERR_PARAMS_OUT_OF_RANGE",
            Error::Random => "ERR_RANDOM",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::KeyTooShort => "secret is shorter than 32 bytes",
            Error::BadFormat => "input is malformed",
            Error::BadSignature => "signature does not match",
            Error::UnknownKey => "no such key in the key set",
            Error::ParamsOutOfRange => "parameter out of range",
            Error::Random => "the OS random number generator failed",
        };
        f.write_str(text)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
