//! The core cache on its own; the shared semantics are tested from JS on both backends
//! (__test__/cache*.spec.ts), these cover the Rust edges the JS tests cannot reach directly.

use std::sync::Arc;
use std::thread;

use keycard_cache::{open_named, Cache, Config, Increment, Ttl};

fn cache(max_size: u32, max_bytes: u64, ttl_ms: u64) -> Cache {
    let cache = Cache::new(Config {
        max_size,
        max_bytes,
        ttl_ms,
        update_age_on_get: false,
    });
    cache.set_test_now(Some(1_000));
    cache
}

fn text(cache: &Cache, key: &str) -> Option<String> {
    cache.get(key.as_bytes(), |v| String::from_utf8(v[1..].to_vec()).unwrap())
}

#[test]
fn evicts_the_least_recent_entry() {
    let c = cache(2, 0, 0);
    c.set(b"a", 1, b"1", Ttl::Default);
    c.set(b"b", 1, b"2", Ttl::Default);
    assert_eq!(text(&c, "a").as_deref(), Some("1")); // a is now the most recent
    c.set(b"c", 1, b"3", Ttl::Default);
    assert!(!c.has(b"b"));
    assert!(c.has(b"a") && c.has(b"c"));
    assert_eq!(c.stats().evictions, 1);
}

#[test]
fn expires_exactly_at_the_deadline() {
    let c = cache(10, 0, 500);
    c.set(b"k", 1, b"v", Ttl::Default);
    c.set(b"forever", 1, b"v", Ttl::Never);
    c.set_test_now(Some(1_499));
    assert_eq!(c.remaining_ttl(b"k"), Some(Some(1)));
    assert_eq!(c.remaining_ttl(b"forever"), Some(None));
    c.set_test_now(Some(1_500));
    assert_eq!(c.remaining_ttl(b"k"), None);
    let stats = c.stats();
    assert_eq!((stats.size, stats.expirations), (1, 1));
}

#[test]
fn the_byte_bound_evicts_and_refuses_oversized_entries() {
    let c = cache(100, 10, 0);
    assert!(c.set(b"a", 1, b"1234", Ttl::Default)); // 5 bytes
    assert!(c.set(b"b", 1, b"1234", Ttl::Default)); // 10 bytes in all
    assert!(c.set(b"c", 1, b"12", Ttl::Default)); // 13 > 10: a goes
    assert!(!c.has(b"a"));
    assert_eq!(c.stats().bytes, 8);
    assert!(!c.set(b"b", 1, b"12345678901", Ttl::Default));
    assert_eq!(text(&c, "b").as_deref(), Some("1234"));
}

#[test]
fn replaced_entries_leave_no_stale_expiry_behind() {
    let c = cache(10, 0, 0);
    c.set(b"k", 1, b"old", Ttl::Ms(100));
    c.set(b"k", 1, b"new", Ttl::Ms(1_000));
    c.set_test_now(Some(1_200));
    assert_eq!(text(&c, "k").as_deref(), Some("new"));
    assert_eq!(c.stats().expirations, 0);
    // Churn on one key must not grow the heap without bound.
    for i in 0..10_000u64 {
        c.set(b"k", 1, b"v", Ttl::Ms(10_000 + i));
    }
    assert_eq!(c.len(), 1);
}

