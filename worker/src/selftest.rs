//! Machine self-test: does this machine compute exactly what every other machine computes?
//!
//! A verifier is only useful if its replay of a segment matches honest workers bit for bit. The
//! self-test trains one step of every model family on the generated data of [`crate::synthetic`]
//! and compares the checkpoint hash with the golden value checked in here, which the engine's
//! fixed-order kernels give on any x86_64 or aarch64 machine with any thread count
//! (docs/determinism.md). `mlchain-worker selftest` runs it; so do the tests, natively and on an
//! emulated CPU without AVX2 or FMA.
use crate::error::Result;
use crate::synthetic::families;
use crate::train::Trainer;
use mlchain_primitives::hash::to_hex;
use serde::Serialize;

/// Hash of the checkpoint after one training step of each family. Change these only with an
/// intended change of the engine's maths, after running `mlchain-worker selftest` on two
/// different machines (or natively and under qemu) and seeing them agree.
pub const GOLDEN_ONE_STEP: &[(&str, &str)] = &[
    ("mlp", "acaf0ad962e85cb9e5dcbb66427c87bfff03fd813cad840444a2181b853d9ddc"),
    ("cnn", "ba5217f2f58a34567cf651b146184e4a3b8ea53fded46e1fa02db0106fa0896c"),
    ("transformer", "7d2cfcbdfa1f3705b1b39b09694c2a8a9e21d8ee80c964ab0a5ce9d39e7ed9a2"),
];

/// The outcome for one model family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyCheck {
    /// Model family.
    pub family: &'static str,
    /// Checkpoint hash after one step on this machine (hex).
    pub computed: String,
    /// The golden hash (hex).
    pub golden: &'static str,
    /// Whether the two agree.
    pub matches: bool,
}

/// Runs one training step of every family and compares it with [`GOLDEN_ONE_STEP`].
pub fn run() -> Result<Vec<FamilyCheck>> {
    let mut checks = Vec::new();
    for (family, spec, data) in families() {
        let mut trainer = Trainer::new(&spec, data)?;
        trainer.step()?;
        let computed = to_hex(&trainer.checkpoint()?.hash());
        let golden = GOLDEN_ONE_STEP
            .iter()
            .find(|(name, _)| *name == family)
            .map(|(_, hash)| *hash)
            .unwrap_or("missing");
        checks.push(FamilyCheck { family, matches: computed == golden, computed, golden });
    }
    Ok(checks)
}

/// What the self-test ran on: the features that change candle's default kernels, and that
/// ours must not depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineInfo {
    /// CPU architecture.
    pub arch: &'static str,
    /// Whether AVX2 is available (x86_64 only).
    pub avx2: bool,
    /// Whether FMA is available (x86_64 only).
    pub fma: bool,
    /// Level-1 data cache per core in KiB, as CPUID reports it (x86_64 only).
    pub l1d_kib: Option<u32>,
}

/// The machine the process runs on.
pub fn machine() -> MachineInfo {
    #[cfg(target_arch = "x86_64")]
    {
        MachineInfo {
            arch: "x86_64",
            avx2: std::arch::is_x86_feature_detected!("avx2"),
            fma: std::arch::is_x86_feature_detected!("fma"),
            l1d_kib: x86_l1d_kib(),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        MachineInfo { arch: std::env::consts::ARCH, avx2: false, fma: false, l1d_kib: None }
    }
}

/// L1 data cache size from CPUID: AMD's extended leaf 0x8000_0005, else the deterministic
/// cache parameters of leaf 4 (Intel, and what qemu emulates).
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)] // `__cpuid` is safe on newer compilers, unsafe on older ones.
fn x86_l1d_kib() -> Option<u32> {
    use std::arch::x86_64::{__cpuid, __cpuid_count};
    // SAFETY: every x86_64 CPU has the CPUID instruction; unknown leaves return zeros.
    let vendor = unsafe { __cpuid(0) };
    let max_extended = unsafe { __cpuid(0x8000_0000) }.eax;
    let authentic_amd = vendor.ebx == u32::from_le_bytes(*b"Auth");
    if authentic_amd && max_extended >= 0x8000_0005 {
        return Some(unsafe { __cpuid(0x8000_0005) }.ecx >> 24);
    }
    if vendor.eax < 4 {
        return None;
    }
    for subleaf in 0..8 {
        let r = unsafe { __cpuid_count(4, subleaf) };
        let (kind, level) = (r.eax & 0x1f, (r.eax >> 5) & 0x7);
        if kind == 0 {
            break;
        }
        if kind == 1 && level == 1 {
            let ways = (r.ebx >> 22) + 1;
            let partitions = ((r.ebx >> 12) & 0x3ff) + 1;
            let line = (r.ebx & 0xfff) + 1;
            let sets = r.ecx + 1;
            return Some(ways * partitions * line * sets / 1024);
        }
    }
    None
}
