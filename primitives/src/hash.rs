//! blake2b-256, used for every artifact, checkpoint and Merkle node hash.

/// A 32-byte blake2b-256 digest.
pub type Hash = [u8; 32];

/// blake2b with a 256-bit output over `data`.
pub fn blake2_256(data: &[u8]) -> Hash {
    sp_crypto_hashing::blake2_256(data)
}

/// Lower-case hex of a hash, for logs, JSON and file names.
pub fn to_hex(hash: &Hash) -> alloc::string::String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = alloc::string::String::with_capacity(64);
    for byte in hash {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    out
}

/// Parses 64 hex digits (an optional `0x` prefix is accepted) into a hash.
pub fn from_hex(text: &str) -> Option<Hash> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.as_bytes().chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake2_256_matches_the_rfc7693_derived_vector_for_abc() {
        // blake2b-256("abc"), as published by the reference implementation.
        assert_eq!(
            to_hex(&blake2_256(b"abc")),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
        );
    }

    #[test]
    fn hex_round_trips_and_rejects_bad_digits() {
        let h = blake2_256(b"x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex(&alloc::format!("0x{}", to_hex(&h))), Some(h));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
    }
}
