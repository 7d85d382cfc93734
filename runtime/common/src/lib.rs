//! # What mlchain's two runtimes share
//!
//! mlchain runs as a solochain (`runtime/`: BABE, GRANDPA, NPoS staking) and as a parachain
//! (`runtime/parachain`: Aura collators, relay-chain security). Both host the same marketplace:
//! the data registry, the compute registry and training-task settlement. This crate holds
//! everything the two must agree on, so neither runtime copies the other:
//!
//! - the primitive types ([`AccountId`], [`Balance`], [`BlockNumber`], ...): one wallet, one
//!   account format and one token on either chain;
//! - [`currency`]: the token's units and existential deposit;
//! - [`fees`]: transaction fees and block limits;
//! - [`time`]: block counts from a block time, for runtimes with different block times;
//! - [`transaction`]: the transaction extensions, so clients sign for both chains alike;
//! - [`presets`]: the names of the genesis presets and their encoding;
//! - [`marketplace`]: the deposits, bonds, limits and slashes of our three pallets, and the
//!   [`impl_marketplace_configs!`] and [`training_parameters!`] macros that write their
//!   `Config` implementations and the root-tunable verification windows for a runtime.
//!
//! What differs between the runtimes is passed to those macros explicitly: the block time
//! (through block counts) and the source of committee randomness, with the selection timeout
//! that fits it. The solochain uses BABE's randomness from one epoch ago; the parachain uses the
//! relay chain's (see `pallet-relay-randomness`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod currency;
pub mod fees;
pub mod marketplace;
pub mod presets;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod transaction;

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// A block number.
pub type BlockNumber = u32;
/// The signature type accounts sign extrinsics with (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;
/// An account id is the public key of the signature scheme, so a key pair is an account.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance, in the smallest unit ([`currency::UNITS`] of them make one MLC).
pub type Balance = u128;
/// An account's transaction counter.
pub type Nonce = u32;
/// Block and state hashes.
pub type Hash = sp_core::H256;
/// The timestamp type: milliseconds since the Unix epoch.
pub type Moment = u64;

/// Crates the macros of this crate expand to, so a runtime needs no extra imports for them.
#[doc(hidden)]
pub mod reexports {
	pub use frame_support;
	pub use frame_system;
	pub use pallet_compute;
	pub use pallet_data_registry;
	pub use pallet_parameters;
	pub use pallet_training;
	pub use pallet_treasury;
	pub use sp_runtime;
}
