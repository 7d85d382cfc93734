//! The training task specification.
//!
//! A spec names a model family and its architecture, the optimiser and its hyper-parameters,
//! the learning-rate schedule, the loss, the seed, the number of steps and the checkpoint
//! interval, the datasets (by content hash), the metric the result must reach and how many
//! verifiers check it. It is SCALE-encoded on-chain and JSON on the worker's command line.
//!
//! Real-valued hyper-parameters are parts per billion (`u32`, [`PPB`]): the runtime compares
//! and stores them without float maths, and the worker turns them into `f32` by one correctly
//! rounded division, identical on every machine.

use crate::hash::Hash;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// One in parts per billion.
pub const PPB: u32 = 1_000_000_000;

/// The metric a non-finite loss (NaN or infinite) is reported as: the worst loss there is. The
/// runtime refuses it as a claimed metric and as a loss threshold, so it never passes.
pub const NON_FINITE_LOSS: u64 = u64::MAX;

/// A loss in parts per billion, rounded; [`NON_FINITE_LOSS`] when it is NaN or infinite (a
/// plain `as u64` cast would make NaN a perfect 0).
pub fn loss_to_ppb(loss: f64) -> u64 {
	if !loss.is_finite() {
		return NON_FINITE_LOSS;
	}
	// Round half up without `f64::round` (not in `core`); losses are never negative.
	let ppb = loss * f64::from(PPB) + 0.5;
	if ppb <= 0.0 {
		0
	} else if ppb >= NON_FINITE_LOSS as f64 {
		NON_FINITE_LOSS - 1
	} else {
		ppb as u64
	}
}
/// Most hidden layers an MLP may have.
pub const MAX_HIDDEN_LAYERS: u32 = 8;
/// Most conv blocks a CNN may have.
pub const MAX_CONV_LAYERS: u32 = 4;

