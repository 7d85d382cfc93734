//! What a task's spec costs to train and to replay, shared by the runtime (which bounds specs,
//! prices the verifiers' seats and sizes the commit window from it) and the worker (which
//! checks that a task fits its machine before claiming it).
//!
//! Costs are counted in **operations**: one multiply-add is two operations, and element-wise
//! work (bias, activation, pooling, normalisation, softmax) one per element. The backward pass
//! costs twice the forward pass (the usual estimate: one product for the input gradient, one
//! for the weight gradient), and the optimiser a few operations per parameter. The counts
//! follow the engine's layers (`worker/src/model`); `worker` tests check the parameter counts
//! against the models it builds. Memory is counted in 4-byte floats: the parameters, their
//! gradients and the optimiser's state, plus what the forward pass keeps for the backward
//! pass. Every count saturates at `u64::MAX` (a spec that large is refused anyway).

use crate::spec::{ModelSpec, OptimizerSpec, TaskSpec};

/// What one example costs a model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelCost {
	/// Trainable parameters.
	pub parameters: u64,
	/// Operations of one forward pass on one example.
	pub forward_ops: u64,
	/// Floats one example's forward pass keeps for the backward pass.
	pub activations: u64,
}

impl ModelCost {
	fn add_linear(&mut self, inputs: u64, outputs: u64, rows: u64) {
		self.parameters =
			self.parameters.saturating_add(inputs.saturating_mul(outputs).saturating_add(outputs));
		// rows x inputs times inputs x outputs, plus the bias.
		let product = rows.saturating_mul(inputs).saturating_mul(outputs).saturating_mul(2);
		self.forward_ops =
			self.forward_ops.saturating_add(product).saturating_add(rows.saturating_mul(outputs));
		self.activations = self.activations.saturating_add(rows.saturating_mul(outputs));
	}

	fn add_elementwise(&mut self, elements: u64) {
		self.forward_ops = self.forward_ops.saturating_add(elements);
		self.activations = self.activations.saturating_add(elements);
	}
}

/// The cost of one example of `model`.
pub fn model_cost(model: &ModelSpec) -> ModelCost {
	let mut cost = ModelCost::default();
	match model {
		ModelSpec::Mlp { inputs, hidden, outputs, .. } => {
			let mut width = u64::from(*inputs);
			cost.activations = width;
			for h in hidden.iter().map(|h| u64::from(*h)) {
				cost.add_linear(width, h, 1);
				cost.add_elementwise(h); // activation (and dropout's mask)
				width = h;
			}
			cost.add_linear(width, u64::from(*outputs), 1);
		},
		ModelSpec::Cnn { channels, height, width, conv, outputs, .. } => {
			let (mut c, mut h, mut w) =
				(u64::from(*channels), u64::from(*height), u64::from(*width));
			cost.activations = c.saturating_mul(h).saturating_mul(w);
			for layer in conv.iter() {
				let (k, out) = (u64::from(layer.kernel), u64::from(layer.channels));
				// k x k, stride 1, no padding: one im2col (copied) and one product.
				let (oh, ow) =
					(h.saturating_sub(k).saturating_add(1), w.saturating_sub(k).saturating_add(1));
				let pixels = oh.saturating_mul(ow);
				let patch = k.saturating_mul(k).saturating_mul(c);
				cost.add_elementwise(pixels.saturating_mul(patch));
				cost.add_linear(patch, out, pixels);
				cost.add_elementwise(pixels.saturating_mul(out)); // activation
				cost.add_elementwise(pixels.saturating_mul(out)); // 2 x 2 max-pool reads
				(c, h, w) = (out, oh / 2, ow / 2);
			}
			cost.add_linear(c.saturating_mul(h).saturating_mul(w), u64::from(*outputs), 1);
		},
		ModelSpec::Transformer { vocab, context, width, layers, heads } => {
			let (v, t, d, l, a) = (
				u64::from(*vocab),
				u64::from(*context),
				u64::from(*width),
				u64::from(*layers),
				u64::from(*heads),
			);
			// Token and position embeddings: a gather, no products.
			cost.parameters = v.saturating_add(t).saturating_mul(d);
			cost.add_elementwise(t.saturating_mul(d));
			for _ in 0..l.min(u64::from(u32::MAX)) {
				cost.add_elementwise(t.saturating_mul(d)); // layer norm
				cost.add_linear(d, d.saturating_mul(3), t); // q, k, v
												// Scores q·kᵀ and their use on v: t x t per head of width d/a, both products
												// over the whole square (the causal mask zeroes half, the kernels still run it).
				let square = t.saturating_mul(t);
				cost.forward_ops =
					cost.forward_ops.saturating_add(square.saturating_mul(d).saturating_mul(4));
				cost.add_elementwise(square.saturating_mul(a)); // softmax
				cost.add_linear(d, d, t); // projection
				cost.add_elementwise(t.saturating_mul(d)); // residual
				cost.add_elementwise(t.saturating_mul(d)); // layer norm
				cost.add_linear(d, d.saturating_mul(4), t); // up
				cost.add_elementwise(t.saturating_mul(d).saturating_mul(4)); // activation
				cost.add_linear(d.saturating_mul(4), d, t); // down
				cost.add_elementwise(t.saturating_mul(d)); // residual
			}
			cost.add_elementwise(t.saturating_mul(d)); // final norm
			cost.add_linear(d, v, t); // head
			cost.add_elementwise(t.saturating_mul(v)); // softmax of the loss
		},
	}
	cost
}

