//! Our own pallets inside the real runtime: the data registry and the compute registry, driven
//! by signed transactions in real blocks, with each pallet's invariants checked after every
//! block and the traits the training pallet will use called on the runtime's own types.

use super::*;
use crate::{configs::MinComputeBond, Compute, DataRegistry, RuntimeHoldReason};
use frame_support::traits::fungible::InspectHold;
use mlchain_pallet_traits::{DatasetProvider, Role, WorkerRegistry};
use mlchain_runtime_common::testing;
use pallet_data_registry::{AccessMode, TakeDownReason};
use sp_runtime::{DispatchError, ModuleError};

const MILLI_UNITS: Balance = crate::constants::currency::MILLI_UNITS;

pub(super) fn register_dataset_call(root: [u8; 32], price: Balance, royalty_bps: u16) -> RuntimeCall {
	RuntimeCall::DataRegistry(testing::register_dataset::<Runtime>(root, price, royalty_bps))
}

pub(super) fn register_call(role: Role, bond: Balance, port: u16) -> RuntimeCall {
	RuntimeCall::Compute(testing::register_participant::<Runtime>(role, bond, port))
}

/// Produces a block with `extrinsics` and checks both pallets' invariants after it.
fn block_with(extrinsics: Vec<UncheckedExtrinsic>) -> Vec<sp_runtime::DispatchOutcome> {
	let outcomes = produce_block(extrinsics);
	DataRegistry::do_try_state().expect("data registry invariants hold");
	Compute::do_try_state().expect("compute invariants hold");
	outcomes
}

/// The error a dispatch of our pallet at `index` failed with, by name.
fn module_error_name(outcome: &sp_runtime::DispatchOutcome) -> &'static str {
	let Err(DispatchError::Module(ModuleError { index, error, .. })) = outcome else {
		panic!("expected a module error, got {outcome:?}");
	};
	let metadata = Runtime::metadata_ir();
	let pallet = metadata.pallets.iter().find(|p| p.index == *index).expect("pallet exists");
	let errors = pallet.error.as_ref().expect("pallet has errors");
	let scale_info::TypeDef::Variant(variants) = errors.ty.type_info().type_def else {
		panic!("errors are an enum");
	};
	let variant = variants.variants.iter().find(|v| v.index == error[0]).expect("variant");
	variant.name
}

fn held(reason: RuntimeHoldReason, who: &AccountId) -> Balance {
	Balances::balance_on_hold(&reason, who)
}

#[test]
fn a_data_owner_registers_a_dataset_and_its_deposit_is_held() {
	genesis_of("development").execute_with(|| {
		produce_blocks(1);
		let alice = Sr25519Keyring::Alice;
		let root = [7u8; 32];
		let free_before = Balances::free_balance(account(alice));
		let outcomes = block_with(vec![signed(&alice.pair(), register_dataset_call(root, UNITS, 500))]);
		assert_eq!(outcomes, vec![Ok(())]);

		let (id, entry) = pallet_data_registry::Entries::<Runtime>::iter().next().expect("entry");
		assert_eq!(entry.owner, account(alice));
		assert_eq!(entry.root, root);
		assert_eq!(entry.royalty_bps, 500);
		assert_eq!(entry.status, pallet_data_registry::EntryStatus::Active);
		let reason = RuntimeHoldReason::DataRegistry(
			pallet_data_registry::HoldReason::StorageDeposit,
		);
		assert_eq!(held(reason, &account(alice)), entry.deposit);
		// The deposit is the fixed part plus a per-byte part for the URI, licence and names.
		let variable_bytes = (testing::dataset_uri(&root).len() + "CC-BY-4.0".len() + 6 + 6) as Balance;
		assert_eq!(entry.deposit, UNITS + variable_bytes * 10 * MILLI_UNITS);
		assert!(Balances::free_balance(account(alice)) < free_before - entry.deposit);
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::DataRegistry(pallet_data_registry::Event::Registered { id: e, .. })
				if *e == id
		)));

		// The training pallet sees it through `DatasetProvider` with the runtime's own types.
		let info = <DataRegistry as DatasetProvider<AccountId, Balance>>::entry(id).unwrap();
		assert_eq!(info.owner, account(alice));
		assert_eq!(info.price, UNITS);
		assert_ok!(<DataRegistry as DatasetProvider<AccountId, Balance>>::ensure_can_use(
			id,
			&account(Sr25519Keyring::Bob)
		));
	});
}

