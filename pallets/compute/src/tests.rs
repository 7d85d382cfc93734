//! Unit tests of every call and error, the `WorkerRegistry` implementation, and a randomised
//! property test of the invariants.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use mlchain_pallet_traits::WorkerRegistry;
use sp_runtime::DispatchError;

type Pallet = crate::Pallet<Test>;
type E = crate::Error<Test>;

fn caps() -> Capabilities {
	Capabilities {
		cores: 8,
		memory_mib: 16_384,
		gpu: false,
		model_families: vec![ModelFamily::Mlp, ModelFamily::Cnn].try_into().unwrap(),
	}
}

fn endpoint() -> Endpoint {
	Endpoint {
		peer_id: vec![0x00, 0x24, 0x08, 0x01].try_into().unwrap(),
		addrs: vec![vec![0x04, 127, 0, 0, 1, 0x06, 0x76, 0x5f].try_into().unwrap()]
			.try_into()
			.unwrap(),
	}
}

fn worker(who: u64, bond: u64) {
	assert_ok!(Pallet::register_worker(RuntimeOrigin::signed(who), bond, caps(), endpoint()));
}

fn verifier(who: u64, bond: u64) {
	assert_ok!(Pallet::register_verifier(RuntimeOrigin::signed(who), bond, caps(), endpoint()));
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::Bond.into(), &who)
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

fn check() {
	Pallet::do_try_state().unwrap();
}

/// The registered verifiers in slot order.
fn indexed() -> Vec<u64> {
	(1..=SlotsInUse::<Test>::get()).filter_map(SlotOwners::<Test>::get).collect()
}

/// The weight of every slot in use as `snapshot` sees it, in slot order.
fn slot_weights(snapshot: SnapshotId) -> Vec<(u32, u128)> {
	let mut pool = Pallet::pool_at(snapshot);
	(1..=SlotsInUse::<Test>::get()).map(|slot| (slot, pool.weight(slot))).collect()
}

/// The weight of every slot in use now, from the participants' records (not the tree).
fn weights_now() -> Vec<(u32, u128)> {
	(1..=SlotsInUse::<Test>::get())
		.map(|slot| {
			let weight = SlotOwners::<Test>::get(slot)
				.and_then(Participants::<Test>::get)
				.map_or(0, |p| Pallet::selection_weight(&p));
			(slot, weight)
		})
		.collect()
}

// ---------- registration ----------

#[test]
fn register_worker_holds_bond_and_is_active() {
	new_test_ext().execute_with(|| {
		worker(1, 500);
		assert_eq!(held(1), 500);
		assert_eq!(Balances::balance(&1), INITIAL - 500);
		let p = Participants::<Test>::get(1).unwrap();
		assert_eq!(p.role, Role::Worker);
		assert!(p.online);
		assert_eq!(
			last_event(),
			Event::Registered { who: 1, role: Role::Worker, bond: 500 }.into()
		);
		assert!(Pallet::is_active_worker(&1, 500));
		assert!(!Pallet::is_active_worker(&1, 501));
		assert!(!Pallet::is_active_verifier(&1, 0));
		assert_eq!(VerifierCount::<Test>::get(), 0);
		assert!(!VerifierSlots::<Test>::contains_key(1));
		check();
	});
}

#[test]
fn register_verifier_joins_the_index() {
	new_test_ext().execute_with(|| {
		verifier(2, 100);
		assert_eq!(indexed(), vec![2]);
		assert_eq!(VerifierSlots::<Test>::get(2), Some(IndexEntry { slot: 1, weight: 100 }));
		assert!(Pallet::is_active_verifier(&2, 100));
		assert!(!Pallet::is_active_worker(&2, 0));
		check();
	});
}

#[test]
fn register_errors() {
	new_test_ext().execute_with(|| {
		let reg = |who: u64, bond: u64, c: Capabilities, e: Endpoint| {
			Pallet::register_worker(RuntimeOrigin::signed(who), bond, c, e)
		};
		assert_noop!(reg(1, MIN_BOND - 1, caps(), endpoint()), E::BondTooLow);
		assert_noop!(reg(POOR, MIN_BOND, caps(), endpoint()), E::InsufficientBalance);
		let mut c = caps();
		c.cores = 0;
		assert_noop!(reg(1, MIN_BOND, c, endpoint()), E::BadCapabilities);
		let mut c = caps();
		c.memory_mib = 0;
		assert_noop!(reg(1, MIN_BOND, c, endpoint()), E::BadCapabilities);
		let mut c = caps();
		c.model_families = Default::default();
		assert_noop!(reg(1, MIN_BOND, c, endpoint()), E::BadCapabilities);
		let mut c = caps();
		c.model_families.try_push(ModelFamily::Mlp).unwrap();
		assert_noop!(reg(1, MIN_BOND, c, endpoint()), E::BadCapabilities);
		let mut e = endpoint();
		e.peer_id = Default::default();
		assert_noop!(reg(1, MIN_BOND, caps(), e), E::BadEndpoint);
		let mut e = endpoint();
		e.addrs = Default::default();
		assert_noop!(reg(1, MIN_BOND, caps(), e), E::BadEndpoint);
		let mut e = endpoint();
		e.addrs.try_push(Default::default()).unwrap();
		assert_noop!(reg(1, MIN_BOND, caps(), e), E::BadEndpoint);
		worker(1, MIN_BOND);
		assert_noop!(reg(1, MIN_BOND, caps(), endpoint()), E::AlreadyRegistered);
		assert_noop!(
			Pallet::register_verifier(RuntimeOrigin::signed(1), MIN_BOND, caps(), endpoint()),
			E::AlreadyRegistered
		);
	});
}

