//! Test helpers for the integration tests of both runtimes (feature `testing`): a genesis
//! config from a preset patch, and the data, participants and task of a small training task
//! on the shared pallets. Each runtime wraps the calls in its own `RuntimeCall`.

use alloc::{format, string::String, vec, vec::Vec};
use frame_support::{traits::Get, BoundedVec};
use mlchain_pallet_traits::Role;
use mlchain_primitives::spec::{
	Activation, Loss, LrSchedule, Metric, ModelSpec, OptimizerSpec, TaskSpec,
};
use pallet_compute::{Capabilities, Endpoint, ModelFamily};
use pallet_data_registry::{ArtifactKind, DataFormat, Schema};
use serde_json::Value;

/// Content roots of the training and evaluation datasets of [`demo_task_spec`].
pub const TRAIN_ROOT: [u8; 32] = [0x71; 32];
pub const EVAL_ROOT: [u8; 32] = [0xe7; 32];

/// `bytes` as a bounded vector; test data always fits.
pub fn bounded<S: Get<u32>>(bytes: &[u8]) -> BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("test data fits its bound")
}

/// Overlays a JSON genesis patch on a full genesis config, the way chain-spec builders do.
pub fn merge_json(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge_json(base.entry(key).or_insert(Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// The full genesis config `G` of a preset: `G`'s defaults overlaid with the preset's patch.
pub fn genesis_from_patch<G>(patch: &[u8]) -> G
where
	G: Default + serde::Serialize + serde::de::DeserializeOwned,
{
	let mut config = serde_json::to_value(G::default()).expect("a genesis config serialises");
	merge_json(&mut config, serde_json::from_slice(patch).expect("a preset is JSON"));
	serde_json::from_value(config).expect("the patched genesis config deserialises")
}

/// A small MLP task on [`TRAIN_ROOT`] and [`EVAL_ROOT`]: 12 steps in 4 segments of 3, three
/// verifiers replaying two segments each.
pub fn demo_task_spec(seed: u64) -> TaskSpec {
	TaskSpec {
		model: ModelSpec::Mlp {
			inputs: 4,
			hidden: vec![8].try_into().expect("one hidden layer fits"),
			outputs: 2,
			activation: Activation::Relu,
			dropout_ppb: 0,
		},
		optimizer: OptimizerSpec::Sgd { momentum_ppb: 0, weight_decay_ppb: 0 },
		schedule: LrSchedule::Constant { lr_ppb: 100_000_000 },
		loss: Loss::CrossEntropy,
		seed,
		batch_size: 8,
		total_steps: 12,
		checkpoint_interval: 3,
		train_dataset: TRAIN_ROOT,
		eval_dataset: EVAL_ROOT,
		metric: Metric::Accuracy,
		threshold_ppb: 900_000_000,
		verifier_count: 3,
		segments_per_verifier: 2,
	}
}

/// The `mlchain://` URI of the artifact with content root `root`.
pub fn dataset_uri(root: &[u8; 32]) -> Vec<u8> {
	let hex: String = root.iter().map(|b| format!("{b:02x}")).collect();
	format!("mlchain://{hex}").into_bytes()
}

/// Registers a 60 000-row image dataset with content root `root`, at [`dataset_uri`].
pub fn register_dataset<T: pallet_data_registry::Config>(
	root: [u8; 32],
	price: pallet_data_registry::BalanceOf<T>,
	royalty_bps: u16,
) -> pallet_data_registry::Call<T> {
	pallet_data_registry::Call::register {
		root,
		size: 47_040_000,
		kind: ArtifactKind::Dataset,
		uri: bounded(&dataset_uri(&root)),
		licence: bounded(b"CC-BY-4.0"),
		schema: Schema {
			format: DataFormat::Idx,
			feature_count: 784,
			names: vec![bounded(b"images"), bounded(b"labels")].try_into().expect("two names fit"),
			row_count: 60_000,
		},
		price,
		royalty_bps,
		parent: None,
	}
}

/// What every test participant offers: 2 cores, 24 GiB, no GPU, MLPs and transformers.
pub fn capabilities() -> Capabilities {
	Capabilities {
		cores: 2,
		memory_mib: 24 * 1024,
		gpu: false,
		model_families: vec![ModelFamily::Mlp, ModelFamily::Transformer]
			.try_into()
			.expect("two families fit"),
	}
}

/// A participant reachable on 127.0.0.1:`port`: a peer id and a multiaddr in binary form (the
/// pallet checks their shape, not their contents).
pub fn endpoint(port: u16) -> Endpoint {
	let [high, low] = port.to_be_bytes();
	Endpoint {
		peer_id: bounded(&[0x00, 0x24, 0x08, 0x01, 0x12, 0x20, low]),
		addrs: vec![bounded(&[4, 127, 0, 0, 1, 6, high, low])].try_into().expect("one address fits"),
	}
}

/// Registers the caller as a worker or a verifier with `bond`, at [`endpoint`]`(port)`.
pub fn register_participant<T: pallet_compute::Config>(
	role: Role,
	bond: pallet_compute::BalanceOf<T>,
	port: u16,
) -> pallet_compute::Call<T> {
	let (capabilities, endpoint) = (capabilities(), endpoint(port));
	match role {
		Role::Worker => pallet_compute::Call::register_worker { bond, capabilities, endpoint },
		Role::Verifier => pallet_compute::Call::register_verifier { bond, capabilities, endpoint },
	}
}
