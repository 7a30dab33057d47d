//! Precise causes for bad stored hashes and parameters; a wrong
//! password is not an error at all, just `false`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Not a bcrypt hash keycard reads.
    BadFormat,
    /// Parameters outside the configured limits (memory, passes, lanes, salt, tag, password).
    ParamsOutOfRange,
    /// The hash was cancelled through its AbortSignal before it finished.
    Aborted,
    /// The OS random number generator failed.
    Random,
}

impl Error {
    pub const fn code(self) -> &'static str {
        match self {
            Error::BadFormat => "ERR_BAD_FORMAT",
            Error::ParamsOutOfRange => "ERR_PARAMS_OUT_OF_RANGE",
            Error::Aborted => "ERR_ABORTED",
            Error::Random => "ERR_RANDOM",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::BadFormat => "not a bcrypt hash keycard reads",
            Error::ParamsOutOfRange => "password hash parameters out of range",
            Error::Aborted => "the operation was aborted",
            Error::Random => "the OS random number generator failed",
        })
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