#[test]
fn named_caches_are_shared_between_threads() {
    let config = Config {
        max_size: 1_000,
        max_bytes: 0,
        ttl_ms: 0,
        update_age_on_get: false,
    };
    let name = "keycard-cache-test-shared";
    let writers: Vec<_> = (0..4)
        .map(|t| {
            thread::spawn(move || {
                let cache = open_named(name, config).unwrap();
                for i in 0..100 {
                    cache.set(format!("{t}:{i}").as_bytes(), 1, b"x", Ttl::Default);
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let cache = open_named(name, config).unwrap();
    assert_eq!(cache.len(), 400);
    let other = Config { max_size: 5, ..config };
    assert_eq!(open_named(name, other).err().map(|e| e.existing), Some(config));
    assert!(Arc::ptr_eq(&cache, &open_named(name, config).unwrap()));
}

#[test]
fn a_poisoned_cache_is_emptied_not_trusted() {
    let c = Arc::new(cache(10, 0, 0));
    c.set(b"k", 1, b"v", Ttl::Default);
    let panicking = Arc::clone(&c);
    let result = thread::spawn(move || {
        panicking.get(b"k", |_| panic!("reader panics while the lock is held"));
    })
    .join();
    assert!(result.is_err());
    assert!(!c.has(b"k"));
    assert!(c.set(b"k", 1, b"again", Ttl::Default));
    assert_eq!(text(&c, "k").as_deref(), Some("again"));
}

#[test]
fn keys_alike_in_their_first_bytes_stay_distinct() {
    // Entries keep a key's first 23 bytes inline and compare the rest from their allocation:
    // keys equal up to and past that point, or of other lengths, must never match each other.
    let c = cache(1000, 0, 0);
    let base = "k".repeat(40);
    let mut keys = vec![String::new(), "a".into(), "a\0".into()];
    for n in [22, 23, 24, 25, 40] {
        keys.push(base[..n].to_string());
        keys.push(format!("{}x", &base[..n - 1]));
    }
    for (i, key) in keys.iter().enumerate() {
        assert!(c.set(key.as_bytes(), 1, i.to_string().as_bytes(), Ttl::Default));
    }
    assert_eq!(c.len(), keys.len() as u64);
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(text(&c, key), Some(i.to_string()), "{key:?}");
    }
    assert!(!c.has(&base.as_bytes()[..21]));
    assert!(!c.has(format!("{base}k").as_bytes()));
    // The table compares keys only when 7 bits of their hashes agree: thousands of keys of one
    // length that share their first 30 bytes make such comparisons certain to happen.
    let many = cache(10_000, 0, 0);
    let key = |i: usize| format!("{}{i:06}", "p".repeat(30));
    for i in 0..5000 {
        assert!(many.set(key(i).as_bytes(), 1, i.to_string().as_bytes(), Ttl::Default));
    }
    assert_eq!(many.len(), 5000);
    for i in 0..5000 {
        assert_eq!(text(&many, &key(i)), Some(i.to_string()));
    }
}

#[test]
fn replacing_with_a_longer_or_shorter_value_keeps_the_key_and_the_byte_count() {
    let c = cache(10, 0, 0);
    let key = "a-key-longer-than-the-inline-prefix";
    for value in ["mid-size", "a much longer value than before", "", "x", "mid-size"] {
        assert!(c.set(key.as_bytes(), 1, value.as_bytes(), Ttl::Default));
        assert_eq!(text(&c, key).as_deref(), Some(value));
        assert_eq!(c.stats().bytes, (key.len() + value.len()) as u64);
    }
    assert!(c.set(b"short", 1, b"v", Ttl::Default));
    assert_eq!(
        c.stats().bytes,
        (key.len() + "mid-size".len() + "short".len() + 1) as u64
    );
    assert_eq!(c.len(), 2);
}

#[test]
fn increments_add_up_exactly_across_threads() {
    let c = Arc::new(cache(10, 0, 0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let c = Arc::clone(&c);
            thread::spawn(move || {
                for _ in 0..10_000 {
                    c.increment(b"n", 3, 1, Ttl::Default);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(c.increment(b"n", 3, 0, Ttl::Default), Increment::Value(40_000));
    assert_eq!(text(&c, "n").as_deref(), Some("40000"));
}

#[test]
fn increment_keeps_the_expiry_refuses_non_counters_and_overflow() {
    let c = cache(10, 0, 0);
    assert_eq!(c.increment(b"n", 3, -5, Ttl::Ms(100)), Increment::Value(-5));
    c.set_test_now(Some(1_050));
    assert_eq!(c.increment(b"n", 3, 15, Ttl::Ms(100)), Increment::Value(10));
    assert_eq!(c.remaining_ttl(b"n"), Some(Some(50))); // not restarted
    c.set_test_now(Some(1_100));
    assert!(!c.has(b"n"));
    c.set(b"s", 1, b"5", Ttl::Default); // text, not a JSON number
    assert_eq!(c.increment(b"s", 3, 1, Ttl::Default), Increment::NotCounter);
    c.set(b"f", 3, b"1.5", Ttl::Default);
    assert_eq!(c.increment(b"f", 3, 1, Ttl::Default), Increment::NotCounter);
    c.set(b"big", 3, b"9007199254740992", Ttl::Default);
    assert_eq!(c.increment(b"big", 3, 0, Ttl::Default), Increment::NotCounter);
    c.set(b"max", 3, b"9007199254740991", Ttl::Default);
    assert_eq!(c.increment(b"max", 3, 1, Ttl::Default), Increment::OutOfRange);
    assert_eq!(text(&c, "max").as_deref(), Some("9007199254740991"));
    let small = cache(10, 4, 0);
    assert_eq!(small.increment(b"k", 3, 999, Ttl::Default), Increment::Value(999));
    assert_eq!(small.increment(b"k", 3, 1, Ttl::Default), Increment::TooLarge);
    assert_eq!(text(&small, "k").as_deref(), Some("999"));
}

#[test]
fn update_age_on_get_restarts_the_ttl_of_a_hit_only() {
    let c = Cache::new(Config {
        max_size: 10,
        max_bytes: 0,
        ttl_ms: 100,
        update_age_on_get: true,
    });
    c.set_test_now(Some(1_000));
    c.set(b"k", 1, b"v", Ttl::Default);
    c.set(b"short", 1, b"v", Ttl::Ms(10));
    c.set(b"never", 1, b"v", Ttl::Never);
    c.set_test_now(Some(1_090));
    assert!(text(&c, "k").is_some()); // restarts: expires at 1_190
    assert!(c.peek(b"short", |_| ()).is_none()); // expired at 1_010
    c.set_test_now(Some(1_189));
    assert!(c.has(b"k")); // has/peek do not restart it
    assert_eq!(c.remaining_ttl(b"k"), Some(Some(1)));
    c.set_test_now(Some(1_190));
    assert!(!c.has(b"k"));
    assert!(text(&c, "never").is_some());
    assert_eq!(c.remaining_ttl(b"never"), Some(None));
    // Many hits leave the heap bounded (stale items are compacted away).
    c.set(b"hot", 1, b"v", Ttl::Ms(1_000));
    for _ in 0..10_000 {
        assert!(text(&c, "hot").is_some());
    }
    assert_eq!(c.stats().expirations, 2);
}
