//! Machine independence: `mlchain-worker selftest` computes the same checkpoint hashes on this
//! machine, on an emulated Intel Nehalem (qemu user mode: SSE4.2, no AVX, no AVX2, no FMA) and
//! on qemu's `max` CPU (AVX2 and FMA, and a 64 KiB L1 data cache where Nehalem reports 32 KiB),
//! and all equal the golden values checked into the engine.
#![cfg(target_arch = "x86_64")]

use std::process::Command;

const WORKER: &str = env!("CARGO_BIN_EXE_mlchain-worker");

fn selftest(emulated_cpu: Option<&str>) -> serde_json::Value {
    let output = match emulated_cpu {
        None => Command::new(WORKER).args(["selftest", "--json"]).output(),
        Some(cpu) => Command::new("qemu-x86_64")
            .args(["-cpu", cpu, WORKER, "selftest", "--json"])
            .output(),
    }
    .unwrap_or_else(|e| {
        panic!("cannot start the self-test ({e}); qemu-x86_64 comes with the Debian package qemu-user, which scripts/setup.sh installs")
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "selftest on {emulated_cpu:?} failed:\n{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn selftest_gives_the_golden_hashes_natively_and_on_emulated_cpus() {
    let native = selftest(None);
    let nehalem = selftest(Some("Nehalem"));
    let max = selftest(Some("max"));
    for (name, run) in [("native", &native), ("Nehalem", &nehalem), ("max", &max)] {
        println!("{name:>8}: {}", run["machine"]);
        assert_eq!(run["matches"], true, "{name}: {run}");
        assert_eq!(run["families"], native["families"], "{name}");
    }
    assert_eq!(nehalem["machine"]["avx2"], false, "the emulated Nehalem has no AVX2");
    assert_eq!(nehalem["machine"]["fma"], false, "the emulated Nehalem has no FMA");
    let mut l1d_sizes: Vec<String> =
        [&native, &nehalem, &max].iter().map(|r| r["machine"]["l1d_kib"].to_string()).collect();
    l1d_sizes.sort();
    l1d_sizes.dedup();
    assert!(l1d_sizes.len() >= 2, "the runs cover at least two L1 sizes: {l1d_sizes:?}");
}
