//! RFC 9106 §5.3 and the tags of the phc-winner-argon2 `test.c` PHC strings
//! (`__test__/vectors/argon2id.json`, also run through both backends by `__test__/password.spec.ts`).

use std::path::PathBuf;

use keycard_password::{hash, Limits, Params};
use serde_json::Value;

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/vectors/argon2id.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).unwrap()
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn rfc9106_argon2id() {
    let v = &vectors()["rfc9106"];
    let n = |k: &str| v[k].as_u64().unwrap() as u32;
    let tag = hash::raw(
        &hex(&v["passwordHex"]),
        &hex(&v["saltHex"]),
        &hex(&v["secretHex"]),
        &hex(&v["adHex"]),
        n("mKiB"),
        n("t"),
        n("p"),
        32,
    )
    .unwrap();
    assert_eq!(tag, hex(&v["tagHex"]));
}

/// The tag of each phc-winner-argon2 `test.c` string, computed from its parameters (the strings
/// themselves are parsed and written in TypeScript: `__test__/password.spec.ts` checks them).
#[test]
fn phc_string_tags() {
    let limits = Limits::default();
    let file = vectors();
    let mut checked = 0;
    for c in file["phcStrings"].as_array().unwrap() {
        let n = |k: &str| c[k].as_u64().unwrap() as u32;
        // The 256 MiB cases are left to the TS suite: here each would take seconds in debug.
        if n("mKiB") > 65_536 {
            continue;
        }
        let salt = c["saltUtf8"].as_str().unwrap().as_bytes();
        let params = Params {
            m: n("mKiB"),
            t: n("t"),
            p: n("p"),
            salt_len: salt.len(),
            tag_len: n("tagLength") as usize,
        };
        let password = c["passwordUtf8"].as_str().unwrap().as_bytes();
        assert_eq!(
            hash::tag(password, salt, &params, None, &limits),
            Ok(hex(&c["tagHex"])),
            "tcId {}",
            c["tcId"]
        );
        assert_ne!(hash::tag(b"wrong", salt, &params, None, &limits), Ok(hex(&c["tagHex"])));
        checked += 1;
    }
    assert!(checked >= 2, "checked {checked}");
}
