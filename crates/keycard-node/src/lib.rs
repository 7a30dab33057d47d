//! keycard's napi binding: thin `#[napi]` wrappers over the core crates, nothing else.
//!
//! Every export is marked `catch_unwind`: a Rust panic becomes a JS exception with code
//! `ERR_INTERNAL` instead of unwinding into C (which would abort Node). Formats are parsed in the
//! shared TypeScript layer; this side only holds keys and does the byte work.
//!
//! `mac_keys`, `seal_keys`, `password`, `cache` and `primitives` each have a same-named twin in
//! `src/backend/native/` (which calls them) and in `src/backend/fallback/` (which does the same
//! work in TypeScript); `outcomes` is `src/backend/outcomes.ts`.

#![deny(clippy::all)]

mod cache;
mod cache_key;
mod error;
mod mac_keys;
mod outcomes;
mod password;
mod primitives;
mod seal_keys;
