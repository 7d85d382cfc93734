//! Deterministic matmul vs candle's default (gemm) matmul: time per product and whether the
//! results agree bit for bit.
//!
//!   cargo run --release -p mlchain-worker --example kernel_bench [-- THREADS]
use candle_core::{Device, Tensor};
use std::time::Instant;

fn time<F: FnMut() -> Tensor>(mut f: F) -> (f64, Tensor) {
    let mut out = f();
    let reps = 5;
    let start = Instant::now();
    for _ in 0..reps {
        out = f();
    }
    (start.elapsed().as_secs_f64() * 1e3 / reps as f64, out)
}

fn main() -> candle_core::Result<()> {
    let threads: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    println!("threads {threads}");
    println!(
        "{:>18} {:>12} {:>12} {:>8} {:>14}",
        "m x k x n", "ours ms", "candle ms", "ratio", "bit-identical"
    );
    for &(m, k, n) in &[
        (64, 256, 64),
        (128, 784, 128),
        (256, 1024, 256),
        (512, 512, 512),
    ] {
        let a = Tensor::rand(-1f32, 1f32, (m, k), &Device::Cpu)?;
        let b = Tensor::rand(-1f32, 1f32, (k, n), &Device::Cpu)?;
        let (ours_ms, ours) =
            pool.install(|| time(|| mlchain_worker::kernels::matmul(&a, &b).expect("matmul")));
        let (candle_ms, theirs) = pool.install(|| time(|| a.matmul(&b).expect("matmul")));
        let same = ours
            .flatten_all()?
            .to_vec1::<f32>()?
            .iter()
            .zip(theirs.flatten_all()?.to_vec1::<f32>()?)
            .all(|(x, y)| x.to_bits() == y.to_bits());
        println!(
            "{:>18} {:>12.2} {:>12.2} {:>8.1} {:>14}",
            format!("{m}x{k}x{n}"),
            ours_ms,
            candle_ms,
            ours_ms / candle_ms,
            same
        );
    }
    Ok(())
}