#[test]
fn registry_errors_reach_the_caller_by_name() {
	genesis_of("development").execute_with(|| {
		produce_blocks(1);
		let alice = Sr25519Keyring::Alice.pair();
		let root = [9u8; 32];
		let mut bad_uri = register_dataset_call(root, UNITS, 0);
		if let RuntimeCall::DataRegistry(pallet_data_registry::Call::register { uri, .. }) =
			&mut bad_uri
		{
			*uri = testing::bounded(b"ftp://example.org/data");
		}
		// Above the runtime's cap (25 %): a requester's own data owner cannot take most of a
		// worker's reward.
		use mlchain_runtime_common::marketplace::MaxRoyaltyBps;
		let cap = <MaxRoyaltyBps as frame_support::traits::Get<u16>>::get();
		let too_much_royalty = register_dataset_call(root, UNITS, cap + 1);
		let outcomes = block_with(vec![
			signed_with_nonce(&alice, bad_uri, 0),
			signed_with_nonce(&alice, too_much_royalty, 1),
			signed_with_nonce(&alice, register_dataset_call(root, UNITS, 0), 2),
			signed_with_nonce(&alice, register_dataset_call(root, UNITS, 0), 3),
		]);
		assert_eq!(module_error_name(&outcomes[0]), "BadUri");
		assert_eq!(module_error_name(&outcomes[1]), "RoyaltyTooHigh");
		assert_eq!(outcomes[2], Ok(()));
		assert_eq!(module_error_name(&outcomes[3]), "DuplicateRoot");
	});
}

#[test]
fn only_root_takes_an_entry_down_and_the_owner_cannot_undo_it() {
	genesis_of("development").execute_with(|| {
		produce_blocks(1);
		// Alice is the sudo key of the development preset; Bob owns the entry.
		let alice = Sr25519Keyring::Alice.pair();
		let bob = Sr25519Keyring::Bob.pair();
		block_with(vec![signed(&bob, register_dataset_call([3u8; 32], 0, 0))]);
		let id = pallet_data_registry::NextEntryId::<Runtime>::get() - 1;
		let take_down = RuntimeCall::DataRegistry(pallet_data_registry::Call::take_down {
			id,
			reason: TakeDownReason::Licence,
		});
		let outcomes = block_with(vec![signed(&bob, take_down.clone())]);
		assert_eq!(outcomes, vec![Err(DispatchError::BadOrigin)]);

		let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(take_down) });
		assert_eq!(block_with(vec![signed(&alice, sudo)]), vec![Ok(())]);
		let entry = pallet_data_registry::Entries::<Runtime>::get(id).unwrap();
		assert_eq!(entry.status, pallet_data_registry::EntryStatus::TakenDown);

		let reopen = RuntimeCall::DataRegistry(pallet_data_registry::Call::set_access {
			id,
			access: AccessMode::Public,
		});
		let outcomes = block_with(vec![signed(&bob, reopen)]);
		assert_eq!(module_error_name(&outcomes[0]), "TakenDown");
	});
}

#[test]
fn workers_and_verifiers_bond_and_verifiers_are_selected_by_stake() {
	genesis_of("local_testnet").execute_with(|| {
		produce_blocks(1);
		let min = MinComputeBond::get();
		let worker = Sr25519Keyring::Alice;
		let verifiers = [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];
		let mut xts = vec![signed(&worker.pair(), register_call(Role::Worker, min, 30_000))];
		for (i, v) in verifiers.iter().enumerate() {
			// Bob bonds the minimum, Charlie twice, Dave four times as much.
			let bond = min << i;
			xts.push(signed(&v.pair(), register_call(Role::Verifier, bond, 30_001 + i as u16)));
		}
		// Below the minimum bond is refused with a named error.
		xts.push(signed(
			&Sr25519Keyring::Eve.pair(),
			register_call(Role::Verifier, min - 1, 30_010),
		));
		let outcomes = block_with(xts);
		assert_eq!(&outcomes[..4], &[Ok(()), Ok(()), Ok(()), Ok(())]);
		assert_eq!(module_error_name(&outcomes[4]), "BondTooLow");

		let bond_reason = RuntimeHoldReason::Compute(pallet_compute::HoldReason::Bond);
		assert_eq!(held(bond_reason, &account(worker)), min);
		assert_eq!(held(bond_reason, &account(Sr25519Keyring::Dave)), 4 * min);
		let participant = pallet_compute::Participants::<Runtime>::get(account(worker)).unwrap();
		assert_eq!(participant.role, Role::Worker);
		assert_eq!(participant.endpoint, testing::endpoint(30_000));

		type Workers = Compute;
		assert!(<Workers as WorkerRegistry<AccountId, Balance>>::is_active_worker(
			&account(worker),
			min
		));
		assert!(!<Workers as WorkerRegistry<AccountId, Balance>>::is_active_worker(
			&account(Sr25519Keyring::Bob),
			0
		));

		// Selection is deterministic given the seed, never returns the excluded accounts, and
		// over many seeds picks each verifier about in proportion to its bond.
		// A draw reads a snapshot of the verifier set, taken when it is asked for.
		let snapshot = <Workers as WorkerRegistry<AccountId, Balance>>::snapshot_verifiers()
			.expect("a snapshot");
		let select = |seed: [u8; 32], k: u32, exclude: &[AccountId]| {
			<Workers as WorkerRegistry<AccountId, Balance>>::select_verifiers(
				snapshot, seed, k, exclude, min,
			)
		};
		let excluded = [account(Sr25519Keyring::Charlie)];
		assert_eq!(select([1; 32], 2, &excluded), select([1; 32], 2, &excluded));
		let mut firsts = [0u32; 3];
		for n in 0u32..600 {
			let seed = sp_io::hashing::blake2_256(&n.encode());
			let picked = select(seed, 2, &excluded).expect("two verifiers remain");
			assert_eq!(picked.len(), 2);
			assert!(!picked.contains(&excluded[0]));
			assert_ne!(picked[0], picked[1]);
			let first = verifiers.iter().position(|v| account(*v) == picked[0]).unwrap();
			firsts[first] += 1;
		}
		assert_eq!(firsts[1], 0, "Charlie is excluded");
		// Bob bonds 1 part, Dave 4: Dave should come first about 80% of the time.
		assert!((420..540).contains(&firsts[2]), "Dave first {} of 600", firsts[2]);
		assert!(select([2; 32], 3, &excluded).is_err(), "only two verifiers are eligible");
		<Workers as WorkerRegistry<AccountId, Balance>>::release_verifier_snapshot(snapshot);
		assert!(pallet_compute::VerifierSnapshots::<Runtime>::get().is_empty());
	});
}

