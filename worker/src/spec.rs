//! Reading the task spec and turning its fixed-point numbers into `f32`.
use crate::error::{Error, Result};
use mlchain_primitives::{
    Activation, ConvLayer, Loss, LrSchedule, Metric, ModelSpec, OptimizerSpec, TaskSpec, PPB,
};
use std::path::Path;

/// Loads and validates a JSON spec.
pub fn load(path: &Path) -> Result<TaskSpec> {
    let bytes = crate::error::read_file(path)?;
    parse(&bytes, &path.display().to_string())
}

pub fn parse(bytes: &[u8], name: &str) -> Result<TaskSpec> {
    let spec: TaskSpec = serde_json::from_slice(bytes).map_err(|e| Error::Spec {
        path: name.into(),
        message: e.to_string(),
    })?;
    spec.validate().map_err(|e| Error::Spec {
        path: name.into(),
        message: e.message().into(),
    })?;
    Ok(spec)
}

/// Parts per billion as `f32`: one correctly rounded division, the same everywhere.
pub fn ppb(v: u32) -> f32 {
    (v as f64 / PPB as f64) as f32
}

/// Learning rate at `step` (0-based) of a run of `total` steps.
pub fn learning_rate(schedule: &LrSchedule, step: u64, total: u64) -> f32 {
    match *schedule {
        LrSchedule::Constant { lr_ppb } => ppb(lr_ppb),
        LrSchedule::WarmupCosine {
            peak_ppb,
            final_ppb,
            warmup_steps,
        } => {
            let (peak, last) = (peak_ppb as f64 / PPB as f64, final_ppb as f64 / PPB as f64);
            let warm = warmup_steps as u64;
            let lr = if step < warm {
                peak * (step + 1) as f64 / warm as f64
            } else {
                let span = total.saturating_sub(warm).max(1) as f64;
                let progress = ((step - warm) as f64 / span).min(1.0);
                // libm's cos, not the platform's: the schedule must agree bit for bit.
                last + 0.5 * (peak - last) * (1.0 + libm::cos(core::f64::consts::PI * progress))
            };
            lr as f32
        }
    }
}

/// A starting spec for `mlchain-worker spec new`.
pub fn template(family: &str, inputs: u32, outputs: u32) -> Result<TaskSpec> {
    let model = match family {
        "mlp" => ModelSpec::Mlp {
            inputs,
            hidden: vec![32, 32]
                .try_into()
                .map_err(|_| Error::Other("too many hidden layers".into()))?,
            outputs,
            activation: Activation::Relu,
            dropout_ppb: 0,
        },
        "cnn" => ModelSpec::Cnn {
            channels: 1,
            height: 28,
            width: 28,
            conv: vec![
                ConvLayer {
                    channels: 8,
                    kernel: 3,
                },
                ConvLayer {
                    channels: 16,
                    kernel: 3,
                },
            ]
            .try_into()
            .map_err(|_| Error::Other("too many conv layers".into()))?,
            outputs,
            activation: Activation::Relu,
        },
        "transformer" => ModelSpec::Transformer {
            vocab: outputs.max(2),
            context: 32,
            width: 64,
            heads: 4,
            layers: 2,
        },
        other => {
            return Err(Error::Other(format!(
                "unknown family {other:?}: use mlp, cnn or transformer"
            )))
        }
    };
    let spec = TaskSpec {
        model,
        optimizer: OptimizerSpec::AdamW {
            beta1_ppb: 900_000_000,
            beta2_ppb: 999_000_000,
            eps_ppb: 10,
            weight_decay_ppb: 10_000_000,
        },
        schedule: LrSchedule::WarmupCosine {
            peak_ppb: 10_000_000,
            final_ppb: 1_000_000,
            warmup_steps: 10,
        },
        loss: Loss::CrossEntropy,
        seed: 1,
        batch_size: 32,
        total_steps: 200,
        checkpoint_interval: 20,
        train_dataset: [0; 32],
        eval_dataset: [0; 32],
        metric: Metric::Accuracy,
        threshold_ppb: 900_000_000,
        verifier_count: 3,
        segments_per_verifier: 2,
    };
    spec.validate()
        .map_err(|e| Error::Other(e.message().into()))?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_rises_linearly_then_cosine_decays_to_the_final_rate() {
        let s = LrSchedule::WarmupCosine {
            peak_ppb: 100_000_000,
            final_ppb: 10_000_000,
            warmup_steps: 4,
        };
        assert_eq!(learning_rate(&s, 0, 20), 0.025);
        assert_eq!(learning_rate(&s, 3, 20), 0.1);
        assert!(learning_rate(&s, 10, 20) < 0.1 && learning_rate(&s, 10, 20) > 0.01);
        assert!((learning_rate(&s, 20, 20) - 0.01).abs() < 1e-7);
    }

    #[test]
    fn templates_are_valid_specs_and_unknown_families_are_refused() {
        for f in ["mlp", "cnn", "transformer"] {
            template(f, 4, 2).unwrap();
        }
        assert!(template("rnn", 4, 2).is_err());
    }

    #[test]
    fn malformed_spec_json_is_one_clear_error() {
        let err = parse(b"{\"model\": 3}", "x.json").unwrap_err().to_string();
        assert!(err.starts_with("spec x.json:"), "{err}");
        let mut spec = template("mlp", 4, 2).unwrap();
        spec.checkpoint_interval = 7;
        let err = parse(&serde_json::to_vec(&spec).unwrap(), "y.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("checkpoint_interval must divide"), "{err}");
    }
}
