//! Known-answer tests over the same JSON files the TypeScript suite runs through both backends
//! (`__test__/vectors/`, sources and licences in its README).

use std::path::PathBuf;

use keycard_sign::keys::hkdf_sha256;
use keycard_sign::mac::hmac_sha256;
use keycard_sign::Error;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../__test__/vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("vector JSON")
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

#[test]
fn rfc4231_hmac_sha256() {
    let file = load("rfc4231-hmac-sha256.json");
    let tests = file["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);
    for t in tests {
        let mac = hmac_sha256(&hex(&t["keyHex"]), &hex(&t["dataHex"]));
        let take = t["truncateToBytes"].as_u64().unwrap_or(32) as usize;
        assert_eq!(mac[..take], hex(&t["expectedHmacSha256"])[..], "tcId {}", t["tcId"]);
    }
}

#[test]
fn wycheproof_hmac_sha256() {
    let file = load("wycheproof-hmac_sha256_test.json");
    let mut count = 0;
    for group in file["testGroups"].as_array().unwrap() {
        let tag_bytes = group["tagSize"].as_u64().unwrap() as usize / 8;
        for t in group["tests"].as_array().unwrap() {
            let mac = hmac_sha256(&hex(&t["key"]), &hex(&t["msg"]));
            let matches = mac[..tag_bytes] == hex(&t["tag"])[..];
            assert_eq!(matches, t["result"] == "valid", "tcId {}", t["tcId"]);
            count += 1;
        }
    }
    assert_eq!(count, 174);
}

#[test]
fn rfc5869_hkdf_sha256() {
    let file = load("rfc5869-hkdf-sha256.json");
    for t in file["tests"].as_array().unwrap() {
        let okm = hkdf_sha256(
            &hex(&t["ikm"]),
            &hex(&t["salt"]),
            &hex(&t["info"]),
            t["L"].as_u64().unwrap() as usize,
        );
        assert_eq!(okm.unwrap(), hex(&t["okm"]), "tcId {}", t["tcId"]);
    }
}

#[test]
fn wycheproof_hkdf_sha256() {
    let file = load("wycheproof-hkdf_sha256_test.json");
    let mut count = 0;
    for group in file["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            let size = t["size"].as_u64().unwrap() as usize;
            let okm = hkdf_sha256(&hex(&t["ikm"]), &hex(&t["salt"]), &hex(&t["info"]), size);
            if t["result"] == "valid" {
                assert_eq!(okm.unwrap(), hex(&t["okm"]), "tcId {}", t["tcId"]);
            } else {
                assert_eq!(okm, Err(Error::ParamsOutOfRange), "tcId {}", t["tcId"]);
            }
            count += 1;
        }
    }
    assert_eq!(count, 86);
}
