//! OS randomness. `getrandom` reads the kernel CSPRNG (getrandom(2) on Linux) directly, with no
//! user-space generator that could be forked or mis-seeded.

use crate::b64::{encode, Alphabet};
use crate::error::{Error, Result};

/// Smallest random id: 128 bits, the OWASP floor for session identifiers.
pub const MIN_ID_BYTES: usize = 16;
/// Largest random id, a bound so a bad argument cannot ask for gigabytes.
pub const MAX_ID_BYTES: usize = 1024;

pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out).map_err(|_| Error::Random)?;
    Ok(out)
}

/// `bytes` random bytes as base64url without padding.
pub fn random_id(bytes: usize) -> Result<String> {
    if !(MIN_ID_BYTES..=MAX_ID_BYTES).contains(&bytes) {
        return Err(Error::ParamsOutOfRange);
    }
    Ok(encode(Alphabet::Base64Url, &random_bytes(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_sized() {
        let a = random_id(32).unwrap();
        let b = random_id(32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(random_id(15), Err(Error::ParamsOutOfRange));
        assert_eq!(random_id(1025), Err(Error::ParamsOutOfRange));
    }
}
