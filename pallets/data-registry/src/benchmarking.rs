//! Benchmarks of every call, each in its worst case: longest metadata, fullest allow-list,
//! entries with a parent (so version counts are written too).

use super::*;
use crate::Pallet as DataRegistry;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	EnsureOrigin, Get,
};
use frame_system::RawOrigin;
use sp_runtime::traits::Saturating;

/// Give `who` enough for the largest deposits many times over.
fn fund<T: Config>(who: &T::AccountId) {
	let bytes: BalanceOf<T> =
		(T::MaxUriLen::get() + MAX_LICENCE_LEN + MAX_NAMES * MAX_NAME_LEN).into();
	let entry = T::EntryDeposit::get().saturating_add(T::ByteDeposit::get().saturating_mul(bytes));
	let slots = T::AccessDeposit::get().saturating_mul((T::MaxAllowList::get() + 1).into());
	let plenty = entry
		.saturating_mul(4u32.into())
		.saturating_add(slots)
		.saturating_add(T::Currency::minimum_balance().saturating_mul(1000u32.into()))
		.saturating_add(1_000_000u32.into());
	T::Currency::set_balance(who, plenty);
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	fund::<T>(&who);
	who
}

/// The largest metadata a register call can carry, with content root `seed`.
fn max_entry<T: Config>(owner: &T::AccountId, seed: u8, parent: Option<EntryId>) -> Entry<T> {
	let mut uri = b"https://".to_vec();
	uri.resize(T::MaxUriLen::get() as usize, b'a');
	let licence = vec![b'A'; MAX_LICENCE_LEN as usize];
	let name: SchemaName = vec![b'n'; MAX_NAME_LEN as usize].try_into().unwrap_or_default();
	let names = vec![name; MAX_NAMES as usize].try_into().unwrap_or_default();
	DataRegistry::<T>::new_entry(
		owner.clone(),
		[seed; 32],
		u64::MAX,
		ArtifactKind::Dataset,
		uri.try_into().unwrap_or_default(),
		licence.try_into().unwrap_or_default(),
		Schema { format: DataFormat::Safetensors, feature_count: u32::MAX, names, row_count: u64::MAX },
		1000u32.into(),
		DataRegistry::<T>::max_royalty_bps(),
		parent,
	)
}

/// A parent entry and a newer version of it, both owned by `owner`; returns the newer id.
fn versioned_entry<T: Config>(owner: &T::AccountId) -> Result<EntryId, BenchmarkError> {
	let parent = DataRegistry::<T>::do_register(max_entry::<T>(owner, 1, None))?;
	Ok(DataRegistry::<T>::do_register(max_entry::<T>(owner, 2, Some(parent)))?)
}

/// Fill entry `id`'s allow-list with `n` accounts.
fn fill_allow_list<T: Config>(
	owner: &T::AccountId,
	id: EntryId,
	n: u32,
) -> Result<(), BenchmarkError> {
	for i in 0..n {
		let who: T::AccountId = account("allowed", i, 0);
		DataRegistry::<T>::grant_access(RawOrigin::Signed(owner.clone()).into(), id, who)?;
	}
	Ok(())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let parent = DataRegistry::<T>::do_register(max_entry::<T>(&caller, 1, None))?;
		let a = max_entry::<T>(&caller, 2, Some(parent));

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			a.root,
			a.size,
			a.kind,
			a.uri,
			a.licence,
			a.schema,
			a.price,
			a.royalty_bps,
			a.parent,
		);

		assert_eq!(OwnerRoots::<T>::get(&caller, [2; 32]), Some(parent + 1));
		Ok(())
	}

	#[benchmark]
	fn update_price() -> Result<(), BenchmarkError> {
		let caller = funded::<T>("owner", 0);
		let id = versioned_entry::<T>(&caller)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, 7u32.into());

		assert_eq!(Entries::<T>::get(id).map(|e| e.price), Some(7u32.into()));
		Ok(())
	}

	#[benchmark]
	fn deprecate() -> Result<(), BenchmarkError> {
		let caller = funded::<T>("owner", 0);
		let id = versioned_entry::<T>(&caller)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);

		assert_eq!(Entries::<T>::get(id).map(|e| e.status), Some(EntryStatus::Deprecated));
		Ok(())
	}

	#[benchmark]
	fn transfer_ownership(n: Linear<0, { T::MaxAllowList::get() }>) -> Result<(), BenchmarkError> {
		let caller = funded::<T>("owner", 0);
		let new_owner = funded::<T>("new_owner", 0);
		let id = versioned_entry::<T>(&caller)?;
		fill_allow_list::<T>(&caller, id, n)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, new_owner.clone());

		assert_eq!(Entries::<T>::get(id).map(|e| e.owner), Some(new_owner));
		Ok(())
	}

	#[benchmark]
	fn set_access() -> Result<(), BenchmarkError> {
		let caller = funded::<T>("owner", 0);
		let id = versioned_entry::<T>(&caller)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, AccessMode::AllowList);

		assert_eq!(Entries::<T>::get(id).map(|e| e.access), Some(AccessMode::AllowList));
		Ok(())
	}

	#[benchmark]
	fn grant_access(
		n: Linear<0, { T::MaxAllowList::get().saturating_sub(1) }>,
	) -> Result<(), BenchmarkError> {
		let caller = funded::<T>("owner", 0);
		let id = versioned_entry::<T>(&caller)?;
		fill_allow_list::<T>(&caller, id, n)?;
		let who: T::AccountId = account("new", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, who);

		assert_eq!(AllowLists::<T>::get(id).len() as u32, n + 1);
		Ok(())
	}

	#[benchmark]
	fn revoke_access(n: Linear<1, { T::MaxAllowList::get() }>) -> Result<(), BenchmarkError> {
		let caller = funded::<T>("owner", 0);
		let id = versioned_entry::<T>(&caller)?;
		fill_allow_list::<T>(&caller, id, n)?;
		// The last one is the most expensive to find.
		let who: T::AccountId = account("allowed", n - 1, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, who);

		assert_eq!(AllowLists::<T>::get(id).len() as u32, n - 1);
		Ok(())
	}

	#[benchmark]
	fn remove(n: Linear<0, { T::MaxAllowList::get() }>) -> Result<(), BenchmarkError> {
		let caller = funded::<T>("owner", 0);
		let id = versioned_entry::<T>(&caller)?;
		fill_allow_list::<T>(&caller, id, n)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);

		assert!(!Entries::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn take_down() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let id = versioned_entry::<T>(&owner)?;
		let origin =
			T::TakeDownOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, TakeDownReason::Abuse);

		assert_eq!(Entries::<T>::get(id).map(|e| e.status), Some(EntryStatus::TakenDown));
		Ok(())
	}

	impl_benchmark_test_suite!(DataRegistry, crate::mock::new_test_ext(), crate::mock::Test);
}