#[test]
fn unbonded_funds_stay_held_for_the_runtime_delay() {
	genesis_of("development").execute_with(|| {
		produce_blocks(1);
		let bob = Sr25519Keyring::Bob.pair();
		let min = MinComputeBond::get();
		block_with(vec![signed(&bob, register_call(Role::Verifier, 3 * min, 30_000))]);
		let unbond = RuntimeCall::Compute(pallet_compute::Call::unbond { amount: min });
		assert_eq!(block_with(vec![signed(&bob, unbond)]), vec![Ok(())]);
		let withdraw = RuntimeCall::Compute(pallet_compute::Call::withdraw_unbonded {});
		let outcomes = block_with(vec![signed(&bob, withdraw.clone())]);
		assert_eq!(module_error_name(&outcomes[0]), "NothingToWithdraw");

		// The chunk waits out the runtime's delay (withdrawal after it is the pallet's tests').
		let chunks = pallet_compute::Unbonding::<Runtime>::get(account(Sr25519Keyring::Bob));
		assert_eq!(chunks.len(), 1);
		assert_eq!(chunks[0].amount, min);
		assert_eq!(
			chunks[0].unlock_at,
			System::block_number() - 1 + crate::configs::ComputeUnbondingDelay::get()
		);
		let bond_reason = RuntimeHoldReason::Compute(pallet_compute::HoldReason::Bond);
		// Unbonding funds stay held until withdrawn, so they cannot be spent early.
		assert_eq!(held(bond_reason, &account(Sr25519Keyring::Bob)), 3 * min);
	});
}

#[test]
fn metadata_describes_our_pallets_with_docs() {
	let metadata = Runtime::metadata_ir();
	for (name, index, calls, storage) in [
		("DataRegistry", 20u8, ["register", "take_down", "grant_access"], "Entries"),
		("Compute", 21u8, ["register_worker", "register_verifier", "unbond"], "Participants"),
	] {
		let pallet = metadata.pallets.iter().find(|p| p.name == name).expect(name);
		assert_eq!(pallet.index, index);
		assert!(!pallet.docs.is_empty(), "{name} has module docs");
		let call_type = pallet.calls.as_ref().expect("calls").ty.type_info();
		let scale_info::TypeDef::Variant(variants) = &call_type.type_def else { panic!() };
		for call in calls {
			let variant = variants.variants.iter().find(|v| v.name == call).expect(call);
			assert!(!variant.docs.is_empty(), "{name}.{call} has docs");
		}
		let storage_entries = &pallet.storage.as_ref().expect("storage").entries;
		let entry = storage_entries.iter().find(|e| e.name == storage).expect(storage);
		assert!(!entry.docs.is_empty(), "{name}.{storage} has docs");
		for (what, ty) in [
			("events", pallet.event.as_ref().expect("events").ty),
			("errors", pallet.error.as_ref().expect("errors").ty),
		] {
			let scale_info::TypeDef::Variant(variants) = &ty.type_info().type_def else {
				panic!()
			};
			assert!(variants.variants.len() > 5, "{name} {what}");
			for v in &variants.variants {
				assert!(!v.docs.is_empty(), "{name} {what} {} has docs", v.name);
			}
		}
		assert!(!pallet.constants.is_empty(), "{name} exposes its constants");
	}
}
