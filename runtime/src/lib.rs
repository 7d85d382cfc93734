//! # The mlchain runtime
//!
//! A solochain FRAME runtime: BABE block production, GRANDPA finality, NPoS validator election
//! through `pallet-staking`, the accounting pallets around them, and our own pallets: the data
//! registry, the compute registry and training-task settlement. Layout follows the
//! polkadot-sdk templates:
//!
//! - this file: the runtime's types, version and pallet composition;
//! - [`configs`]: every pallet's `Config`, with the constants that drive them;
//! - [`apis`]: the runtime APIs the node and clients call;
//! - [`genesis_config_presets`]: the `development` and `local_testnet` genesis presets.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` generates a very deep type; the default limit is not enough.
#![recursion_limit = "512"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod constants;
pub mod genesis_config_presets;

use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256, MultiAddress};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_staking::StakerStatus;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// The primitive types, shared with the parachain runtime so that accounts, balances and
/// signatures are the same on both chains.
pub use mlchain_runtime_common::{AccountId, Balance, BlockNumber, Hash, Moment, Nonce, Signature};

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// A block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// A block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// A block id.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The keys a validator registers with `session.set_keys`: one per consensus engine.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
	}
}

#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("mlchain"),
	impl_name: alloc::borrow::Cow::Borrowed("mlchain-node"),
	authoring_version: 1,
	// Bump on every change of runtime logic; the node refuses to author with a stale runtime.
	spec_version: 102,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	// Bump when the extrinsic format or call indices change, so signed transactions stay valid.
	transaction_version: 1,
	system_version: 1,
};

/// The BABE protocol parameters at genesis: the probability `c` of a primary slot claim and
/// which secondary slots are allowed. Secondary VRF slots make sure every slot has an author even
/// when no primary claim wins, which keeps block times steady on small validator sets.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: constants::PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	// BABE must come before Timestamp and Session: its `on_initialize` sets the slot and
	// enacts epoch changes that the others read in the same block.
	#[runtime::pallet_index(1)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(3)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(6)]
	pub type Staking = pallet_staking;
	#[runtime::pallet_index(7)]
	pub type VoterList = pallet_bags_list<Instance1>;
	#[runtime::pallet_index(8)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(9)]
	pub type Historical = pallet_session::historical;
	#[runtime::pallet_index(10)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(11)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(12)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(13)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(14)]
	pub type Parameters = pallet_parameters;
	/// Where slashes go; spending it is for governance (root until then).
	#[runtime::pallet_index(15)]
	pub type Treasury = pallet_treasury;

	// Our own pallets.
	#[runtime::pallet_index(20)]
	pub type DataRegistry = pallet_data_registry;
	#[runtime::pallet_index(21)]
	pub type Compute = pallet_compute;
	#[runtime::pallet_index(22)]
	pub type Training = pallet_training;
}

/// The address format of extrinsics: an account id, or an index for future compatibility.
pub type Address = MultiAddress<AccountId, ()>;
/// A block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// A block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed transaction goes through, in order; shared with the parachain
/// runtime. Standard clients (Polkadot-JS, subxt) know each of them, so they can build
/// transactions from metadata alone.
pub type TxExtension = mlchain_runtime_common::transaction::TxExtension<Runtime>;

/// The extensions of a plain signed transaction with `nonce`: immortal, no tip. Rust clients
/// (the tests, the testkit, later the worker) build transactions with this, so they cannot fall
/// out of step with [`TxExtension`].
pub fn immortal_tx_extension(nonce: Nonce) -> TxExtension {
	mlchain_runtime_common::transaction::immortal_tx_extension::<Runtime>(nonce)
}

/// An extrinsic as it appears in a block.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload an account signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations to run on the next runtime upgrade, besides those of the pallets.
type Migrations = ();

/// Dispatches blocks and transactions to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[cfg(test)]
mod tests;