/// Optimiser state floats per parameter (SGD: momentum; AdamW: two moments).
pub fn optimizer_state(optimizer: &OptimizerSpec) -> u64 {
	match optimizer {
		OptimizerSpec::Sgd { .. } => 1,
		OptimizerSpec::AdamW { .. } => 2,
	}
}

/// Operations of one training step of `spec`: forward and backward on a batch, then the
/// optimiser's update.
pub fn step_ops(spec: &TaskSpec) -> u64 {
	let model = model_cost(&spec.model);
	let update_per_parameter = match spec.optimizer {
		OptimizerSpec::Sgd { .. } => 6,
		OptimizerSpec::AdamW { .. } => 14,
	};
	model
		.forward_ops
		.saturating_mul(3)
		.saturating_mul(u64::from(spec.batch_size))
		.saturating_add(model.parameters.saturating_mul(update_per_parameter))
}

/// Operations of one segment (`checkpoint_interval` steps): what replaying it costs.
pub fn segment_ops(spec: &TaskSpec) -> u64 {
	step_ops(spec).saturating_mul(u64::from(spec.checkpoint_interval))
}

/// Operations of the whole run.
pub fn training_ops(spec: &TaskSpec) -> u64 {
	step_ops(spec).saturating_mul(u64::from(spec.total_steps))
}

/// Bytes that training `spec` needs at least: parameters, gradients and optimiser state, and
/// a batch's activations kept for the backward pass, twice (their gradients).
pub fn training_memory(spec: &TaskSpec) -> u64 {
	let model = model_cost(&spec.model);
	let state =
		model.parameters.saturating_mul(2u64.saturating_add(optimizer_state(&spec.optimizer)));
	let batch = model.activations.saturating_mul(u64::from(spec.batch_size)).saturating_mul(2);
	state.saturating_add(batch).saturating_mul(4)
}

/// Numbers in one example's input: the MLP's inputs, the CNN's image, the transformer's
/// context (one token id each). A dataset for `model` must declare this many features.
pub fn input_size(model: &ModelSpec) -> u64 {
    match model {
        ModelSpec::Mlp { inputs, .. } => u64::from(*inputs),
        ModelSpec::Cnn { channels, height, width, .. } => {
            u64::from(*channels).saturating_mul(u64::from(*height)).saturating_mul(u64::from(*width))
        }
        ModelSpec::Transformer { context, .. } => u64::from(*context),
    }
}

/// At most how many examples `bytes` of data holds for `model`: every example carries at
/// least its input as 4-byte numbers (labels and the file's header only make it fewer).
pub fn examples_at_most(model: &ModelSpec, bytes: u64) -> u64 {
    bytes / input_size(model).saturating_mul(4).max(1)
}

/// Operations of evaluating the final model on `eval_bytes` of evaluation data (a forward
/// pass per example, at most [`examples_at_most`] examples).
pub fn evaluation_ops(spec: &TaskSpec, eval_bytes: u64) -> u64 {
	model_cost(&spec.model).forward_ops.saturating_mul(examples_at_most(&spec.model, eval_bytes))
}

/// What a committee seat of a task replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayCost {
	/// A first-round seat: its `segments_per_verifier` segments, as many more it witnesses
	/// for its partner (at most the spec's segments in all) and the evaluation. Its fee is
	/// priced from this.
	pub seat_ops: u64,
	/// The most any seat may replay: `max_segments` segments of its own (an appeal or
	/// escalation seat replays the disputed ones) and as many witnessed, at most the spec's
	/// segments, and the evaluation. The commit window is sized from this.
	pub window_ops: u64,
}