macro_rules! shared_type {
    ($(#[$m:meta])* $vis:vis $kind:ident $name:ident $($body:tt)*) => {
        #[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "snake_case", deny_unknown_fields))]
        $(#[$m])*
        $vis $kind $name $($body)*
    };
}

shared_type! {
    /// Non-linearity between layers.
    #[derive(Copy)]
    pub enum Activation { Relu, Tanh, Gelu }
}

shared_type! {
    /// One convolution block: a square `kernel` x `kernel` convolution (stride 1, no padding)
    /// with `channels` outputs, the activation, then a 2x2 max-pool with stride 2.
    #[derive(Copy)]
    pub struct ConvLayer { pub channels: u32, pub kernel: u32 }
}

shared_type! {
    /// Model family and architecture.
    #[cfg_attr(feature = "serde", serde(tag = "family"))]
    pub enum ModelSpec {
        /// Fully connected network on feature vectors.
        Mlp {
            inputs: u32,
            hidden: BoundedVec<u32, ConstU32<MAX_HIDDEN_LAYERS>>,
            outputs: u32,
            activation: Activation,
            /// Dropout probability after each hidden activation, parts per billion.
            dropout_ppb: u32,
        },
        /// Conv blocks then one linear layer, on `channels` x `height` x `width` images.
        Cnn {
            channels: u32,
            height: u32,
            width: u32,
            conv: BoundedVec<ConvLayer, ConstU32<MAX_CONV_LAYERS>>,
            outputs: u32,
            activation: Activation,
        },
        /// Decoder-only causal transformer predicting the next token at every position.
        Transformer { vocab: u32, context: u32, width: u32, heads: u32, layers: u32 },
    }
}

shared_type! {
    /// Optimiser and its hyper-parameters (all parts per billion).
    pub enum OptimizerSpec {
        /// SGD with (heavy-ball) momentum and L2 weight decay added to the gradient.
        Sgd { momentum_ppb: u32, weight_decay_ppb: u32 },
        /// AdamW (decoupled weight decay).
        #[cfg_attr(feature = "serde", serde(rename = "adamw"))]
        AdamW { beta1_ppb: u32, beta2_ppb: u32, eps_ppb: u32, weight_decay_ppb: u32 },
    }
}

shared_type! {
    /// Learning rate as a function of the step.
    pub enum LrSchedule {
        Constant { lr_ppb: u32 },
        /// Linear warm-up from 0 to `peak_ppb` over `warmup_steps`, then a cosine decay to
        /// `final_ppb` at the last step.
        WarmupCosine { peak_ppb: u32, final_ppb: u32, warmup_steps: u32 },
    }
}

shared_type! {
    #[derive(Copy)]
    pub enum Loss { CrossEntropy, Mse }
}

shared_type! {
    /// What the evaluation reports and how it is compared with the threshold.
    #[derive(Copy)]
    pub enum Metric {
        /// Fraction of correct predictions, parts per billion; passes when >= threshold.
        Accuracy,
        /// Mean loss times 10^9; passes when <= threshold.
        Loss,
    }
}

shared_type! {
    /// Everything needed to train and to verify a task.
    pub struct TaskSpec {
        pub model: ModelSpec,
        pub optimizer: OptimizerSpec,
        pub schedule: LrSchedule,
        pub loss: Loss,
        /// Seeds initialisation, data order and dropout.
        pub seed: u64,
        /// Examples per step.
        pub batch_size: u32,
        /// Total training steps S; a multiple of `checkpoint_interval`.
        pub total_steps: u32,
        /// Steps between checkpoints K; the run has S / K segments.
        pub checkpoint_interval: u32,
        /// Content hash of the training dataset.
        pub train_dataset: Hash,
        /// Content hash of the evaluation dataset.
        pub eval_dataset: Hash,
        pub metric: Metric,
        /// Threshold in the metric's unit (parts per billion).
        pub threshold_ppb: u64,
        /// How many verifiers re-execute segments.
        pub verifier_count: u32,
        /// Segments each verifier replays.
        pub segments_per_verifier: u32,
    }
}

/// Why a spec is not trainable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpecError {
    ZeroDimension,
    ZeroSteps,
    ZeroBatch,
    IntervalNotDividingSteps,
    /// A probability or decay rate of one or more.
    RateOutOfRange,
    /// Transformer width not divisible by the head count.
    WidthNotDivisibleByHeads,
    /// CNN conv blocks shrink the image to nothing.
    ImageTooSmall,
    /// Cross-entropy with a single output class.
    NeedsTwoClasses,
}

impl SpecError {
    pub fn message(&self) -> &'static str {
        match self {
            Self::ZeroDimension => "every layer width, size and count must be at least 1",
            Self::ZeroSteps => "total_steps and checkpoint_interval must be at least 1",
            Self::ZeroBatch => "batch_size must be at least 1",
            Self::IntervalNotDividingSteps => "checkpoint_interval must divide total_steps",
            Self::RateOutOfRange => {
                "dropout, momentum and betas must be below 1 (1_000_000_000 ppb)"
            }
            Self::WidthNotDivisibleByHeads => "transformer width must be a multiple of heads",
            Self::ImageTooSmall => {
                "the conv blocks shrink the image below 1x1; use fewer or smaller kernels"
            }
            Self::NeedsTwoClasses => "cross-entropy needs at least 2 output classes",
        }
    }
}

impl TaskSpec {
    /// Number of segments (and checkpoints after the initial one).
    pub fn segments(&self) -> u32 {
        self.total_steps / self.checkpoint_interval.max(1)
    }

