//! Small generated datasets and task specs, one per model family.
//!
//! Nothing may be downloaded at run time, so the tests, the benchmarks, the machine self-test
//! (`mlchain-worker selftest`) and the demo all train on data generated here from a seed with
//! the engine's own counter-based RNG: the same bytes on every machine.
use crate::data::Dataset;
use crate::rng::{u64_at, unit_f32, Stream};
use mlchain_primitives::*;
use std::sync::Arc;

fn uniform(seed: u64, a: u64, b: u64) -> f32 {
    unit_f32(u64_at(seed, Stream::Init, a, b)) * 2.0 - 1.0
}

/// `n` points in 4 dimensions, labelled by the side of a fixed hyperplane they fall on, with
/// a margin so the classes are linearly separable.
pub fn separable(n: usize, seed: u64) -> Dataset {
    let normal = [0.8f32, -0.5, 0.3, 0.6];
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut i = 0u64;
    while y.len() < n {
        let p: Vec<f32> = (0..4).map(|d| uniform(seed, i, d)).collect();
        i += 1;
        let s: f32 = p.iter().zip(&normal).map(|(a, b)| a * b).sum();
        if s.abs() < 0.1 {
            continue;
        }
        x.extend(p);
        y.push(if s > 0.0 { 1.0 } else { 0.0 });
    }
    Dataset::new(vec![4], x, 1, y).unwrap()
}

/// 1x8x8 images with a bright 2x2 blob in the left (class 0) or right (class 1) half.
pub fn images(n: usize, seed: u64) -> Dataset {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..n as u64 {
        let class = (u64_at(seed, Stream::Init, i, 100) % 2) as usize;
        let row = (u64_at(seed, Stream::Init, i, 101) % 7) as usize;
        let col = (u64_at(seed, Stream::Init, i, 102) % 3) as usize + class * 4;
        let mut img: Vec<f32> = (0..64).map(|p| 0.1 * uniform(seed, i, p)).collect();
        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            img[(row + dy) * 8 + col + dx] += 1.0;
        }
        x.extend(img);
        y.push(class as f32);
    }
    Dataset::new(vec![1, 8, 8], x, 1, y).unwrap()
}

/// Token sequences counting upwards modulo `vocab` from a random start: `context` input
/// tokens, labels are the next tokens.
pub fn counting(n: usize, seed: u64, vocab: u64, context: usize) -> Dataset {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..n as u64 {
        let start = u64_at(seed, Stream::Init, i, 200) % vocab;
        for p in 0..context as u64 {
            x.push(((start + p) % vocab) as f32);
            y.push(((start + p + 1) % vocab) as f32);
        }
    }
    Dataset::new(vec![context], x, context, y).unwrap()
}

/// The settings the generated tasks share: warm-up + cosine schedule, cross-entropy, 12 steps
/// with a checkpoint every 3, 3 verifiers checking 2 segments each.
fn base(model: ModelSpec, optimizer: OptimizerSpec) -> TaskSpec {
    TaskSpec {
        model,
        optimizer,
        schedule: LrSchedule::WarmupCosine {
            peak_ppb: 50_000_000,
            final_ppb: 5_000_000,
            warmup_steps: 2,
        },
        loss: Loss::CrossEntropy,
        seed: 42,
        batch_size: 16,
        total_steps: 12,
        checkpoint_interval: 3,
        train_dataset: [0; 32],
        eval_dataset: [0; 32],
        metric: Metric::Accuracy,
        threshold_ppb: 950_000_000,
        verifier_count: 3,
        segments_per_verifier: 2,
    }
}

/// A GELU MLP (4 -> 16 -> 8 -> 2) with dropout, trained with AdamW; fits [`separable`].
pub fn mlp_spec() -> TaskSpec {
    base(
        ModelSpec::Mlp {
            inputs: 4,
            hidden: vec![16, 8].try_into().unwrap(),
            outputs: 2,
            activation: Activation::Gelu,
            dropout_ppb: 100_000_000,
        },
        OptimizerSpec::AdamW {
            beta1_ppb: 900_000_000,
            beta2_ppb: 999_000_000,
            eps_ppb: 10,
            weight_decay_ppb: 10_000_000,
        },
    )
}