#[test]
fn verifier_index_is_bounded() {
	new_test_ext().execute_with(|| {
		for who in 1..=MAX_VERIFIERS as u64 {
			verifier(who, MIN_BOND);
		}
		assert_noop!(
			Pallet::register_verifier(RuntimeOrigin::signed(11), MIN_BOND, caps(), endpoint()),
			E::TooManyVerifiers
		);
		// Workers are not limited by it.
		worker(11, MIN_BOND);
		check();
	});
}

#[test]
fn endpoint_bounds_are_enforced_by_the_types() {
	let too_many: Result<
		BoundedVec<BoundedVec<u8, ConstU32<MAX_ADDR_LEN>>, ConstU32<MAX_ADDRS>>,
		_,
	> = vec![BoundedVec::default(); MAX_ADDRS as usize + 1].try_into();
	assert!(too_many.is_err());
	let long_id: Result<BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>>, _> =
		vec![1u8; MAX_PEER_ID_LEN as usize + 1].try_into();
	assert!(long_id.is_err());
}

// ---------- bond_more / unbond / withdraw ----------

#[test]
fn bond_more_adds_to_the_held_bond() {
	new_test_ext().execute_with(|| {
		worker(1, 100);
		assert_ok!(Pallet::bond_more(RuntimeOrigin::signed(1), 50));
		assert_eq!(last_event(), Event::Bonded { who: 1, amount: 50 }.into());
		assert_eq!(Participants::<Test>::get(1).unwrap().bond, 150);
		assert_eq!(held(1), 150);
		assert_noop!(Pallet::bond_more(RuntimeOrigin::signed(1), 0), E::ZeroAmount);
		assert_noop!(Pallet::bond_more(RuntimeOrigin::signed(2), 10), E::NotRegistered);
		assert_noop!(Pallet::bond_more(RuntimeOrigin::signed(1), INITIAL), E::InsufficientBalance);
		check();
	});
}

#[test]
fn unbond_then_withdraw_after_the_delay() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 120));
		assert_eq!(
			last_event(),
			Event::Unbonded { who: 1, amount: 120, unlock_at: 1 + UNBONDING_DELAY }.into()
		);
		assert_eq!(Participants::<Test>::get(1).unwrap().bond, 180);
		assert_eq!(held(1), 300);
		check();
		assert_noop!(Pallet::withdraw_unbonded(RuntimeOrigin::signed(1)), E::NothingToWithdraw);
		run_to_block(UNBONDING_DELAY);
		assert_noop!(Pallet::withdraw_unbonded(RuntimeOrigin::signed(1)), E::NothingToWithdraw);
		run_to_block(1 + UNBONDING_DELAY);
		assert_ok!(Pallet::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Withdrawn { who: 1, amount: 120 }.into());
		assert_eq!(held(1), 180);
		assert!(!Unbonding::<Test>::contains_key(1));
		check();
	});
}

#[test]
fn unbond_errors() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_noop!(Pallet::unbond(RuntimeOrigin::signed(1), 0), E::ZeroAmount);
		assert_noop!(Pallet::unbond(RuntimeOrigin::signed(2), 10), E::NotRegistered);
		assert_noop!(Pallet::unbond(RuntimeOrigin::signed(1), 201), E::BelowMinimumBond);
		assert_ok!(Pallet::lock_bond(&1, 150));
		assert_noop!(Pallet::unbond(RuntimeOrigin::signed(1), 151), E::InsufficientFreeBond);
		assert_ok!(Pallet::unlock_bond(&1, 150));
		// Chunks unbonding at the same block merge; a full chunk list refuses more.
		assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 10));
		assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 10));
		assert_eq!(Unbonding::<Test>::get(1).len(), 1);
		for b in 2..=MAX_CHUNKS as u64 {
			run_to_block(b);
			assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 10));
		}
		run_to_block(MAX_CHUNKS as u64 + 1);
		assert_noop!(Pallet::unbond(RuntimeOrigin::signed(1), 10), E::TooManyUnbondingChunks);
		check();
	});
}

#[test]
fn withdraw_releases_only_due_chunks() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 10));
		run_to_block(5);
		assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 20));
		run_to_block(1 + UNBONDING_DELAY);
		assert_ok!(Pallet::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(Balances::balance(&1), INITIAL - 300 + 10);
		assert_eq!(Unbonding::<Test>::get(1).len(), 1);
		check();
		assert_noop!(Pallet::withdraw_unbonded(RuntimeOrigin::signed(2)), E::NothingToWithdraw);
	});
}

