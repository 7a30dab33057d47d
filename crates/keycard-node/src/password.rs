//! Password work on the libuv thread pool: one `Task` per operation (node-rs style); `compute`
//! runs off the JS thread, `resolve` converts. The TS twins: `src/backend/{native,fallback}/password.ts`. PHC strings are parsed, bounded and formatted in
//! the shared TypeScript layer (so both backends refuse the same inputs); this side computes the
//! argon2id tag (within the core's limits again, as a second line) and checks bcrypt hashes.
//!
//! An `AbortSignal` cancels a task still queued. Keycard's error codes travel as negative
//! `PASSWORD_*` outcomes (a Task's errors can only carry a napi status), and a panic inside `compute` is caught on the
//! pool thread and becomes the internal-error code instead of aborting Node.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::result::Result as StdResult;

use keycard_password::{hash, Error, Limits, Params};
use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::outcomes::{
    PASSWORD_ABORTED, PASSWORD_BAD_FORMAT, PASSWORD_PANICKED, PASSWORD_PARAMS_OUT_OF_RANGE, PASSWORD_RANDOM,
};

/// The `PASSWORD_*` outcome (crate::outcomes) of a task that failed.
fn code(err: Error) -> i32 {
    match err {
        Error::BadFormat => PASSWORD_BAD_FORMAT,
        Error::ParamsOutOfRange => PASSWORD_PARAMS_OUT_OF_RANGE,
        Error::Aborted => PASSWORD_ABORTED,
        Error::Random => PASSWORD_RANDOM,
    }
}

fn guarded<T>(work: impl FnOnce() -> StdResult<T, Error>) -> StdResult<T, i32> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(code),
        Err(_) => Err(PASSWORD_PANICKED),
    }
}

/// argon2id parameters from JS (already checked against the caller's limits).
#[napi(object)]
pub struct Argon2Params {
    pub m: u32,
    pub t: u32,
    pub p: u32,
    pub tag_length: u32,
}

pub struct Argon2Task {
    password: Zeroizing<Vec<u8>>,
    salt: Vec<u8>,
    params: Params,
    pepper: Option<Zeroizing<Vec<u8>>>,
}

impl Task for Argon2Task {
    type Output = StdResult<Vec<u8>, i32>;
    type JsValue = Either<Buffer, i32>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        // The caller's limits were applied in TypeScript; the core's hard ceilings (2 GiB, 1024
        // passes, 255 lanes, RFC 9106 sizes) hold here on their own, whatever JS passed, and the
        // memory is asked for fallibly: no job can abort the process.
        let limits = Limits::CEILINGS;
        Ok(guarded(|| {
            hash::tag(
                &self.password,
                &self.salt,
                &self.params,
                self.pepper.as_deref().map(Vec::as_slice),
                &limits,
            )
        }))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(match output {
            Ok(tag) => Either::A(tag.into()),
            Err(code) => Either::B(code),
        })
    }
}

/// The argon2id (v=19) tag of `password` with `salt`, on the thread pool: a Buffer, or a
/// negative outcome code.
#[napi(js_name = "argon2idTag", ts_return_type = "Promise<Buffer | number>")]
pub fn argon2id_tag(
    password: &[u8],
    salt: &[u8],
    params: Argon2Params,
    pepper: Option<&[u8]>,
    signal: Option<AbortSignal>,
) -> AsyncTask<Argon2Task> {
    let task = Argon2Task {
        password: Zeroizing::new(password.to_vec()),
        salt: salt.to_vec(),
        params: Params {
            m: params.m,
            t: params.t,
            p: params.p,
            salt_len: salt.len(),
            tag_len: params.tag_length as usize,
        },
        pepper: pepper.map(|p| Zeroizing::new(p.to_vec())),
    };
    AsyncTask::with_optional_signal(task, signal)
}

pub struct BcryptTask {
    stored: String,
    password: Zeroizing<Vec<u8>>,
}

impl Task for BcryptTask {
    type Output = StdResult<bool, i32>;
    type JsValue = Either<bool, i32>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        // The caller's limits (cost, password length) were applied in TypeScript; the ceilings
        // leave cost 31, bcrypt's own maximum, and no password bound (bcrypt reads 72 bytes).
        let limits = Limits::CEILINGS;
        Ok(guarded(|| hash::verify_bcrypt(&self.stored, &self.password, &limits)))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(match output {
            Ok(matches) => Either::A(matches),
            Err(code) => Either::B(code),
        })
    }
}

/// Whether `password` matches a bcrypt hash, on the thread pool: boolean, or a negative code.
#[napi(ts_return_type = "Promise<boolean | number>")]
pub fn bcrypt_verify(stored: String, password: &[u8], signal: Option<AbortSignal>) -> AsyncTask<BcryptTask> {
    AsyncTask::with_optional_signal(
        BcryptTask {
            stored,
            password: Zeroizing::new(password.to_vec()),
        },
        signal,
    )
}

/// RFC 9106 §5.3 needs associated data, which keycard's API never uses: this one call exists so
/// the native backend can be checked against that vector. Synchronous; tests only.
#[allow(clippy::too_many_arguments)]
#[napi(js_name = "__argon2idRawForTests")]
pub fn argon2id_raw(
    password: &[u8],
    salt: &[u8],
    secret: &[u8],
    ad: &[u8],
    m: u32,
    t: u32,
    p: u32,
    tag_len: u32,
) -> napi::Result<Buffer> {
    hash::raw(password, salt, secret, ad, m, t, p, tag_len as usize)
        .map(Buffer::from)
        .map_err(|e| napi::Error::from_reason(e.to_string()))
}