/// A one-layer tanh CNN on 1x8x8 images, trained with SGD + momentum; fits [`images`].
pub fn cnn_spec() -> TaskSpec {
    base(
        ModelSpec::Cnn {
            channels: 1,
            height: 8,
            width: 8,
            conv: vec![ConvLayer {
                channels: 4,
                kernel: 3,
            }]
            .try_into()
            .unwrap(),
            outputs: 2,
            activation: Activation::Tanh,
        },
        OptimizerSpec::Sgd {
            momentum_ppb: 900_000_000,
            weight_decay_ppb: 1_000_000,
        },
    )
}

/// A one-layer causal transformer (vocab 8, context 6), trained with AdamW; fits [`counting`].
pub fn transformer_spec() -> TaskSpec {
    let mut spec = base(
        ModelSpec::Transformer {
            vocab: 8,
            context: 6,
            width: 8,
            heads: 2,
            layers: 1,
        },
        OptimizerSpec::AdamW {
            beta1_ppb: 900_000_000,
            beta2_ppb: 999_000_000,
            eps_ppb: 10,
            weight_decay_ppb: 0,
        },
    );
    spec.batch_size = 8;
    spec
}

/// Every model family the engine implements, with data that fits it.
pub fn families() -> Vec<(&'static str, TaskSpec, Arc<Dataset>)> {
    vec![
        ("mlp", mlp_spec(), Arc::new(separable(64, 1))),
        ("cnn", cnn_spec(), Arc::new(images(48, 2))),
        (
            "transformer",
            transformer_spec(),
            Arc::new(counting(40, 3, 8, 6)),
        ),
    ]
}

/// `n` random examples with `features` inputs in [-1, 1) and labels in `0..classes`, for
/// benchmarks where only the shapes matter.
pub fn random_classification(n: usize, features: usize, classes: u64, seed: u64) -> Dataset {
    let x = (0..n as u64)
        .flat_map(|i| (0..features as u64).map(move |f| uniform(seed, i, 1_000 + f)))
        .collect();
    let y = (0..n as u64).map(|i| (u64_at(seed, Stream::Init, i, 300) % classes) as f32).collect();
    Dataset::new(vec![features], x, 1, y).expect("shapes agree by construction")
}

/// The workloads the speed benchmarks use, beside the same models in PyTorch
/// (`worker/benches/pytorch/bench.py` mirrors them):
/// - `mlp-mnist`: MLP 784 -> 256 -> 128 -> 10, GELU, dropout 0.1, AdamW, batch 64;
/// - `transformer-small`: vocab 64, context 32, width 64, 4 heads, 2 layers, AdamW, batch 16.
pub fn benchmark_workloads() -> Vec<(&'static str, TaskSpec, Arc<Dataset>)> {
    // Both use AdamW (weight decay 0.01) at a constant 1e-3, as the PyTorch baseline does.
    let adamw = OptimizerSpec::AdamW {
        beta1_ppb: 900_000_000,
        beta2_ppb: 999_000_000,
        eps_ppb: 10,
        weight_decay_ppb: 10_000_000,
    };
    let constant = LrSchedule::Constant { lr_ppb: 1_000_000 };
    let mut mlp = mlp_spec();
    mlp.optimizer = adamw.clone();
    mlp.schedule = constant.clone();
    mlp.model = ModelSpec::Mlp {
        inputs: 784,
        hidden: vec![256, 128].try_into().expect("two hidden layers fit the bound"),
        outputs: 10,
        activation: Activation::Gelu,
        dropout_ppb: 100_000_000,
    };
    mlp.batch_size = 64;
    let mut transformer = transformer_spec();
    transformer.optimizer = adamw;
    transformer.schedule = constant;
    transformer.model =
        ModelSpec::Transformer { vocab: 64, context: 32, width: 64, heads: 4, layers: 2 };
    transformer.batch_size = 16;
    vec![
        ("mlp-mnist", mlp, Arc::new(random_classification(1_024, 784, 10, 11))),
        ("transformer-small", transformer, Arc::new(counting(256, 12, 64, 32))),
    ]
}

/// The task of the network demo and end-to-end tests: the [`mlp_spec`] model trained for 60
/// steps with a checkpoint every 10 (6 segments), 3 verifiers replaying 2 segments each,
/// accepted at 90 % accuracy; with its training and evaluation data (`rows` examples each, from
/// different seeds). The dataset ids are left zero: the registry entries fill them in.
pub fn demo_task(rows: usize) -> (TaskSpec, Dataset, Dataset) {
    let mut spec = mlp_spec();
    spec.total_steps = 60;
    spec.checkpoint_interval = 10;
    spec.threshold_ppb = 900_000_000;
    (spec, separable(rows, 11), separable(rows, 12))
}