    /// Checks everything the engine relies on; the runtime can call it at `create_task`.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.total_steps == 0 || self.checkpoint_interval == 0 {
            return Err(SpecError::ZeroSteps);
        }
        if self.total_steps % self.checkpoint_interval != 0 {
            return Err(SpecError::IntervalNotDividingSteps);
        }
        if self.batch_size == 0 {
            return Err(SpecError::ZeroBatch);
        }
        let outputs = match &self.model {
            ModelSpec::Mlp {
                inputs,
                hidden,
                outputs,
                dropout_ppb,
                ..
            } => {
                if *inputs == 0 || *outputs == 0 || hidden.iter().any(|h| *h == 0) {
                    return Err(SpecError::ZeroDimension);
                }
                if *dropout_ppb >= PPB {
                    return Err(SpecError::RateOutOfRange);
                }
                *outputs
            }
            ModelSpec::Cnn {
                channels,
                height,
                width,
                conv,
                outputs,
                ..
            } => {
                if *channels == 0
                    || *outputs == 0
                    || conv.iter().any(|c| c.channels == 0 || c.kernel == 0)
                {
                    return Err(SpecError::ZeroDimension);
                }
                let (mut h, mut w) = (*height, *width);
                for c in conv.iter() {
                    if h < c.kernel || w < c.kernel {
                        return Err(SpecError::ImageTooSmall);
                    }
                    h = (h - c.kernel + 1) / 2;
                    w = (w - c.kernel + 1) / 2;
                    if h == 0 || w == 0 {
                        return Err(SpecError::ImageTooSmall);
                    }
                }
                *outputs
            }
            ModelSpec::Transformer {
                vocab,
                context,
                width,
                heads,
                layers,
            } => {
                if *vocab == 0 || *context == 0 || *width == 0 || *heads == 0 || *layers == 0 {
                    return Err(SpecError::ZeroDimension);
                }
                if width % heads != 0 {
                    return Err(SpecError::WidthNotDivisibleByHeads);
                }
                *vocab
            }
        };
        if self.loss == Loss::CrossEntropy && outputs < 2 {
            return Err(SpecError::NeedsTwoClasses);
        }
        match self.optimizer {
            OptimizerSpec::Sgd { momentum_ppb, .. } if momentum_ppb >= PPB => {
                Err(SpecError::RateOutOfRange)
            }
            OptimizerSpec::AdamW {
                beta1_ppb,
                beta2_ppb,
                ..
            } if beta1_ppb >= PPB || beta2_ppb >= PPB => Err(SpecError::RateOutOfRange),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

	#[test]
	fn a_non_finite_loss_is_the_worst_loss() {
		assert_eq!(loss_to_ppb(f64::NAN), NON_FINITE_LOSS);
		assert_eq!(loss_to_ppb(-f64::NAN), NON_FINITE_LOSS);
		assert_eq!(loss_to_ppb(f64::INFINITY), NON_FINITE_LOSS);
		assert_eq!(loss_to_ppb(0.25), 250_000_000);
		assert_eq!(loss_to_ppb(1.0e-9 * 0.4), 0);
		assert_eq!(loss_to_ppb(1.0e-9 * 0.6), 1);
		assert_eq!(loss_to_ppb(0.0), 0);
		assert!(loss_to_ppb(1.0e30) < NON_FINITE_LOSS);
	}

    pub(crate) fn mlp_spec() -> TaskSpec {
        TaskSpec {
            model: ModelSpec::Mlp {
                inputs: 4,
                hidden: BoundedVec::truncate_from(alloc::vec![8]),
                outputs: 2,
                activation: Activation::Relu,
                dropout_ppb: 0,
            },
            optimizer: OptimizerSpec::Sgd {
                momentum_ppb: 900_000_000,
                weight_decay_ppb: 0,
            },
            schedule: LrSchedule::Constant {
                lr_ppb: 100_000_000,
            },
            loss: Loss::CrossEntropy,
            seed: 7,
            batch_size: 8,
            total_steps: 20,
            checkpoint_interval: 5,
            train_dataset: [1; 32],
            eval_dataset: [2; 32],
            metric: Metric::Accuracy,
            threshold_ppb: 900_000_000,
            verifier_count: 3,
            segments_per_verifier: 2,
        }
    }

    #[test]
    fn valid_spec_passes_and_counts_segments() {
        let spec = mlp_spec();
        assert_eq!(spec.validate(), Ok(()));
        assert_eq!(spec.segments(), 4);
    }

    #[test]
    fn interval_that_does_not_divide_steps_is_refused() {
        let mut spec = mlp_spec();
        spec.checkpoint_interval = 3;
        assert_eq!(spec.validate(), Err(SpecError::IntervalNotDividingSteps));
    }

    #[test]
    fn momentum_of_one_is_refused() {
        let mut spec = mlp_spec();
        spec.optimizer = OptimizerSpec::Sgd {
            momentum_ppb: PPB,
            weight_decay_ppb: 0,
        };
        assert_eq!(spec.validate(), Err(SpecError::RateOutOfRange));
    }

    #[test]
    fn transformer_width_must_split_into_heads() {
        let mut spec = mlp_spec();
        spec.model = ModelSpec::Transformer {
            vocab: 16,
            context: 8,
            width: 10,
            heads: 3,
            layers: 1,
        };
        assert_eq!(spec.validate(), Err(SpecError::WidthNotDivisibleByHeads));
    }

    #[test]
    fn spec_round_trips_through_scale() {
        let spec = mlp_spec();
        assert_eq!(TaskSpec::decode(&mut &spec.encode()[..]).unwrap(), spec);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn spec_round_trips_through_json_and_unknown_fields_are_refused() {
        let spec = mlp_spec();
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<TaskSpec>(&json).unwrap(), spec);
        let bad = json.replacen("\"seed\"", "\"sede\"", 1);
        assert!(serde_json::from_str::<TaskSpec>(&bad).is_err());
    }
}
