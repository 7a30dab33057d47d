//! Wycheproof AES-GCM through the AES-256-GCM primitive: the 256-bit key, 96-bit IV, 128-bit tag
//! groups (39 valid must encrypt and decrypt exactly, 27 ModifiedTag must fail), and every other
//! IV size must be refused outright. Same file as `__test__/aes_gcm_vectors.spec.ts`.

use std::path::PathBuf;

use keycard_seal::{aead, Error};
use serde_json::Value;

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

#[test]
fn wycheproof_aes_256_gcm() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/vectors/wycheproof-aes_gcm_test.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).unwrap();
    let (mut valid, mut invalid, mut refused_iv) = (0, 0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        if group["keySize"] != 256 || group["tagSize"] != 128 {
            continue;
        }
        for t in group["tests"].as_array().unwrap() {
            let (key, iv, aad, msg) = (hex(&t["key"]), hex(&t["iv"]), hex(&t["aad"]), hex(&t["msg"]));
            let mut sealed = hex(&t["ct"]);
            sealed.extend(hex(&t["tag"]));
            if group["ivSize"] != 96 {
                assert_eq!(
                    aead::decrypt(&key, &iv, &aad, &sealed),
                    Err(Error::BadFormat),
                    "tcId {}",
                    t["tcId"]
                );
                refused_iv += 1;
                continue;
            }
            if t["result"] == "valid" {
                assert_eq!(
                    aead::encrypt(&key, &iv, &aad, &msg).unwrap(),
                    sealed,
                    "tcId {}",
                    t["tcId"]
                );
                assert_eq!(
                    aead::decrypt(&key, &iv, &aad, &sealed).unwrap(),
                    msg,
                    "tcId {}",
                    t["tcId"]
                );
                valid += 1;
            } else {
                assert_eq!(
                    aead::decrypt(&key, &iv, &aad, &sealed),
                    Err(Error::Decrypt),
                    "tcId {}",
                    t["tcId"]
                );
                invalid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (39, 27));
    assert!(refused_iv > 0);
}

#[test]
fn short_tags_are_refused() {
    let key = [1u8; 32];
    let nonce = [2u8; 12];
    let sealed = aead::encrypt(&key, &nonce, b"", b"hello").unwrap();
    for tag_len in [12, 8, 4, 0] {
        let truncated = &sealed[..sealed.len() - 16 + tag_len];
        assert!(
            aead::decrypt(&key, &nonce, b"", truncated).is_err(),
            "tag of {tag_len} bytes"
        );
    }
}
