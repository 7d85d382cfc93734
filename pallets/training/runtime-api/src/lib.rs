//! Runtime API of `pallet-training`.
//!
//! Lets a worker or verifier client ask the chain what it must do, instead of recomputing
//! committee selection and segment draws itself: [`TrainingApi::assignments_of`] returns the
//! account's open assignments (task, role, segment indices, commit and reveal deadlines).
//! The runtime implements it by calling `pallet_training::Pallet::assignments_of`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use mlchain_primitives::training::{Assignment, AssignmentRole, TaskId};

sp_api::decl_runtime_apis! {
	/// What the training pallet asks of an account.
	pub trait TrainingApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// The open assignments of `who`: tasks it is training (until they settle) and
		/// committees it must still commit or reveal on.
		fn assignments_of(who: AccountId) -> Vec<Assignment<BlockNumber>>;
	}
}