// ---------- endpoint / online ----------

#[test]
fn update_endpoint_replaces_it() {
	new_test_ext().execute_with(|| {
		worker(1, 100);
		let mut e = endpoint();
		e.peer_id = vec![9u8; 38].try_into().unwrap();
		assert_ok!(Pallet::update_endpoint(RuntimeOrigin::signed(1), e.clone()));
		assert_eq!(last_event(), Event::EndpointUpdated { who: 1 }.into());
		assert_eq!(Participants::<Test>::get(1).unwrap().endpoint, e);
		assert_noop!(
			Pallet::update_endpoint(RuntimeOrigin::signed(2), endpoint()),
			E::NotRegistered
		);
		e.addrs = Default::default();
		assert_noop!(Pallet::update_endpoint(RuntimeOrigin::signed(1), e), E::BadEndpoint);
	});
}

#[test]
fn offline_participants_are_not_active() {
	new_test_ext().execute_with(|| {
		verifier(1, 100);
		assert_noop!(Pallet::go_online(RuntimeOrigin::signed(1)), E::AlreadyOnline);
		assert_ok!(Pallet::go_offline(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::WentOffline { who: 1 }.into());
		assert!(!Pallet::is_active_verifier(&1, 0));
		assert_noop!(Pallet::go_offline(RuntimeOrigin::signed(1)), E::AlreadyOffline);
		assert_ok!(Pallet::go_online(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::WentOnline { who: 1 }.into());
		assert!(Pallet::is_active_verifier(&1, 0));
		assert_noop!(Pallet::go_offline(RuntimeOrigin::signed(2)), E::NotRegistered);
		assert_noop!(Pallet::go_online(RuntimeOrigin::signed(2)), E::NotRegistered);
	});
}

// ---------- deregister ----------

#[test]
fn deregister_unbonds_everything_and_leaves_the_index() {
	new_test_ext().execute_with(|| {
		verifier(1, 400);
		verifier(2, 100);
		assert_ok!(Pallet::deregister(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Deregistered { who: 1, unbonding: 400 }.into());
		assert!(!Participants::<Test>::contains_key(1));
		assert_eq!(indexed(), vec![2]);
		assert_eq!(VerifierCount::<Test>::get(), 1);
		assert_eq!(held(1), 400);
		check();
		run_to_block(1 + UNBONDING_DELAY);
		assert_ok!(Pallet::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(Balances::balance(&1), INITIAL);
		check();
	});
}

#[test]
fn deregister_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(Pallet::deregister(RuntimeOrigin::signed(1)), E::NotRegistered);
		worker(1, 400);
		assert_ok!(Pallet::lock_bond(&1, 0));
		assert_noop!(Pallet::deregister(RuntimeOrigin::signed(1)), E::HasAssignments);
		assert_ok!(Pallet::unlock_bond(&1, 0));
		for b in 1..=MAX_CHUNKS as u64 {
			run_to_block(b);
			assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 10));
		}
		run_to_block(MAX_CHUNKS as u64 + 1);
		assert_noop!(Pallet::deregister(RuntimeOrigin::signed(1)), E::TooManyUnbondingChunks);
	});
}

// ---------- WorkerRegistry: locks ----------

#[test]
fn lock_and_unlock_bond_track_assignments() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_ok!(Pallet::lock_bond(&1, 200));
		assert_eq!(last_event(), Event::BondLocked { who: 1, amount: 200 }.into());
		assert_eq!(Pallet::free_bond(&1), 100);
		assert!(!Pallet::is_active_worker(&1, 101));
		assert_noop!(Pallet::lock_bond(&1, 101), E::InsufficientFreeBond);
		assert_ok!(Pallet::lock_bond(&1, 100));
		assert_eq!(Participants::<Test>::get(1).unwrap().assignments, 2);
		assert_ok!(Pallet::unlock_bond(&1, 200));
		assert_eq!(last_event(), Event::BondUnlocked { who: 1, amount: 200 }.into());
		assert_eq!(Pallet::free_bond(&1), 200);
		assert_ok!(Pallet::unlock_bond(&1, 100));
		assert_noop!(Pallet::unlock_bond(&1, 1), E::NotLocked);
		assert_noop!(Pallet::lock_bond(&2, 1), E::NotRegistered);
		assert_noop!(Pallet::unlock_bond(&2, 1), E::NotRegistered);
		assert_eq!(Pallet::free_bond(&2), 0);
		check();
	});
}

#[test]
fn lock_refuses_when_assignment_counter_is_full() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		Participants::<Test>::mutate(1, |p| p.as_mut().unwrap().assignments = u32::MAX);
		assert_noop!(Pallet::lock_bond(&1, 0), E::TooManyAssignments);
	});
}

