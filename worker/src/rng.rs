//! Counter-based random numbers: every value is a pure function of (seed, stream, counter), so
//! any step's data order, dropout mask or any weight's initial value is computed directly,
//! without replaying earlier draws, and identically on every machine and thread.
//!
//! The mixer is SplitMix64's finaliser applied to a keyed combination; it is not
//! cryptographic, and need not be: the seed already mixes in chain randomness.

/// Independent streams, so that e.g. dropout draws never alias data-order draws.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Stream {
    Init = 1,
    DataOrder = 2,
    Dropout = 3,
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit random value at `(a, b)` in `stream` of `seed`.
pub fn u64_at(seed: u64, stream: Stream, a: u64, b: u64) -> u64 {
    let k = mix(seed ^ (stream as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let k = mix(k ^ a.wrapping_mul(0xd1b5_4a32_d192_ed03));
    mix(k ^ b
        .wrapping_mul(0xabc9_8388_fb8c_5b0b)
        .wrapping_add(0x632b_e59b_d9b4_e019))
}

/// Uniform in [0, 1) with 24 random bits: exactly representable, no rounding anywhere.
pub fn unit_f32(value: u64) -> f32 {
    (value >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
}

/// Uniform integer in `0..n` by multiply-shift (bias below 2^-32 for our sizes).
pub fn below(value: u64, n: u64) -> u64 {
    ((value as u128 * n as u128) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_depend_on_every_key_part() {
        let base = u64_at(1, Stream::Init, 2, 3);
        assert_eq!(base, u64_at(1, Stream::Init, 2, 3));
        assert_ne!(base, u64_at(2, Stream::Init, 2, 3));
        assert_ne!(base, u64_at(1, Stream::Dropout, 2, 3));
        assert_ne!(base, u64_at(1, Stream::Init, 3, 3));
        assert_ne!(base, u64_at(1, Stream::Init, 2, 4));
        assert_ne!(u64_at(1, Stream::Init, 0, 1), u64_at(1, Stream::Init, 1, 0));
    }

    #[test]
    fn unit_values_are_in_range_and_roughly_uniform() {
        let mut sum = 0.0f64;
        for i in 0..10_000 {
            let u = unit_f32(u64_at(5, Stream::Init, 0, i));
            assert!((0.0..1.0).contains(&u));
            sum += u as f64;
        }
        assert!((sum / 10_000.0 - 0.5).abs() < 0.02);
        assert!(below(u64::MAX, 10) < 10);
    }
}
