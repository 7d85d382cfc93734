//! Benchmarks of every call, each in its worst case (largest endpoint and capabilities, fullest
//! verifier index and unbonding queue, every snapshot the index can hold held, so the nodes a
//! write touches keep their longest histories), and of verifier selection.

use super::*;
use crate::Pallet as Compute;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use frame_system::RawOrigin;
use mlchain_pallet_traits::WorkerRegistry;
use sp_runtime::traits::{One, Saturating, Zero};

fn min_bond<T: Config>() -> BalanceOf<T> {
	T::MinBond::get().max(T::Currency::minimum_balance())
}

fn fund<T: Config>(who: &T::AccountId) {
	let plenty = min_bond::<T>()
		.saturating_mul(1000u32.into())
		.saturating_add(T::Currency::minimum_balance().saturating_mul(1000u32.into()));
	T::Currency::set_balance(who, plenty);
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	fund::<T>(&who);
	who
}

fn max_caps() -> Capabilities {
	Capabilities {
		cores: u32::MAX,
		memory_mib: u64::MAX,
		gpu: true,
		model_families: vec![ModelFamily::Mlp, ModelFamily::Cnn, ModelFamily::Transformer]
			.try_into()
			.unwrap_or_default(),
	}
}

fn max_endpoint() -> Endpoint {
	let addr: BoundedVec<u8, ConstU32<MAX_ADDR_LEN>> =
		vec![7u8; MAX_ADDR_LEN as usize].try_into().unwrap_or_default();
	Endpoint {
		peer_id: vec![1u8; MAX_PEER_ID_LEN as usize].try_into().unwrap_or_default(),
		addrs: vec![addr; MAX_ADDRS as usize].try_into().unwrap_or_default(),
	}
}

/// Register `n` verifiers with distinct bonds.
fn verifiers<T: Config>(n: u32) -> Result<(), BenchmarkError> {
	for i in 0..n {
		let who = funded::<T>("verifier", i);
		let bond = min_bond::<T>().saturating_add(i.into());
		Compute::<T>::register_verifier(
			RawOrigin::Signed(who).into(),
			bond,
			max_caps(),
			max_endpoint(),
		)?;
	}
	Ok(())
}

/// Hold [`Config::MaxHeldSnapshots`] snapshots, one a block, each followed by a write to the
/// index (a bond change of the first verifier), so the nodes on the first slot's path, the
/// root among them, keep one entry per snapshot and their newest. Needs `n >= 1` verifiers.
fn full_histories<T: Config>() -> Result<(), BenchmarkError> {
	let first: T::AccountId = account("verifier", 0, 0);
	for _ in 0..T::MaxHeldSnapshots::get() {
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(next);
		Compute::<T>::snapshot_verifiers().map_err(|_| BenchmarkError::Stop("snapshot failed"))?;
		Compute::<T>::bond_more(RawOrigin::Signed(first.clone()).into(), One::one())?;
	}
	Ok(())
}

/// Fill `who`'s unbonding queue with `n` chunks at distinct blocks, the last one due now.
fn unbonding_chunks<T: Config>(who: &T::AccountId, n: u32) -> Result<(), BenchmarkError> {
	for _ in 0..n {
		Compute::<T>::unbond(RawOrigin::Signed(who.clone()).into(), One::one())?;
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(next);
	}
	Ok(())
}

