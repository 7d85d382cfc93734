//! # The mlchain parachain runtime
//!
//! mlchain as a parachain of a Polkadot relay chain: the same marketplace as the solochain
//! runtime (`mlchain-runtime`), secured by the relay chain instead of its own validators.
//!
//! What differs from the solochain:
//! - **Block production**: collators take turns with Aura, one block per 6-second relay slot
//!   (async backing, up to three blocks not yet included in the relay chain). There is no BABE
//!   and no GRANDPA: the relay chain's validators check every block and the relay chain
//!   finalises it.
//! - **Block producers**: `pallet-collator-selection` (invulnerables set by root plus candidates
//!   who bond) instead of NPoS staking; collators are paid transaction fees, not inflation.
//! - **Committee randomness**: the relay chain's BABE randomness from one epoch ago, read from
//!   the relay state proof each block carries (`pallet-relay-randomness`), through the same
//!   `Randomness` seam the solochain fills with its own BABE.
//! - **Messages**: XCM with the relay chain (UMP/DMP) and sibling parachains (XCMP), queued in
//!   `pallet-message-queue`.
//!
//! What is the same, from [`mlchain_runtime_common`]: account, balance and block-number types,
//! the token, fees, and the whole configuration of the data-registry, compute and training
//! pallets, which keep the solochain's pallet indices (20, 21, 22), as do `Balances` (4),
//! `Utility` (12), `Sudo` (13) and `Parameters` (14), so their calls encode the same on both
//! chains.
//!
//! Layout, as in the solochain runtime: this file declares the runtime; [`configs`] holds every
//! pallet's `Config`; [`apis`] the runtime APIs (including those polkadot-omni-node needs);
//! [`genesis_config_presets`] the `development` and `local_testnet` presets.

#![cfg_attr(not(feature = "std"), no_std)]
// `#[frame_support::runtime]` generates a very deep type; the default limit is not enough.
#![recursion_limit = "512"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// `impl_opaque_keys!` and `#[frame_support::runtime]` expand to code that names `Vec`.
use alloc::vec::Vec;

pub mod apis;
pub mod configs;
pub mod constants;
pub mod genesis_config_presets;

use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256, MultiAddress};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// The primitive types, the same as the solochain's.
pub use mlchain_runtime_common::{AccountId, Balance, BlockNumber, Hash, Moment, Nonce, Signature};

/// The key type of collators' Aura keys (sr25519).
pub type AuraId = sp_consensus_aura::sr25519::AuthorityId;

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
	/// The keys a collator registers with `session.set_keys`: only Aura's.
	pub struct SessionKeys {
		pub aura: Aura,
	}
}

#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("mlchain-parachain"),
	impl_name: alloc::borrow::Cow::Borrowed("mlchain-parachain"),
	authoring_version: 1,
	// Bump on every change of runtime logic; the relay chain enacts upgrades by this number.
	spec_version: 1,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	// Bump when the extrinsic format or call indices change, so signed transactions stay valid.
	transaction_version: 1,
	system_version: 1,
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

	// Hooks run in declaration order. Parachain system comes first: its inherent brings the
	// relay-chain state every other pallet may read in the same block.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type ParachainSystem = cumulus_pallet_parachain_system;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(6)]
	pub type ParachainInfo = parachain_info;

	// Money, at the solochain's indices.
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	// Collators. Authorship, CollatorSelection, Session, Aura and AuraExt run in this order:
	// collator selection reads the author and decides the next session's set, which session
	// hands to Aura.
	#[runtime::pallet_index(3)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(7)]
	pub type CollatorSelection = pallet_collator_selection;
	#[runtime::pallet_index(8)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(9)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(10)]
	pub type AuraExt = cumulus_pallet_aura_ext;
	#[runtime::pallet_index(11)]
	pub type RelayRandomness = pallet_relay_randomness;

	// Utilities and governance, at the solochain's indices.
	#[runtime::pallet_index(12)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(13)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(14)]
	pub type Parameters = pallet_parameters;
	/// Where slashes go; spending it is for governance (root until then).
	#[runtime::pallet_index(15)]
	pub type Treasury = pallet_treasury;

	// Our own pallets, at the solochain's indices.
	#[runtime::pallet_index(20)]
	pub type DataRegistry = pallet_data_registry;
	#[runtime::pallet_index(21)]
	pub type Compute = pallet_compute;
	#[runtime::pallet_index(22)]
	pub type Training = pallet_training;

	// XCM.
	#[runtime::pallet_index(30)]
	pub type XcmpQueue = cumulus_pallet_xcmp_queue;
	#[runtime::pallet_index(31)]
	pub type PolkadotXcm = pallet_xcm;
	#[runtime::pallet_index(32)]
	pub type CumulusXcm = cumulus_pallet_xcm;
	#[runtime::pallet_index(33)]
	pub type MessageQueue = pallet_message_queue;
}

/// The address format of extrinsics: an account id, or an index for future compatibility.
pub type Address = MultiAddress<AccountId, ()>;
/// A block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// A block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed transaction goes through: the solochain's, so wallets and our
/// clients build transactions for both chains the same way.
pub type TxExtension = mlchain_runtime_common::transaction::TxExtension<Runtime>;

/// The extensions of a plain signed transaction with `nonce`: immortal, no tip.
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

// The entry point relay-chain validators call to check a block of this chain. Aura-ext's
// executor checks the block's Aura seal before executing it.
cumulus_pallet_parachain_system::register_validate_block! {
	Runtime = Runtime,
	BlockExecutor = cumulus_pallet_aura_ext::BlockExecutor::<Runtime, Executive>,
}

#[cfg(test)]
mod tests;
