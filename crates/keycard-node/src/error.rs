//! The one place core errors become JS errors. The JS `code` property of a napi error is its
//! status string, so we put the stable `ERR_*` code there and the TS layer rewraps it as a
//! `KeycardError` subclass with the same code.

use napi::Error;

pub fn map_code(code: &'static str, message: String) -> Error<&'static str> {
    Error::new(code, message)
}

pub fn map_error(err: keycard_sign::Error) -> Error<&'static str> {
    map_code(err.code(), err.to_string())
}