impl ReplayCost {
	/// The replay cost of `spec` with `eval_bytes` of evaluation data, when a seat is
	/// assigned at most `max_segments` segments of its own.
	pub fn of(spec: &TaskSpec, eval_bytes: u64, max_segments: u32) -> Self {
		let segment = segment_ops(spec);
		let evaluation = evaluation_ops(spec, eval_bytes);
		// Own segments plus the partner's, witnessed: never more than the run has.
		let replayed = |own: u32| own.saturating_mul(2).min(spec.segments());
		let segments =
			|own: u32| segment.saturating_mul(u64::from(replayed(own))).saturating_add(evaluation);
		Self {
			seat_ops: segments(spec.segments_per_verifier),
			window_ops: segments(max_segments.max(spec.segments_per_verifier)),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::spec::{Activation, ConvLayer, Loss, LrSchedule, Metric};

	fn spec(model: ModelSpec) -> TaskSpec {
		TaskSpec {
			model,
			optimizer: OptimizerSpec::Sgd { momentum_ppb: 0, weight_decay_ppb: 0 },
			schedule: LrSchedule::Constant { lr_ppb: 1_000_000 },
			loss: Loss::CrossEntropy,
			seed: 1,
			batch_size: 8,
			total_steps: 100,
			checkpoint_interval: 10,
			train_dataset: [0; 32],
			eval_dataset: [0; 32],
			metric: Metric::Accuracy,
			threshold_ppb: 0,
			verifier_count: 3,
			segments_per_verifier: 2,
		}
	}

	fn mlp(inputs: u32, hidden: &[u32], outputs: u32) -> ModelSpec {
		ModelSpec::Mlp {
			inputs,
			hidden: hidden.to_vec().try_into().unwrap(),
			outputs,
			activation: Activation::Relu,
			dropout_ppb: 0,
		}
	}

	#[test]
	fn an_mlp_costs_its_products_and_element_wise_work() {
		let c = model_cost(&mlp(4, &[8], 2));
		assert_eq!(c.parameters, 4 * 8 + 8 + 8 * 2 + 2);
		// Products 2·(4·8 + 8·2), biases 8 + 2, activation 8.
		assert_eq!(c.forward_ops, 2 * (4 * 8 + 8 * 2) + 8 + 2 + 8);
		assert_eq!(c.activations, 4 + 8 + 8 + 2);
	}

	#[test]
	fn a_cnn_counts_its_convolutions_at_their_output_size() {
		let conv = vec![ConvLayer { channels: 4, kernel: 3 }].try_into().unwrap();
		let model = ModelSpec::Cnn {
			channels: 1,
			height: 8,
			width: 8,
			conv,
			outputs: 2,
			activation: Activation::Relu,
		};
		let c = model_cost(&model);
		// conv: 3·3·1·4 + 4; after it 6 x 6, pooled to 3 x 3 x 4 = 36 inputs to the head.
		assert_eq!(c.parameters, 9 * 4 + 4 + 36 * 2 + 2);
		assert!(c.forward_ops > 2 * 36 * 9 * 4, "{c:?}");
	}

	#[test]
	fn a_transformer_counts_attention_on_top_of_its_products() {
		let model =
			ModelSpec::Transformer { vocab: 64, context: 32, width: 64, heads: 4, layers: 2 };
		let c = model_cost(&model);
		let per_block = 64 * 192 + 192 + 64 * 64 + 64 + 64 * 256 + 256 + 256 * 64 + 64;
		assert_eq!(c.parameters, (64 + 32) * 64 + 2 * per_block + 64 * 64 + 64);
		// Products alone are 2·(12·64²)·2 layers + 2·64·64 (head), per token.
		let products = 32 * (2 * 12 * 64 * 64 * 2 + 2 * 64 * 64);
		assert!(c.forward_ops > products && c.forward_ops < 2 * products, "{}", c.forward_ops);
	}

	#[test]
	fn a_segment_is_its_steps_and_a_seat_its_segments_and_the_evaluation() {
		let s = spec(mlp(4, &[8], 2));
		let model = model_cost(&s.model);
		assert_eq!(step_ops(&s), 3 * model.forward_ops * 8 + 6 * model.parameters);
		assert_eq!(segment_ops(&s), 10 * step_ops(&s));
		assert_eq!(training_ops(&s), 100 * step_ops(&s));
		// 1 600 bytes hold at most 100 examples of 4 floats.
		assert_eq!(examples_at_most(&s.model, 1_600), 100);
		// Two segments of its own and two witnessed; four of its own and four witnessed at
		// most; never more than the run's ten.
		let r = ReplayCost::of(&s, 1_600, 4);
		assert_eq!(r.seat_ops, 4 * segment_ops(&s) + 100 * model.forward_ops);
		assert_eq!(r.window_ops, 8 * segment_ops(&s) + 100 * model.forward_ops);
		let r = ReplayCost::of(&s, 1_600, 6);
		assert_eq!(r.window_ops, 10 * segment_ops(&s) + 100 * model.forward_ops);
	}

	#[test]
	fn memory_holds_state_and_a_batch_of_activations() {
		let mut s = spec(mlp(4, &[8], 2));
		let p = model_cost(&s.model).parameters;
		let a = model_cost(&s.model).activations;
		assert_eq!(training_memory(&s), 4 * (3 * p + 2 * 8 * a));
		s.optimizer =
			OptimizerSpec::AdamW { beta1_ppb: 0, beta2_ppb: 0, eps_ppb: 0, weight_decay_ppb: 0 };
		assert_eq!(training_memory(&s), 4 * (4 * p + 2 * 8 * a));
	}

	#[test]
	fn absurd_specs_saturate_instead_of_overflowing() {
		let mut s = spec(mlp(u32::MAX, &[u32::MAX; 4], u32::MAX));
		s.batch_size = u32::MAX;
		s.checkpoint_interval = u32::MAX;
		assert_eq!(segment_ops(&s), u64::MAX);
		assert_eq!(training_memory(&s), u64::MAX);
	}
}