#[test]
fn a_participant_holds_at_most_max_assignments() {
	new_test_ext().execute_with(|| {
		worker(1, 1_000);
		for _ in 0..MAX_ASSIGNMENTS {
			assert!(Pallet::is_active_worker(&1, 10));
			assert_ok!(Pallet::lock_bond(&1, 10));
		}
		// Free bond is left, but no room for another claim or seat.
		assert!(Pallet::free_bond(&1) >= 10);
		assert!(!Pallet::is_active_worker(&1, 10));
		assert_noop!(Pallet::lock_bond(&1, 10), E::TooManyAssignments);
		assert_ok!(Pallet::unlock_bond(&1, 10));
		assert!(Pallet::is_active_worker(&1, 10));
		assert_ok!(Pallet::lock_bond(&1, 10));
		check();
	});
}

// ---------- WorkerRegistry: slashing ----------

#[test]
fn slash_pays_beneficiaries_by_parts_and_conserves_funds() {
	new_test_ext().execute_with(|| {
		worker(1, 1000);
		assert_ok!(Pallet::lock_bond(&1, 600));
		let issuance = Balances::total_issuance();
		// 100 split 1:2 -> 33 and 66, the remainder 1 to the first.
		assert_eq!(Pallet::slash(&1, 100, &[(2, 1), (3, 2)]), Ok(100));
		assert_eq!(Balances::balance(&2), INITIAL + 34);
		assert_eq!(Balances::balance(&3), INITIAL + 66);
		assert_eq!(held(1), 900);
		assert_eq!(Participants::<Test>::get(1).unwrap().bond, 900);
		assert_eq!(last_event(), Event::Slashed { who: 1, amount: 100 }.into());
		assert_eq!(Balances::total_issuance(), issuance);
		check();
	});
}

#[test]
fn slash_never_takes_more_than_the_bond() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_ok!(Pallet::lock_bond(&1, 300));
		assert_eq!(Pallet::slash(&1, 10_000, &[(2, 1)]), Ok(300));
		assert_eq!(Balances::balance(&2), INITIAL + 300);
		let p = Participants::<Test>::get(1).unwrap();
		assert_eq!((p.bond, p.locked), (0, 0));
		assert_eq!(held(1), 0);
		assert!(!Pallet::is_active_worker(&1, 0));
		assert_eq!(Pallet::slash(&1, 10, &[(2, 1)]), Ok(0));
		check();
		// The assignment can still be closed after a full slash.
		assert_ok!(Pallet::unlock_bond(&1, 300));
		check();
	});
}

#[test]
fn slash_does_not_touch_unbonding_funds() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_ok!(Pallet::unbond(RuntimeOrigin::signed(1), 150));
		assert_eq!(Pallet::slash(&1, 1000, &[(2, 1)]), Ok(150));
		assert_eq!(held(1), 150);
		check();
	});
}

#[test]
fn slash_errors_leave_state_unchanged() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_noop!(Pallet::slash(&1, 10, &[]), E::NoBeneficiaries);
		assert_noop!(Pallet::slash(&1, 10, &[(2, 0)]), E::NoBeneficiaries);
		assert_noop!(Pallet::slash(&5, 10, &[(2, 1)]), E::NotRegistered);
		// A beneficiary with no part gets nothing; a brand-new account can receive a share.
		assert_eq!(Pallet::slash(&1, 10, &[(2, 0), (500, 1)]), Ok(10));
		assert_eq!(Balances::balance(&500), 10);
		assert_eq!(Balances::balance(&2), INITIAL);
		check();
	});
}

#[test]
fn slash_to_the_slashed_account_itself_frees_the_funds() {
	new_test_ext().execute_with(|| {
		worker(1, 300);
		assert_eq!(Pallet::slash(&1, 100, &[(1, 1)]), Ok(100));
		assert_eq!(Balances::balance(&1), INITIAL - 200);
		check();
	});
}

// ---------- WorkerRegistry: reputation ----------

#[test]
fn outcomes_update_reputation() {
	new_test_ext().execute_with(|| {
		worker(1, 100);
		for o in [Outcome::TaskDone, Outcome::TaskDone, Outcome::VerifiedOk, Outcome::Fault] {
			assert_ok!(Pallet::record_outcome(&1, o));
		}
		assert_eq!(last_event(), Event::OutcomeRecorded { who: 1, outcome: Outcome::Fault }.into());
		assert_eq!(
			Participants::<Test>::get(1).unwrap().reputation,
			Reputation { tasks_done: 2, verified_ok: 1, faults: 1 }
		);
		assert_noop!(Pallet::record_outcome(&2, Outcome::Fault), E::NotRegistered);
	});
}

// ---------- WorkerRegistry: selection ----------

/// Snapshot the verifier set, draw from it and release it, as the training pallet does.
fn select(seed: [u8; 32], k: u32, exclude: &[u64], min: u64) -> Result<Vec<u64>, DispatchError> {
	let snapshot = Pallet::snapshot_verifiers()?;
	let picked = Pallet::select_verifiers(snapshot, seed, k, exclude, min);
	Pallet::release_verifier_snapshot(snapshot);
	picked
}

fn seed_of(n: u32) -> [u8; 32] {
	let mut seed = [0u8; 32];
	seed[..4].copy_from_slice(&n.to_le_bytes());
	seed
}

