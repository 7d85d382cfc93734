//! Our own pallets: the data registry and the compute (worker and verifier) registry.
//!
//! The values below are the ones a public network would start with; they are deliberately the
//! same on the dev chain so that what a person tries locally costs what it will cost later.

use crate::{
	constants::{currency::*, time::*},
	AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeEvent, RuntimeHoldReason,
};
use frame_support::parameter_types;
use frame_system::EnsureRoot;

parameter_types! {
	/// Fixed part of an entry's deposit: an entry is a few hundred bytes in three storage items.
	pub const EntryDeposit: Balance = UNITS;
	/// Deposit per byte of an entry's variable metadata (URI, licence, schema names), so a long
	/// URI costs what its storage costs.
	pub const ByteDeposit: Balance = 10 * MILLI_UNITS;
	/// Deposit per allow-list slot (one account id and its deposit record).
	pub const AccessDeposit: Balance = 100 * MILLI_UNITS;
	/// Longest URI: room for an `https://` address with a path, or an `ipfs://` CID.
	pub const MaxUriLen: u32 = 256;
	/// Accounts one entry may name on its allow-list; larger groups should use a public entry.
	pub const MaxAllowList: u32 = 64;
	/// Tasks that may use one entry at the same time.
	pub const MaxEntryLocks: u32 = 64;
}

impl pallet_data_registry::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// Root (sudo) until the chain has on-chain governance; a take-down is final either way.
	type TakeDownOrigin = EnsureRoot<AccountId>;
	type EntryDeposit = EntryDeposit;
	type ByteDeposit = ByteDeposit;
	type AccessDeposit = AccessDeposit;
	type MaxUriLen = MaxUriLen;
	type MaxAllowList = MaxAllowList;
	type MaxLocks = MaxEntryLocks;
	type WeightInfo = pallet_data_registry::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Smallest bond of a worker or verifier. Slashes are fractions of the bond, so the bond is
	/// what makes a fault expensive; task creators may require more per task.
	pub const MinComputeBond: Balance = 100 * UNITS;
	/// A day between `unbond` and withdrawal: longer than any task's verification window, so a
	/// participant cannot leave before a fault found in its work is slashed.
	pub const ComputeUnbondingDelay: BlockNumber = DAYS;
	/// Verifier selection reads the whole verifier index, so its size bounds that weight.
	pub const MaxVerifiers: u32 = 256;
	/// Unbonding requests one account may have waiting.
	pub const MaxUnbondingChunks: u32 = 8;
}

impl pallet_compute::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = MinComputeBond;
	type UnbondingDelay = ComputeUnbondingDelay;
	type MaxVerifiers = MaxVerifiers;
	type MaxUnbondingChunks = MaxUnbondingChunks;
	type WeightInfo = pallet_compute::weights::SubstrateWeight<Runtime>;
}
