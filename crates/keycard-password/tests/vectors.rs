//! RFC 9106 §5.3 and the phc-winner-argon2 `test.c` PHC strings (`__test__/vectors/argon2id.json`,
//! also run through both backends by `__test__/password.spec.ts`).

use std::path::PathBuf;

use keycard_password::{hash, phc, verify, Error, Limits};
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

#[test]
fn phc_strings_verify_and_reformat() {
    let limits = Limits::default();
    let file = vectors();
    let cases = file["phcStrings"].as_array().unwrap();
    let mut checked = 0;
    for c in cases {
        let stored = c["phc"].as_str().unwrap();
        let password = c["passwordUtf8"].as_str().unwrap().as_bytes();
        let parsed = phc::parse(stored, &limits).unwrap();
        assert_eq!(phc::format(&parsed.params, &parsed.salt, &parsed.hash), stored);
        assert_eq!(parsed.hash, hex(&c["tagHex"]));
        // The 256 MiB cases are left to the TS suite's parse checks: here each would take seconds in debug.
        if c["mKiB"].as_u64().unwrap() <= 65_536 {
            assert!(
                verify(stored, password, None, &limits).unwrap().matches(),
                "tcId {}",
                c["tcId"]
            );
            assert!(!verify(stored, b"wrong", None, &limits).unwrap().matches());
            checked += 1;
        }
    }
    assert!(checked >= 2, "checked {checked}");
}

#[test]
fn invalid_phc_strings_are_refused() {
    let limits = Limits::default();
    for c in vectors()["invalidPhcStrings"].as_array().unwrap() {
        let result = verify(c["phc"].as_str().unwrap(), b"password", None, &limits);
        assert!(
            matches!(result, Err(Error::BadFormat | Error::ParamsOutOfRange)),
            "{}",
            c["phc"]
        );
    }
}