#[test]
fn selection_is_deterministic_distinct_and_respects_exclusions() {
	new_test_ext().execute_with(|| {
		for who in 1..=6u64 {
			verifier(who, 100 * who);
		}
		worker(7, 100);
		let a = select([1; 32], 3, &[6, 7], 0).unwrap();
		let b = select([1; 32], 3, &[6, 7], 0).unwrap();
		assert_eq!(a, b);
		assert_eq!(a.len(), 3);
		assert!(!a.contains(&6));
		let mut d = a.clone();
		d.sort();
		d.dedup();
		assert_eq!(d.len(), 3);
		// Everyone eligible gets picked when k equals the number of eligible verifiers.
		let mut all = select([2; 32], 5, &[6], 0).unwrap();
		all.sort();
		assert_eq!(all, vec![1, 2, 3, 4, 5]);
		check();
	});
}

#[test]
fn selection_skips_inactive_and_underbonded_verifiers() {
	new_test_ext().execute_with(|| {
		verifier(1, 500);
		verifier(2, 500);
		verifier(3, 500);
		assert_ok!(Pallet::go_offline(RuntimeOrigin::signed(1)));
		assert_ok!(Pallet::lock_bond(&2, 450));
		for s in 0..20u8 {
			assert_eq!(select([s; 32], 1, &[], 100).unwrap(), vec![3]);
		}
		assert_eq!(select([0; 32], 2, &[], 100), Err(E::NotEnoughVerifiers.into()));
		assert_eq!(select([0; 32], 1, &[3], 100), Err(E::NotEnoughVerifiers.into()));
		check();
	});
}

#[test]
fn selection_is_stake_weighted() {
	new_test_ext().execute_with(|| {
		verifier(1, 100);
		verifier(2, 900);
		let heavy = (0..1000u32).filter(|s| select(seed_of(*s), 1, &[], 0) == Ok(vec![2])).count();
		assert!((860..=940).contains(&heavy), "heavy picked {heavy} of 1000");
	});
}

#[test]
fn selection_weight_is_capped_per_account() {
	new_test_ext().execute_with(|| {
		verifier(1, MAX_SELECTION_WEIGHT);
		verifier(2, MAX_SELECTION_WEIGHT + 4_000);
		let snapshot = Pallet::snapshot_verifiers().unwrap();
		let cap = u128::from(MAX_SELECTION_WEIGHT);
		assert_eq!(Pallet::snapshot_weights(snapshot), vec![(1, cap), (2, cap)]);
		// The larger bond buys no more seats than the cap.
		let big = (0..1000u32)
			.filter(|s| Pallet::select_verifiers(snapshot, seed_of(*s), 1, &[], 0) == Ok(vec![2]))
			.count();
		assert!((440..=560).contains(&big), "picked {big} of 1000");
		Pallet::release_verifier_snapshot(snapshot);
		check();
	});
}

#[test]
fn a_verifier_at_its_seat_limit_is_replaced_in_draws() {
	new_test_ext().execute_with(|| {
		for who in 1..=3u64 {
			verifier(who, 500);
		}
		for _ in 0..MAX_ASSIGNMENTS {
			assert_ok!(Pallet::lock_bond(&2, 10));
		}
		let snapshot = Pallet::snapshot_verifiers().unwrap();
		for s in 0..200u32 {
			let drawn = Pallet::select_verifiers(snapshot, seed_of(s), 2, &[], 10).unwrap();
			assert!(!drawn.contains(&2), "seed {s}: {drawn:?}");
		}
		assert_eq!(
			Pallet::select_verifiers(snapshot, seed_of(0), 3, &[], 10),
			Err(E::NotEnoughVerifiers.into())
		);
		// A seat closes: it is drawn again.
		assert_ok!(Pallet::unlock_bond(&2, 10));
		let drawn = Pallet::select_verifiers(snapshot, seed_of(0), 3, &[], 10).unwrap();
		assert!(drawn.contains(&2));
		Pallet::release_verifier_snapshot(snapshot);
		check();
	});
}

#[test]
fn a_bond_raised_after_the_snapshot_does_not_raise_the_odds() {
	new_test_ext().execute_with(|| {
		verifier(1, 100);
		verifier(2, 100);
		// The draw was asked for (the snapshot taken) before its seed existed; verifier 2 then
		// sees the seed and bonds ten times more.
		let snapshot = Pallet::snapshot_verifiers().unwrap();
		assert_ok!(Pallet::bond_more(RuntimeOrigin::signed(2), 900));
		let from_snapshot = (0..1000u32)
			.filter(|s| Pallet::select_verifiers(snapshot, seed_of(*s), 1, &[], 0) == Ok(vec![2]))
			.count();
		assert!((440..=560).contains(&from_snapshot), "picked {from_snapshot} of 1000");
		Pallet::release_verifier_snapshot(snapshot);
		// A later snapshot counts the new bond.
		run_to_block(System::block_number() + 1);
		let later = (0..1000u32).filter(|s| select(seed_of(*s), 1, &[], 0) == Ok(vec![2])).count();
		assert!((860..=940).contains(&later), "picked {later} of 1000");
		check();
	});
}

