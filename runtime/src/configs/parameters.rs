//! Parameters that root (sudo today, governance later) may change without a runtime upgrade,
//! through `pallet-parameters`' `set_parameter`.
//!
//! Only values that a network must be able to tune to its workload live here: the verification
//! windows of training tasks depend on how long the largest allowed segment takes to replay on
//! a verifier's machine, which is learned in operation, not at genesis. A local network shortens
//! them so that a task settles in a couple of minutes. Every other number stays a constant in
//! its pallet's config file, where a change is reviewed as code.

use crate::{constants::time::MINUTES, BlockNumber, Runtime, RuntimeEvent};
use core::marker::PhantomData;
use frame_support::{
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	traits::{AsEnsureOriginWithArg, Get},
};
use frame_system::EnsureRoot;

#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// Timing of a training task's verification rounds.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod training {
		/// Blocks a committee has to replay its assigned segments and commit a verdict. The
		/// default of five minutes suits small models; a public network sizes it to its largest
		/// allowed segment.
		#[codec(index = 0)]
		pub static CommitWindow: BlockNumber = 5 * MINUTES;
		/// Blocks to reveal a committed verdict, after the commit window.
		#[codec(index = 1)]
		pub static RevealWindow: BlockNumber = 2 * MINUTES;
		/// Blocks the losing party has to appeal a decision before it is paid out.
		#[codec(index = 2)]
		pub static AppealWindow: BlockNumber = 2 * MINUTES;
	}
}

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	type AdminOrigin = AsEnsureOriginWithArg<EnsureRoot<crate::AccountId>>;
	// The pallet exports only this implementation of its upstream-measured weights (with
	// RocksDB costs, which is what this runtime's `DbWeight` is too).
	type WeightInfo = ();
}

/// The pallet's benchmark sets this parameter; any variant will do, as they all encode to the
/// same length.
#[cfg(feature = "runtime-benchmarks")]
impl Default for RuntimeParameters {
	fn default() -> Self {
		RuntimeParameters::Training(dynamic_params::training::Parameters::CommitWindow(
			dynamic_params::training::CommitWindow,
			Some(5 * MINUTES),
		))
	}
}

/// A window parameter that is never shorter than one block, whatever root sets: the training
/// pallet's deadlines assume every phase lasts at least one block.
pub struct AtLeastOneBlock<P>(PhantomData<P>);

impl<P: Get<BlockNumber>> Get<BlockNumber> for AtLeastOneBlock<P> {
	fn get() -> BlockNumber {
		P::get().max(1)
	}
}
