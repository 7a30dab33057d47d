//! Precise errors for bad input and configuration; one opaque `Decrypt` for anything the tag
//! refuses (tampering, wrong key, wrong associated data): which of those it was must not leak.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Not a sealed value of a version this crate reads, or a malformed primitive argument.
    BadFormat,
    /// A secret shorter than 32 bytes.
    KeyTooShort,
    /// Sealed under a key id the key set does not hold (rotated out, or another secret).
    UnknownKey,
    /// Sealed for another purpose (the authenticated purpose hint differs).
    WrongPurpose,
    /// The GCM tag does not verify. Says nothing more, by design.
    Decrypt,
    /// Authentic, but past its expiry.
    Expired,
    /// Authentic, but before its not-before time.
    NotYetValid,
    /// The OS random number generator failed.
    Random,
}

impl Error {
    /// The stable code shared with the TypeScript fallback.
    pub const fn code(self) -> &'static str {
        match self {
            Error::BadFormat => "ERR_BAD_FORMAT",
            Error::KeyTooShort => "ERR_KEY_TOO_SHORT",
            Error::UnknownKey => "ERR_UNKNOWN_KEY",
            Error::WrongPurpose => "ERR_WRONG_PURPOSE",
            Error::Decrypt => "ERR_DECRYPT",
            Error::Expired => "ERR_EXPIRED",
            Error::NotYetValid => "ERR_NOT_YET_VALID",
            Error::Random => "ERR_RANDOM",
        }
    }
}

impl From<keycard_sign::Error> for Error {
    fn from(err: keycard_sign::Error) -> Self {
        match err {
            keycard_sign::Error::KeyTooShort => Error::KeyTooShort,
            keycard_sign::Error::Random => Error::Random,
            _ => Error::BadFormat,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::BadFormat => "not a sealed value",
            Error::KeyTooShort => "secret is shorter than 32 bytes",
            Error::UnknownKey => "sealed with a key this keyring does not hold",
            Error::WrongPurpose => "sealed for another purpose",
            Error::Decrypt => "cannot decrypt",
            Error::Expired => "the sealed value has expired",
            Error::NotYetValid => "the sealed value is not valid yet",
            Error::Random => "the OS random number generator failed",
        })
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