#[test]
fn a_verifier_that_drops_out_after_seeing_the_seed_only_gives_up_its_own_seat() {
	new_test_ext().execute_with(|| {
		for who in 1..=8u64 {
			verifier(who, 100 * who);
		}
		for s in 0..40u32 {
			let snapshot = Pallet::snapshot_verifiers().unwrap();
			let seed = seed_of(s);
			let drawn = Pallet::select_verifiers(snapshot, seed, 3, &[], 100).unwrap();
			// The second pick sees the seed and locks its whole bond away.
			let quitter = drawn[1];
			let free = Pallet::free_bond(&quitter);
			assert_ok!(Pallet::lock_bond(&quitter, free));
			let redrawn = Pallet::select_verifiers(snapshot, seed, 3, &[], 100).unwrap();
			assert_eq!((redrawn[0], redrawn[2]), (drawn[0], drawn[2]), "seed {s}");
			assert!(!drawn.contains(&redrawn[1]), "seed {s}: {redrawn:?} after {drawn:?}");
			assert_ok!(Pallet::unlock_bond(&quitter, free));
			Pallet::release_verifier_snapshot(snapshot);
			run_to_block(System::block_number() + 1);
		}
		check();
	});
}

#[test]
fn draws_in_one_block_share_a_snapshot_until_the_last_release() {
	new_test_ext().execute_with(|| {
		verifier(1, 100);
		let a = Pallet::snapshot_verifiers().unwrap();
		verifier(2, 100);
		// Same block: shared, so the second draw does not see verifier 2 either.
		let b = Pallet::snapshot_verifiers().unwrap();
		assert_eq!(a, b);
		assert_eq!(Pallet::verifier_snapshot_holds(a), 2);
		assert_eq!(Pallet::snapshot_weights(a).len(), 1);
		check();
		Pallet::release_verifier_snapshot(a);
		assert_eq!(Pallet::verifier_snapshot_holds(a), 1);
		Pallet::release_verifier_snapshot(b);
		assert_eq!(Pallet::verifier_snapshot_holds(a), 0);
		assert!(VerifierSnapshots::<Test>::get().is_empty());
		assert_eq!(
			Pallet::select_verifiers(a, [0; 32], 1, &[], 0),
			Err(E::UnknownSnapshot.into())
		);
		run_to_block(System::block_number() + 1);
		let c = Pallet::snapshot_verifiers().unwrap();
		assert_ne!(c, a);
		assert_eq!(Pallet::snapshot_weights(c).len(), 2);
		check();
		VerifierSnapshots::<Test>::mutate(|held| held[0].holds = 0);
		assert!(Pallet::do_try_state().is_err());
	});
}

#[test]
fn a_snapshot_reads_the_index_as_it_stood_whatever_is_written_later() {
	new_test_ext().execute_with(|| {
		for who in 1..=6u64 {
			verifier(who, 100 * who);
		}
		let mut taken = Vec::new();
		for round in 0..MAX_HELD_SNAPSHOTS as u64 {
			let before = weights_now();
			let snapshot = Pallet::snapshot_verifiers().unwrap();
			taken.push((snapshot, before));
			// Later writes: bonds up and down, a seat locked, one offline, one leaving.
			assert_ok!(Pallet::bond_more(RuntimeOrigin::signed(1 + round), 37));
			assert_ok!(Pallet::lock_bond(&(2 + round), 50));
			assert_ok!(Pallet::go_offline(RuntimeOrigin::signed(3 + round)));
			if round == 1 {
				assert_ok!(Pallet::deregister(RuntimeOrigin::signed(6)));
			}
			run_to_block(System::block_number() + 1);
			check();
		}
		for (snapshot, before) in &taken {
			assert_eq!(&slot_weights(*snapshot), before, "snapshot {snapshot}");
		}
		assert_eq!(slot_weights(NextSnapshotId::<Test>::get()), weights_now());
		// A node keeps a value for each held snapshot and its newest, no more.
		let bound = MAX_HELD_SNAPSHOTS as usize + 1;
		assert!(SelectionTree::<Test>::iter_values().all(|h| h.len() <= bound));
		assert!(SelectionTree::<Test>::iter_values().any(|h| h.len() == bound));
		// Released, the next write to a node keeps one entry.
		for (snapshot, _) in &taken {
			Pallet::release_verifier_snapshot(*snapshot);
		}
		assert_ok!(Pallet::bond_more(RuntimeOrigin::signed(1), 1));
		assert_eq!(SelectionTree::<Test>::get(Pallet::index_capacity()).len(), 1);
		check();
	});
}

#[test]
fn a_draw_asked_for_with_every_snapshot_held_shares_the_newest() {
	new_test_ext().execute_with(|| {
		verifier(1, 100);
		let mut ids = Vec::new();
		for _ in 0..MAX_HELD_SNAPSHOTS {
			ids.push(Pallet::snapshot_verifiers().unwrap());
			run_to_block(System::block_number() + 1);
		}
		verifier(2, 100);
		let newest = *ids.last().unwrap();
		assert_eq!(Pallet::snapshot_verifiers(), Ok(newest));
		assert_eq!(Pallet::verifier_snapshot_holds(newest), 2);
		// It was fixed before verifier 2 registered, so the shared draw does not see it.
		assert_eq!(Pallet::snapshot_weights(newest), vec![(1, 100)]);
		check();
		// Once one is released, a new snapshot is taken again.
		Pallet::release_verifier_snapshot(ids[0]);
		let fresh = Pallet::snapshot_verifiers().unwrap();
		assert!(!ids.contains(&fresh));
		assert_eq!(Pallet::snapshot_weights(fresh), vec![(1, 100), (2, 100)]);
		check();
	});
}

