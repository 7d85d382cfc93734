//! Benchmarks of the deterministic engine, each beside its baseline in the same run:
//! - `matmul/*`: our fixed-order matmul kernel vs candle's default CPU matmul (gemm), forward
//!   products of the shapes our model families use;
//! - `train_step/*`: one optimiser step of each generated model family and of the two
//!   workloads PyTorch runs in `benches/pytorch` (steps/s);
//! - `segment/*`: replaying one segment (K steps from a checkpoint) vs training the whole run,
//!   which is the verifier's cost as a fraction of the worker's.
//!
//!   cargo bench -p mlchain-worker --bench kernels
//!
//! Results and their reading are in docs/benchmarks.md.
use candle_core::{Device, Tensor};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mlchain_worker::{
    replay::replay_segment,
    synthetic::{benchmark_workloads, families},
    train::Trainer,
};
use std::time::Duration;

fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    // Batch x features x width of: an MNIST-sized MLP layer, a hidden layer, a transformer
    // projection, and one product with K > 512 (where gemm's blocking depends on the L1 size).
    for &(m, k, n) in &[(64, 784, 128), (64, 128, 64), (48, 32, 96), (128, 1024, 128)] {
        let a = Tensor::rand(-1f32, 1f32, (m, k), &Device::Cpu).expect("tensor");
        let b = Tensor::rand(-1f32, 1f32, (k, n), &Device::Cpu).expect("tensor");
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        let shape = format!("{m}x{k}x{n}");
        group.bench_with_input(BenchmarkId::new("deterministic", &shape), &(), |bench, _| {
            bench.iter(|| mlchain_worker::kernels::matmul(&a, &b).expect("matmul"))
        });
        group.bench_with_input(BenchmarkId::new("candle-default", &shape), &(), |bench, _| {
            bench.iter(|| a.matmul(&b).expect("matmul"))
        });
    }
    group.finish();
}

fn train_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step");
    for (family, spec, data) in families().into_iter().chain(benchmark_workloads()) {
        let mut trainer = Trainer::new(&spec, data).expect("trainer");
        group.bench_function(family, |bench| bench.iter(|| trainer.step().expect("step")));
    }
    group.finish();
}

fn segment_vs_run(c: &mut Criterion) {
    let mut group = c.benchmark_group("segment");
    for (family, spec, data) in families() {
        let start = Trainer::new(&spec, data.clone()).expect("trainer").checkpoint().expect("ck");
        group.bench_function(BenchmarkId::new("replay-one", family), |bench| {
            bench.iter(|| replay_segment(&spec, data.clone(), &start).expect("replay"))
        });
        group.bench_function(BenchmarkId::new("train-whole-run", family), |bench| {
            bench.iter(|| {
                let mut trainer = Trainer::new(&spec, data.clone()).expect("trainer");
                while trainer.step < spec.total_steps as u64 {
                    trainer.step().expect("step");
                }
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Two cores, many benchmarks: short but stable measurements.
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(20);
    targets = matmul, train_step, segment_vs_run
}
criterion_main!(benches);
