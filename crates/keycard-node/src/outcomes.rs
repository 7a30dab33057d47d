//! Every integer that crosses napi, defined once for Rust. The TypeScript twin is
//! `src/backend/outcomes.ts`; `outcome_codes` hands this table to JS, where the loader refuses a
//! binary whose table differs (a stale build) and `__test__/backend_parity.spec.ts` checks the two
//! tables are equal name for name.
//!
//! Failures travel as negative integers rather than exceptions: throwing across napi costs
//! microseconds, and a bad cookie or a wrong password is an ordinary event on the request path.
//! A success is something else entirely (a key index >= 0, a value, a boolean), so no success
//! can be mistaken for a failure. The groups are separate namespaces: the same integer may mean
//! different things in two groups, never in one.

use std::collections::BTreeMap;

use keycard_seal::Kind;
use napi_derive::napi;

// MAC verification (`mac_verify_tag`, `mac_verify_signed`); success is the key's index.
pub const VERIFY_BAD_FORMAT: i32 = -1;
pub const VERIFY_BAD_SIGNATURE: i32 = -2;
pub const VERIFY_UNKNOWN_KEY: i32 = -3;

// Opening a sealed value (`seal_open`); success is the data.
pub const OPEN_BAD_FORMAT: i32 = -1;
pub const OPEN_UNKNOWN_KEY: i32 = -3;
pub const OPEN_DECRYPT: i32 = -4;
pub const OPEN_WRONG_PURPOSE: i32 = -5;
pub const OPEN_EXPIRED: i32 = -6;
pub const OPEN_NOT_YET_VALID: i32 = -7;

// Password tasks (`argon2id_tag`, `bcrypt_verify`): a Task's errors can carry only a napi status,
// so keycard's codes come back as these; success is the tag or a boolean.
pub const PASSWORD_BAD_FORMAT: i32 = -1;
pub const PASSWORD_PARAMS_OUT_OF_RANGE: i32 = -2;
pub const PASSWORD_ABORTED: i32 = -3;
pub const PASSWORD_RANDOM: i32 = -4;
/// A panic caught on the pool thread (the TS layer makes it `ERR_INTERNAL`).
pub const PASSWORD_PANICKED: i32 = -99;

// Kinds of sealed and cached data: the kind byte of a sealed value (docs/FORMATS.md, "Sealed
// value v1"), which the cache reuses so a value comes back as the type it went in as.
pub const KIND_TEXT: u8 = Kind::Text as u8;
pub const KIND_BYTES: u8 = Kind::Bytes as u8;
pub const KIND_JSON: u8 = Kind::Json as u8;

/// The table, by the names `src/backend/outcomes.ts` gives the same numbers.
const TABLE: [(&str, i32); 17] = [
    ("VERIFY_BAD_FORMAT", VERIFY_BAD_FORMAT),
    ("VERIFY_BAD_SIGNATURE", VERIFY_BAD_SIGNATURE),
    ("VERIFY_UNKNOWN_KEY", VERIFY_UNKNOWN_KEY),
    ("OPEN_BAD_FORMAT", OPEN_BAD_FORMAT),
    ("OPEN_UNKNOWN_KEY", OPEN_UNKNOWN_KEY),
    ("OPEN_DECRYPT", OPEN_DECRYPT),
    ("OPEN_WRONG_PURPOSE", OPEN_WRONG_PURPOSE),
    ("OPEN_EXPIRED", OPEN_EXPIRED),
    ("OPEN_NOT_YET_VALID", OPEN_NOT_YET_VALID),
    ("PASSWORD_BAD_FORMAT", PASSWORD_BAD_FORMAT),
    ("PASSWORD_PARAMS_OUT_OF_RANGE", PASSWORD_PARAMS_OUT_OF_RANGE),
    ("PASSWORD_ABORTED", PASSWORD_ABORTED),
    ("PASSWORD_RANDOM", PASSWORD_RANDOM),
    ("PASSWORD_PANICKED", PASSWORD_PANICKED),
    ("KIND_TEXT", KIND_TEXT as i32),
    ("KIND_BYTES", KIND_BYTES as i32),
    ("KIND_JSON", KIND_JSON as i32),
];

/// Every integer that crosses napi, by name (`src/backend/outcomes.ts` has the same table). Called
/// once, when the TS layer loads the binding.
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn outcome_codes() -> BTreeMap<&'static str, i32> {
    TABLE.into_iter().collect()
}