fn registered_worker<T: Config>(name: &'static str) -> Result<T::AccountId, BenchmarkError> {
	let who = funded::<T>(name, 0);
	let bond = min_bond::<T>().saturating_mul(10u32.into());
	Compute::<T>::register_worker(
		RawOrigin::Signed(who.clone()).into(),
		bond,
		max_caps(),
		max_endpoint(),
	)?;
	Ok(who)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_worker() {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), min_bond::<T>(), max_caps(), max_endpoint());

		assert!(Participants::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn register_verifier(
		n: Linear<1, { T::MaxVerifiers::get().saturating_sub(1) }>,
	) -> Result<(), BenchmarkError> {
		verifiers::<T>(n)?;
		full_histories::<T>()?;
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), min_bond::<T>(), max_caps(), max_endpoint());

		assert_eq!(VerifierCount::<T>::get(), n + 1);
		assert!(VerifierSlots::<T>::contains_key(&caller));
		Ok(())
	}

	#[benchmark]
	fn bond_more() -> Result<(), BenchmarkError> {
		let who = registered_worker::<T>("worker")?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who), min_bond::<T>());

		Ok(())
	}

	#[benchmark]
	fn unbond() -> Result<(), BenchmarkError> {
		let who = registered_worker::<T>("worker")?;
		unbonding_chunks::<T>(&who, T::MaxUnbondingChunks::get().saturating_sub(1))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), One::one());

		assert_eq!(Unbonding::<T>::get(&who).len() as u32, T::MaxUnbondingChunks::get());
		Ok(())
	}

	#[benchmark]
	fn withdraw_unbonded() -> Result<(), BenchmarkError> {
		let who = registered_worker::<T>("worker")?;
		unbonding_chunks::<T>(&who, T::MaxUnbondingChunks::get())?;
		let later = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::UnbondingDelay::get())
			.saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(later);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Unbonding::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn update_endpoint() -> Result<(), BenchmarkError> {
		let who = registered_worker::<T>("worker")?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who), max_endpoint());

		Ok(())
	}

	#[benchmark]
	fn go_offline() -> Result<(), BenchmarkError> {
		let who = registered_worker::<T>("worker")?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Participants::<T>::get(&who).map(|p| p.online), Some(false));
		Ok(())
	}

	#[benchmark]
	fn go_online() -> Result<(), BenchmarkError> {
		let who = registered_worker::<T>("worker")?;
		Compute::<T>::go_offline(RawOrigin::Signed(who.clone()).into())?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Participants::<T>::get(&who).map(|p| p.online), Some(true));
		Ok(())
	}

	#[benchmark]
	fn deregister(n: Linear<1, { T::MaxVerifiers::get() }>) -> Result<(), BenchmarkError> {
		verifiers::<T>(n)?;
		// The first verifier's slot path has the longest node histories.
		let who: T::AccountId = account("verifier", 0, 0);
		Compute::<T>::bond_more(RawOrigin::Signed(who.clone()).into(), min_bond::<T>())?;
		unbonding_chunks::<T>(&who, T::MaxUnbondingChunks::get().saturating_sub(1))?;
		full_histories::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Participants::<T>::contains_key(&who));
		Ok(())
	}

	/// Not a call: the cost of `WorkerRegistry::select_verifiers` picking `k` (every pick
	/// usable) from the oldest of the held snapshots of an index of `n`. Committees are small,
	/// so `k` goes up to 64 (or `n`); the weight is linear in `k` beyond.
	#[benchmark]
	fn select_verifiers(
		n: Linear<1, { T::MaxVerifiers::get() }>,
		k: Linear<1, { T::MaxVerifiers::get().min(64) }>,
	) -> Result<(), BenchmarkError> {
		verifiers::<T>(n)?;
		let k = k.min(n);
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(next);
		let snapshot = Compute::<T>::snapshot_verifiers()
			.map_err(|_| BenchmarkError::Stop("snapshot failed"))?;
		full_histories::<T>()?;
		let picked;

		#[block]
		{
			picked = Compute::<T>::select_verifiers(snapshot, [7u8; 32], k, &[], Zero::zero());
		}

		assert_eq!(picked.map(|p| p.len() as u32), Ok(k));
		Ok(())
	}

	/// Not a call: the cost of `WorkerRegistry::snapshot_verifiers` over `n` verifiers, with
	/// all but one of the snapshots the index can hold held (it takes a new one).
	#[benchmark]
	fn snapshot_verifiers(n: Linear<1, { T::MaxVerifiers::get() }>) -> Result<(), BenchmarkError> {
		verifiers::<T>(n)?;
		full_histories::<T>()?;
		let oldest = VerifierSnapshots::<T>::get().first().map(|s| s.id).unwrap_or_default();
		Compute::<T>::release_verifier_snapshot(oldest);
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(next);
		let snapshot;

		#[block]
		{
			snapshot = Compute::<T>::snapshot_verifiers();
		}

		let snapshot = snapshot.map_err(|_| BenchmarkError::Stop("snapshot failed"))?;
		assert_eq!(Compute::<T>::snapshot_weights(snapshot).len() as u32, n);
		Ok(())
	}

	impl_benchmark_test_suite!(Compute, crate::mock::new_test_ext(), crate::mock::Test);
}
