//! Whether a task fits this machine, checked before claiming it: a worker that claims what it
//! cannot finish in time is slashed for not showing up, so the daemon only claims a task whose
//! data matches the spec, whose training fits in memory and whose run it can train in well
//! under the execution window at the speed this machine measured.
use crate::error::{Error, Result};
use crate::train::{pool, Trainer};
use mlchain_primitives::{cost, TaskSpec};
use std::time::Instant;

/// Part of the execution window the estimated training time may use: the rest is for
/// fetching the data, publishing the checkpoints and a machine busier than when it measured.
pub const WINDOW_SHARE: f64 = 0.5;

/// What this machine offers a task.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    /// Memory available for training, bytes.
    pub memory: u64,
    /// Training speed, operations per second (as `mlchain_primitives::cost` counts them).
    pub ops_per_second: f64,
}

impl Machine {
    /// Measures the machine: available memory from `/proc/meminfo`, speed from a few steps
    /// of the `mlp-mnist` benchmark workload on `threads` kernel threads.
    pub fn measure(threads: usize) -> Result<Self> {
        Ok(Self { memory: available_memory()?, ops_per_second: measure_speed(threads)? })
    }
}

/// Why a task does not fit this machine.
#[derive(Clone, Debug, PartialEq)]
pub enum Unfit {
    /// A registry entry's rows do not have the spec's input size.
    Schema { dataset: &'static str, registered: u64, expected: u64 },
    /// Training needs more memory than is available.
    Memory { needed: u64, available: u64 },
    /// The run would take longer than its share of the execution window.
    Time { needed_s: f64, allowed_s: f64 },
}

impl std::fmt::Display for Unfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const GIB: f64 = (1u64 << 30) as f64;
        match self {
            Unfit::Schema { dataset, registered, expected } => write!(
                f,
                "its {dataset} data has {registered} features per example, the model takes {expected}"
            ),
            Unfit::Memory { needed, available } => write!(
                f,
                "training needs {:.2} GiB, this machine has {:.2} GiB available",
                *needed as f64 / GIB,
                *available as f64 / GIB
            ),
            Unfit::Time { needed_s, allowed_s } => write!(
                f,
                "training would take about {needed_s:.0} s here, more than {allowed_s:.0} s \
                 ({:.0} % of the execution window)",
                WINDOW_SHARE * 100.0
            ),
        }
    }
}

/// Whether `spec` fits `machine` with `window_s` seconds to train it, given the feature
/// counts its two registry entries declare.
pub fn check(
    spec: &TaskSpec,
    machine: &Machine,
    window_s: f64,
    train_features: u64,
    eval_features: u64,
) -> std::result::Result<(), Unfit> {
    let expected = cost::input_size(&spec.model);
    for (dataset, registered) in [("training", train_features), ("evaluation", eval_features)] {
        if registered != expected {
            return Err(Unfit::Schema { dataset, registered, expected });
        }
    }
    let needed = cost::training_memory(spec);
    if needed > machine.memory {
        return Err(Unfit::Memory { needed, available: machine.memory });
    }
    let needed_s = cost::training_ops(spec) as f64 / machine.ops_per_second.max(1.0);
    let allowed_s = window_s * WINDOW_SHARE;
    if needed_s > allowed_s {
        return Err(Unfit::Time { needed_s, allowed_s });
    }
    Ok(())
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn available_memory() -> Result<u64> {
    let text = std::fs::read_to_string("/proc/meminfo")
        .map_err(|source| Error::Io { path: "/proc/meminfo".into(), source })?;
    parse_mem_available(&text)
        .ok_or_else(|| Error::Other("/proc/meminfo has no MemAvailable line".into()))
}

fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// Operations per second of a few training steps of `mlp-mnist` (a warm-up step first).
fn measure_speed(threads: usize) -> Result<f64> {
    let (_, spec, data) = crate::synthetic::benchmark_workloads()
        .into_iter()
        .next()
        .ok_or_else(|| Error::Other("no benchmark workload".into()))?;
    const STEPS: u32 = 8;
    pool(threads)?.install(|| {
        let mut trainer = Trainer::new(&spec, data)?;
        trainer.step()?;
        let start = Instant::now();
        for _ in 0..STEPS {
            trainer.step()?;
        }
        let seconds = start.elapsed().as_secs_f64().max(1e-6);
        Ok(cost::step_ops(&spec) as f64 * f64::from(STEPS) / seconds)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Machine {
        Machine { memory: 1 << 30, ops_per_second: 1e9 }
    }

    #[test]
    fn a_task_that_fits_passes() {
        let spec = crate::synthetic::mlp_spec();
        assert_eq!(check(&spec, &machine(), 600.0, 4, 4), Ok(()));
    }

    #[test]
    fn data_of_the_wrong_width_is_refused_before_claiming() {
        let spec = crate::synthetic::mlp_spec();
        let unfit = check(&spec, &machine(), 600.0, 4, 5).unwrap_err();
        assert_eq!(unfit, Unfit::Schema { dataset: "evaluation", registered: 5, expected: 4 });
        assert!(unfit.to_string().contains("5 features per example, the model takes 4"));
    }

    #[test]
    fn too_little_memory_or_time_is_refused() {
        let mut spec = crate::synthetic::mlp_spec();
        let small = Machine { memory: cost::training_memory(&spec) - 1, ops_per_second: 1e9 };
        assert!(matches!(check(&spec, &small, 600.0, 4, 4), Err(Unfit::Memory { .. })));
        // A run of exactly the allowed share passes; one step more does not.
        let seconds = cost::training_ops(&spec) as f64 / 1e9;
        assert_eq!(check(&spec, &machine(), seconds / WINDOW_SHARE, 4, 4), Ok(()));
        spec.total_steps += spec.checkpoint_interval;
        assert!(matches!(check(&spec, &machine(), seconds / WINDOW_SHARE, 4, 4), Err(Unfit::Time { .. })));
    }

    /// The chain prices and bounds specs by `mlchain_primitives::cost`: its parameter counts
    /// must be those of the models the engine builds.
    #[test]
    fn the_cost_model_counts_the_engines_parameters() {
        let specs = crate::synthetic::families()
            .into_iter()
            .chain(crate::synthetic::benchmark_workloads())
            .map(|(name, spec, _)| (name, spec));
        for (name, spec) in specs {
            let model = crate::model::Model::new(&spec).unwrap();
            let engine: usize = model.params().entries.iter().map(|(_, v)| v.as_tensor().elem_count()).sum();
            assert_eq!(cost::model_cost(&spec.model).parameters, engine as u64, "{name}");
        }
    }

    #[test]
    fn meminfo_is_read_in_kib() {
        let text = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(parse_mem_available(text), Some(2048 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn the_measured_speed_is_positive_and_finite() {
        let m = Machine::measure(1).unwrap();
        assert!(m.ops_per_second.is_finite() && m.ops_per_second > 1e6, "{m:?}");
        assert!(m.memory > 0);
    }
}
