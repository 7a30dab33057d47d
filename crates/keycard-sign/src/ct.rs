//! Constant-time comparison for secret-dependent checks.

use subtle::ConstantTimeEq;

/// True when `a` and `b` hold the same bytes. The running time depends only on the lengths,
/// never on where the first difference is; inputs of different length return false at once
/// (lengths are not secret: every keycard tag has a fixed, public length).
pub fn timing_safe_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::timing_safe_eq;

    #[test]
    fn compares() {
        assert!(timing_safe_eq(b"abc", b"abc"));
        assert!(!timing_safe_eq(b"abc", b"abd"));
        assert!(!timing_safe_eq(b"abc", b"ab"));
        assert!(timing_safe_eq(b"", b""));
    }
}