#[test]
fn a_slot_is_not_reused_while_a_snapshot_can_see_its_former_owner() {
	new_test_ext().execute_with(|| {
		verifier(1, 100);
		verifier(2, 9_000);
		let snapshot = Pallet::snapshot_verifiers().unwrap();
		// Verifier 2 sees the seed and leaves; verifier 3 registers hoping to inherit its
		// slot, and so its weight in the snapshot.
		assert_ok!(Pallet::deregister(RuntimeOrigin::signed(2)));
		verifier(3, 100);
		assert_eq!(VerifierSlots::<Test>::get(3).map(|e| e.slot), Some(3));
		for s in 0..100u32 {
			let drawn = Pallet::select_verifiers(snapshot, seed_of(s), 1, &[], 0);
			assert_eq!(drawn, Ok(vec![1]), "seed {s}: the leaver's place goes to a stranger");
		}
		check();
		// Released: the next registration takes the freed slot.
		Pallet::release_verifier_snapshot(snapshot);
		verifier(4, 100);
		assert_eq!(VerifierSlots::<Test>::get(4).map(|e| e.slot), Some(2));
		assert_eq!(indexed(), vec![1, 4, 3]);
		check();
	});
}

#[test]
fn registration_waits_when_every_free_slot_is_in_quarantine() {
	new_test_ext().execute_with(|| {
		let leave = |who: u64| {
			assert_ok!(Pallet::deregister(RuntimeOrigin::signed(who)));
		};
		for who in 1..=8u64 {
			verifier(who, MIN_BOND);
		}
		let snapshot = Pallet::snapshot_verifiers().unwrap();
		// Churn while the snapshot is held: every slot freed since waits, new ones are used.
		(1..=4).for_each(leave);
		(9..=12).for_each(|who| verifier(who, MIN_BOND));
		(5..=8).for_each(leave);
		(1..=4).for_each(|who| verifier(who, MIN_BOND));
		assert_eq!(SlotsInUse::<Test>::get(), Pallet::index_capacity());
		leave(9);
		assert!(VerifierCount::<Test>::get() < MAX_VERIFIERS);
		assert_noop!(
			Pallet::register_verifier(RuntimeOrigin::signed(5), MIN_BOND, caps(), endpoint()),
			E::TooManyVerifiers
		);
		check();
		// Released: the slot freed first is taken again.
		Pallet::release_verifier_snapshot(snapshot);
		verifier(5, MIN_BOND);
		assert_eq!(VerifierSlots::<Test>::get(5).map(|e| e.slot), Some(1));
		check();
	});
}

#[test]
fn selection_weight_grows_with_k() {
	let weight = Pallet::select_verifiers_weight;
	assert!(weight(5, 0).ref_time() > weight(1, 0).ref_time());
	// The mock counts no time for a read, but the proof grows by the nodes read.
	assert!(weight(1, 4).proof_size() > weight(1, 0).proof_size(), "excluded accounts cost reads");
}

#[test]
fn try_state_detects_a_broken_index_or_hold() {
	new_test_ext().execute_with(|| {
		verifier(1, 100);
		verifier(2, 200);
		let entry = VerifierSlots::<Test>::take(1).unwrap();
		assert!(Pallet::do_try_state().is_err(), "a verifier missing from the index");
		VerifierSlots::<Test>::insert(1, IndexEntry { weight: 99, ..entry });
		assert!(Pallet::do_try_state().is_err(), "a stale weight");
		VerifierSlots::<Test>::insert(1, entry);
		check();
		let root = Pallet::index_capacity();
		let sane = SelectionTree::<Test>::get(root);
		SelectionTree::<Test>::mutate(root, |h| h.last_mut().unwrap().1 += 1);
		assert!(Pallet::do_try_state().is_err(), "a tree node that is not the sum of its slots");
		SelectionTree::<Test>::insert(root, sane);
		SlotOwners::<Test>::insert(2, 1);
		assert!(Pallet::do_try_state().is_err(), "a slot owned by the wrong verifier");
		SlotOwners::<Test>::insert(2, 2);
		check();
		Participants::<Test>::mutate(1, |p| p.as_mut().unwrap().bond = 99);
		assert!(Pallet::do_try_state().is_err());
	});
}

// ---------- property test ----------

/// A small deterministic PRNG (xorshift64*), so failures reproduce from the printed seed.
struct Rng(u64);
impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}
}

#[test]
fn random_call_sequences_keep_invariants() {
	const ACCOUNTS: u64 = 10;
	for seed in 1..=1000u64 {
		new_test_ext().execute_with(|| {
			let issuance = Balances::total_issuance();
			let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
			// Held snapshots with the slot weights recorded (from the participants) when each
			// was taken.
			let mut snapshots: Vec<(SnapshotId, Vec<(u32, u128)>)> = Vec::new();
			for step in 0..40u64 {
				let who = 1 + rng.below(ACCOUNTS);
				let amount = rng.below(600);
				let _ = match rng.below(16) {
					0 => Pallet::register_worker(
						RuntimeOrigin::signed(who),
						amount,
						caps(),
						endpoint(),
					),
					1 => Pallet::register_verifier(
						RuntimeOrigin::signed(who),
						amount,
						caps(),
						endpoint(),
					),
					2 => Pallet::bond_more(RuntimeOrigin::signed(who), amount),
					3 => Pallet::unbond(RuntimeOrigin::signed(who), amount),
					4 => Pallet::withdraw_unbonded(RuntimeOrigin::signed(who)),
					5 => {
						if rng.below(2) == 0 {
							Pallet::go_offline(RuntimeOrigin::signed(who))
						} else {
							Pallet::go_online(RuntimeOrigin::signed(who))
						}
					},
					6 => Pallet::deregister(RuntimeOrigin::signed(who)),
					7 | 8 => Pallet::lock_bond(&who, amount),
					9 => Pallet::unlock_bond(&who, amount),
					10 => {
						let to = 1 + rng.below(ACCOUNTS);
						let other = 1 + rng.below(ACCOUNTS);
						Pallet::slash(
							&who,
							amount,
							&[(to, 1 + rng.below(3) as u32), (other, rng.below(3) as u32)],
						)
						.map(|_| ())
					},
					11 => Pallet::record_outcome(&who, Outcome::Fault),
					12 => {
						let k = rng.below(4) as u32;
						let mut s = [0u8; 32];
						s[..8].copy_from_slice(&rng.next().to_le_bytes());
						if let Ok(picked) = select(s, k, &[who], amount) {
							assert_eq!(picked.len() as u32, k);
							for v in &picked {
								assert!(Pallet::is_active_verifier(v, amount) && *v != who);
							}
						}
						// A held snapshot draws exactly what a list of the weights recorded
						// when it was taken draws (with the same exclusion and replacements).
						if !snapshots.is_empty() {
							let pick = rng.below(snapshots.len() as u64) as usize;
							let (snapshot, recorded) = &snapshots[pick];
							let excluded = VerifierSlots::<Test>::get(who).map(|e| e.slot);
							let list = recorded.iter().filter(|(slot, _)| Some(*slot) != excluded);
							let usable = |slot: &u32| {
								SlotOwners::<Test>::get(slot).is_some_and(|a| {
									a != who && Pallet::is_active_verifier(&a, amount)
								})
							};
							let expected = crate::selection::sample_replacing(
								&mut crate::selection::ListPool::new(list.copied().collect()),
								&s,
								k,
								16,
								usable,
							)
							.map(|slots| {
								slots.iter().map(|s| SlotOwners::<Test>::get(s).unwrap()).collect()
							});
							let got = Pallet::select_verifiers(*snapshot, s, k, &[who], amount);
							assert_eq!(got.ok(), expected, "seed {seed} step {step}");
						}
						Ok(())
					},
					13 => {
						let before = weights_now();
						if let Ok(id) = Pallet::snapshot_verifiers() {
							if !snapshots.iter().any(|(h, _)| *h == id) {
								snapshots.push((id, before));
							}
						}
						Ok(())
					},
					14 => {
						if !snapshots.is_empty() {
							let i = rng.below(snapshots.len() as u64) as usize;
							let (id, _) = snapshots[i];
							Pallet::release_verifier_snapshot(id);
							if Pallet::verifier_snapshot_holds(id) == 0 {
								snapshots.remove(i);
							}
						}
						Ok(())
					},
					_ => {
						run_to_block(System::block_number() + 1 + rng.below(UNBONDING_DELAY));
						Ok(())
					},
				};
				Pallet::do_try_state().unwrap_or_else(|e| panic!("seed {seed} step {step}: {e:?}"));
				for (id, recorded) in &snapshots {
					let mut now = slot_weights(*id);
					let later = now.split_off(recorded.len().min(now.len()));
					assert_eq!(&now, recorded, "seed {seed} step {step}: snapshot {id} changed");
					let unseen = later.iter().all(|(_, w)| *w == 0);
					assert!(unseen, "seed {seed}: a slot handed out later has weight in {id}");
				}
				for a in 1..=ACCOUNTS {
					if !Participants::<Test>::contains_key(a) && !Unbonding::<Test>::contains_key(a)
					{
						assert_eq!(held(a), 0, "seed {seed}: account {a} holds without a bond");
					}
				}
				assert_eq!(Balances::total_issuance(), issuance, "seed {seed}: issuance changed");
			}
		});
	}
}

#[test]
fn bad_origin_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Pallet::register_worker(RuntimeOrigin::root(), 100, caps(), endpoint()),
			DispatchError::BadOrigin
		);
	});
}
