//! Unit tests of every call and error, and a randomised property test of the invariants.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use mlchain_pallet_traits::DatasetProvider;
use sp_runtime::{DispatchError, DispatchResult, TokenError};

type Registry = crate::Pallet<Test>;
type E = crate::Error<Test>;

fn root(n: u8) -> [u8; 32] {
	[n; 32]
}

fn mlchain_uri(root: &[u8; 32]) -> UriOf<Test> {
	let mut v = b"mlchain://".to_vec();
	for b in root {
		v.extend_from_slice(format!("{b:02x}").as_bytes());
	}
	v.try_into().unwrap()
}

fn uri(s: &str) -> UriOf<Test> {
	s.as_bytes().to_vec().try_into().unwrap()
}

fn licence(s: &str) -> Licence {
	s.as_bytes().to_vec().try_into().unwrap()
}

fn schema() -> Schema {
	Schema {
		format: DataFormat::Csv,
		feature_count: 784,
		names: vec![b"label".to_vec().try_into().unwrap()].try_into().unwrap(),
		row_count: 60_000,
	}
}

/// The deposit of an entry registered by `register_with` with an `ipfs://x` URI.
fn short_deposit() -> u64 {
	ENTRY_DEPOSIT + "ipfs://x".len() as u64 + "MIT".len() as u64 + "label".len() as u64
}

fn register_with(
	owner: u64,
	r: [u8; 32],
	kind: ArtifactKind,
	parent: Option<EntryId>,
) -> DispatchResult {
	Registry::register(
		RuntimeOrigin::signed(owner),
		r,
		1024,
		kind,
		uri("ipfs://x"),
		licence("MIT"),
		schema(),
		50,
		500,
		parent,
	)
}

/// Register a public dataset with price 50 and 5% royalty; returns its id.
fn register_ok(owner: u64, n: u8) -> EntryId {
	let id = NextEntryId::<Test>::get();
	assert_ok!(register_with(owner, root(n), ArtifactKind::Dataset, None));
	id
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &who)
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

fn check() {
	Registry::do_try_state().unwrap();
}

// ---------- register ----------

#[test]
fn register_stores_entry_holds_deposit_and_emits_event() {
	new_test_ext().execute_with(|| {
		let r = root(7);
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(ALICE),
			r,
			4096,
			ArtifactKind::Dataset,
			mlchain_uri(&r),
			licence("Apache-2.0 OR MIT"),
			schema(),
			25,
			MaxRoyalty::get(),
			None,
		));
		let e = Entries::<Test>::get(0).unwrap();
		assert_eq!(e.owner, ALICE);
		assert_eq!(e.status, EntryStatus::Active);
		assert_eq!(e.access, AccessMode::Public);
		let deposit = ENTRY_DEPOSIT + 74 + 17 + 5;
		assert_eq!(e.deposit, deposit);
		assert_eq!(held(ALICE), deposit);
		assert_eq!(OwnerRoots::<Test>::get(ALICE, r), Some(0));
		assert_eq!(NextEntryId::<Test>::get(), 1);
		assert_eq!(
			last_event(),
			Event::Registered {
				id: 0,
				owner: ALICE,
				root: r,
				kind: ArtifactKind::Dataset,
				parent: None,
				deposit
			}
			.into()
		);
		check();
	});
}

#[test]
fn register_accepts_every_scheme() {
	new_test_ext().execute_with(|| {
		for (i, u) in ["ipfs://bafy", "https://example.org/data.csv"].iter().enumerate() {
			assert_ok!(Registry::register(
				RuntimeOrigin::signed(ALICE),
				root(i as u8),
				1,
				ArtifactKind::Model,
				uri(u),
				licence("CC-BY-4.0"),
				schema(),
				0,
				0,
				None,
			));
		}
		check();
	});
}

#[test]
fn register_with_bad_uri_is_refused() {
	new_test_ext().execute_with(|| {
		let r = root(1);
		let wrong_root = mlchain_uri(&root(2));
		let upper = {
			let mut v = mlchain_uri(&[0xab; 32]).into_inner();
			v.make_ascii_uppercase();
			UriOf::<Test>::try_from(v).unwrap()
		};
		for bad in [
			uri("ftp://host/file"),
			uri("ipfs://"),
			uri("https://"),
			uri("https://a b"),
			uri(""),
			uri("mlchain://0101"),
			wrong_root,
			upper,
		] {
			assert_noop!(
				Registry::register(
					RuntimeOrigin::signed(ALICE),
					r,
					1,
					ArtifactKind::Dataset,
					bad,
					licence("MIT"),
					schema(),
					0,
					0,
					None
				),
				E::BadUri
			);
		}
	});
}

#[test]
fn uri_longer_than_the_bound_cannot_be_built() {
	let long = vec![b'a'; 129];
	assert!(UriOf::<Test>::try_from(long).is_err());
}

#[test]
fn register_with_bad_licence_schema_size_or_royalty_is_refused() {
	new_test_ext().execute_with(|| {
		let call = |lic: &str, s: Schema, size: u64, bps: u16| {
			Registry::register(
				RuntimeOrigin::signed(ALICE),
				root(1),
				size,
				ArtifactKind::Dataset,
				uri("ipfs://x"),
				licence(lic),
				s,
				0,
				bps,
				None,
			)
		};
		assert_noop!(call("", schema(), 1, 0), E::BadLicence);
		assert_noop!(call("MIT;rm", schema(), 1, 0), E::BadLicence);
		assert_noop!(call(" MIT", schema(), 1, 0), E::BadLicence);
		let mut bad = schema();
		bad.names.try_push(Default::default()).unwrap();
		assert_noop!(call("MIT", bad, 1, 0), E::BadSchema);
		assert_noop!(call("MIT", schema(), 0, 0), E::EmptyArtifact);
		assert_noop!(call("MIT", schema(), 1, 10_001), E::RoyaltyTooHigh);
	});
}

/// A requester's Sybil data owner asking for the whole reward as a royalty: the runtime's cap
/// refuses it, and an entry registered before the cap was lowered is paid at most the cap.
#[test]
fn royalties_are_capped_by_the_runtime() {
	new_test_ext().execute_with(|| {
		let register = |bps: u16, seed: u8| {
			Registry::register(
				RuntimeOrigin::signed(ALICE),
				root(seed),
				1,
				ArtifactKind::Dataset,
				uri("ipfs://x"),
				licence("MIT"),
				schema(),
				0,
				bps,
				None,
			)
		};
		assert_noop!(register(10_000, 1), E::RoyaltyTooHigh);
		assert_noop!(register(MaxRoyalty::get() + 1, 1), E::RoyaltyTooHigh);
		assert_ok!(register(MaxRoyalty::get(), 1));
		let id = NextEntryId::<Test>::get() - 1;
		assert_eq!(Registry::royalty_due(id, &BOB, 400), 200);
		MaxRoyalty::set(&1_000);
		assert_eq!(Registry::royalty_due(id, &BOB, 400), 40);
		assert_eq!(Registry::pay_royalty(id, &BOB, 400), Ok(40));
	});
}

#[test]
fn register_same_root_twice_by_same_owner_is_refused_but_other_owner_may() {
	new_test_ext().execute_with(|| {
		register_ok(ALICE, 1);
		assert_noop!(register_with(ALICE, root(1), ArtifactKind::Dataset, None), E::DuplicateRoot);
		register_ok(BOB, 1);
		check();
	});
}

#[test]
fn register_new_version_links_to_parent() {
	new_test_ext().execute_with(|| {
		let v1 = register_ok(ALICE, 1);
		assert_ok!(register_with(ALICE, root(2), ArtifactKind::Dataset, Some(v1)));
		assert_eq!(Entries::<Test>::get(1).unwrap().parent, Some(v1));
		assert_eq!(Entries::<Test>::get(v1).unwrap().versions, 1);
		check();
	});
}

#[test]
fn register_with_bad_parent_is_refused() {
	new_test_ext().execute_with(|| {
		let alices = register_ok(ALICE, 1);
		assert_noop!(register_with(ALICE, root(2), ArtifactKind::Dataset, Some(99)), E::BadParent);
		assert_noop!(
			register_with(BOB, root(2), ArtifactKind::Dataset, Some(alices)),
			E::BadParent
		);
		assert_noop!(
			register_with(ALICE, root(2), ArtifactKind::Model, Some(alices)),
			E::BadParent
		);
		assert_ok!(Registry::take_down(RuntimeOrigin::root(), alices, TakeDownReason::Abuse));
		assert_noop!(
			register_with(ALICE, root(2), ArtifactKind::Dataset, Some(alices)),
			E::BadParent
		);
	});
}

#[test]
fn register_without_funds_for_the_deposit_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			register_with(POOR, root(1), ArtifactKind::Dataset, None),
			E::InsufficientDeposit
		);
	});
}

// ---------- update_price / deprecate ----------

#[test]
fn owner_updates_price() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::update_price(RuntimeOrigin::signed(ALICE), id, 7));
		assert_eq!(Entries::<Test>::get(id).unwrap().price, 7);
		assert_eq!(last_event(), Event::PriceUpdated { id, price: 7 }.into());
	});
}

#[test]
fn update_price_by_stranger_or_on_unknown_entry_is_refused() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_noop!(Registry::update_price(RuntimeOrigin::signed(BOB), id, 7), E::NotOwner);
		assert_noop!(Registry::update_price(RuntimeOrigin::signed(ALICE), 9, 7), E::UnknownEntry);
	});
}

#[test]
fn deprecated_entry_cannot_be_changed_or_used_but_running_lock_survives() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::lock(id));
		assert_ok!(Registry::deprecate(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(last_event(), Event::Deprecated { id }.into());
		assert_noop!(Registry::update_price(RuntimeOrigin::signed(ALICE), id, 1), E::Deprecated);
		assert_noop!(Registry::deprecate(RuntimeOrigin::signed(ALICE), id), E::Deprecated);
		assert_noop!(Registry::ensure_can_use(id, &BOB), E::Deprecated);
		assert_noop!(Registry::lock(id), E::Deprecated);
		assert_ok!(Registry::unlock(id));
		assert_noop!(Registry::deprecate(RuntimeOrigin::signed(BOB), id), E::NotOwner);
		check();
	});
}

// ---------- transfer_ownership ----------

#[test]
fn transfer_moves_ownership_index_and_deposits() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), id, CHARLIE));
		assert_ok!(Registry::transfer_ownership(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_eq!(Entries::<Test>::get(id).unwrap().owner, BOB);
		assert_eq!(held(ALICE), 0);
		assert_eq!(held(BOB), short_deposit() + ACCESS_DEPOSIT);
		assert_eq!(Balances::balance(&ALICE), INITIAL - short_deposit() - ACCESS_DEPOSIT);
		assert_eq!(OwnerRoots::<Test>::get(BOB, root(1)), Some(id));
		assert_eq!(OwnerRoots::<Test>::get(ALICE, root(1)), None);
		assert_eq!(last_event(), Event::OwnershipTransferred { id, from: ALICE, to: BOB }.into());
		check();
		// The new owner gets everything back on removal.
		assert_ok!(Registry::remove(RuntimeOrigin::signed(BOB), id));
		assert_eq!(Balances::balance(&BOB), INITIAL + short_deposit() + ACCESS_DEPOSIT);
		check();
	});
}

#[test]
fn transfer_errors() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		register_ok(BOB, 1);
		assert_noop!(
			Registry::transfer_ownership(RuntimeOrigin::signed(ALICE), 9, BOB),
			E::UnknownEntry
		);
		assert_noop!(
			Registry::transfer_ownership(RuntimeOrigin::signed(BOB), id, CHARLIE),
			E::NotOwner
		);
		assert_noop!(
			Registry::transfer_ownership(RuntimeOrigin::signed(ALICE), id, ALICE),
			E::SameOwner
		);
		assert_noop!(
			Registry::transfer_ownership(RuntimeOrigin::signed(ALICE), id, BOB),
			E::DuplicateRoot
		);
		assert_ok!(Registry::take_down(RuntimeOrigin::root(), id, TakeDownReason::Licence));
		assert_noop!(
			Registry::transfer_ownership(RuntimeOrigin::signed(ALICE), id, CHARLIE),
			E::TakenDown
		);
	});
}

// ---------- access ----------

#[test]
fn allow_list_restricts_use_and_holds_slot_deposits() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::AllowList));
		assert_eq!(last_event(), Event::AccessSet { id, access: AccessMode::AllowList }.into());
		assert_noop!(Registry::ensure_can_use(id, &BOB), E::AccessDenied);
		assert_ok!(Registry::ensure_can_use(id, &ALICE));
		assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_eq!(last_event(), Event::AccessGranted { id, who: BOB }.into());
		assert_eq!(held(ALICE), short_deposit() + ACCESS_DEPOSIT);
		assert_ok!(Registry::ensure_can_use(id, &BOB));
		assert_ok!(Registry::revoke_access(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_eq!(last_event(), Event::AccessRevoked { id, who: BOB }.into());
		assert_eq!(held(ALICE), short_deposit());
		assert!(!AllowLists::<Test>::contains_key(id));
		assert_noop!(Registry::ensure_can_use(id, &BOB), E::AccessDenied);
		assert_ok!(Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::Public));
		assert_ok!(Registry::ensure_can_use(id, &BOB));
		check();
	});
}

#[test]
fn access_errors() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_noop!(
			Registry::set_access(RuntimeOrigin::signed(BOB), id, AccessMode::AllowList),
			E::NotOwner
		);
		assert_noop!(
			Registry::set_access(RuntimeOrigin::signed(ALICE), 9, AccessMode::AllowList),
			E::UnknownEntry
		);
		assert_noop!(Registry::grant_access(RuntimeOrigin::signed(BOB), id, BOB), E::NotOwner);
		assert_noop!(Registry::grant_access(RuntimeOrigin::signed(ALICE), 9, BOB), E::UnknownEntry);
		assert_noop!(Registry::revoke_access(RuntimeOrigin::signed(ALICE), id, BOB), E::NotAllowed);
		assert_noop!(Registry::revoke_access(RuntimeOrigin::signed(BOB), id, BOB), E::NotOwner);
		assert_noop!(
			Registry::revoke_access(RuntimeOrigin::signed(ALICE), 9, BOB),
			E::UnknownEntry
		);
		assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_noop!(
			Registry::grant_access(RuntimeOrigin::signed(ALICE), id, BOB),
			E::AlreadyAllowed
		);
		assert_noop!(
			Registry::revoke_access(RuntimeOrigin::signed(ALICE), id, CHARLIE),
			E::NotAllowed
		);
		for who in [CHARLIE, DAVE, EVE] {
			assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), id, who));
		}
		assert_noop!(
			Registry::grant_access(RuntimeOrigin::signed(ALICE), id, POOR),
			E::AllowListFull
		);
		check();
	});
}

#[test]
fn grant_without_funds_for_the_slot_deposit_is_refused() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::transfer_ownership(RuntimeOrigin::signed(ALICE), id, POOR));
		// POOR now owns the entry but has only 15 free, of which 1 must stay (existential deposit).
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(POOR), ALICE, 13));
		assert_noop!(
			Registry::grant_access(RuntimeOrigin::signed(POOR), id, BOB),
			E::InsufficientDeposit
		);
	});
}

#[test]
fn locked_entry_access_cannot_be_narrowed() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_ok!(Registry::lock(id));
		assert_noop!(
			Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::AllowList),
			E::Locked
		);
		// Still public: revoking changes nothing for a running task.
		assert_ok!(Registry::revoke_access(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_ok!(Registry::unlock(id));
		assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_ok!(Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::AllowList));
		assert_ok!(Registry::lock(id));
		assert_noop!(Registry::revoke_access(RuntimeOrigin::signed(ALICE), id, BOB), E::Locked);
		// Widening is always fine.
		assert_ok!(Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::Public));
		check();
	});
}

// ---------- remove ----------

#[test]
fn remove_returns_all_deposits_and_clears_indexes() {
	new_test_ext().execute_with(|| {
		let v1 = register_ok(ALICE, 1);
		assert_ok!(register_with(ALICE, root(2), ArtifactKind::Dataset, Some(v1)));
		assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), 1, BOB));
		assert_noop!(Registry::remove(RuntimeOrigin::signed(ALICE), v1), E::HasVersions);
		assert_ok!(Registry::remove(RuntimeOrigin::signed(ALICE), 1));
		assert_eq!(
			last_event(),
			Event::Removed { id: 1, refunded: short_deposit() + ACCESS_DEPOSIT }.into()
		);
		assert_eq!(Entries::<Test>::get(v1).unwrap().versions, 0);
		assert_ok!(Registry::remove(RuntimeOrigin::signed(ALICE), v1));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), INITIAL);
		assert_eq!(Entries::<Test>::iter().count(), 0);
		assert_eq!(OwnerRoots::<Test>::iter().count(), 0);
		// The root can be registered again.
		register_ok(ALICE, 1);
		check();
	});
}

#[test]
fn remove_errors() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_noop!(Registry::remove(RuntimeOrigin::signed(ALICE), 9), E::UnknownEntry);
		assert_noop!(Registry::remove(RuntimeOrigin::signed(BOB), id), E::NotOwner);
		assert_ok!(Registry::lock(id));
		assert_noop!(Registry::remove(RuntimeOrigin::signed(ALICE), id), E::Locked);
		assert_ok!(Registry::unlock(id));
		assert_ok!(Registry::take_down(RuntimeOrigin::root(), id, TakeDownReason::Abuse));
		assert_noop!(Registry::remove(RuntimeOrigin::signed(ALICE), id), E::TakenDown);
	});
}

// ---------- take_down ----------

#[test]
fn take_down_is_final_and_governance_only() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::grant_access(RuntimeOrigin::signed(ALICE), id, BOB));
		assert_noop!(
			Registry::take_down(RuntimeOrigin::signed(ALICE), id, TakeDownReason::Abuse),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Registry::take_down(RuntimeOrigin::root(), 9, TakeDownReason::Abuse),
			E::UnknownEntry
		);
		assert_ok!(Registry::lock(id));
		assert_ok!(Registry::take_down(RuntimeOrigin::root(), id, TakeDownReason::Licence));
		assert_eq!(last_event(), Event::TakenDown { id, reason: TakeDownReason::Licence }.into());
		assert_noop!(
			Registry::take_down(RuntimeOrigin::root(), id, TakeDownReason::Abuse),
			E::TakenDown
		);
		assert_noop!(Registry::update_price(RuntimeOrigin::signed(ALICE), id, 1), E::TakenDown);
		assert_noop!(Registry::deprecate(RuntimeOrigin::signed(ALICE), id), E::TakenDown);
		assert_noop!(
			Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::Public),
			E::TakenDown
		);
		assert_noop!(
			Registry::grant_access(RuntimeOrigin::signed(ALICE), id, CHARLIE),
			E::TakenDown
		);
		assert_noop!(register_with(ALICE, root(1), ArtifactKind::Dataset, None), E::DuplicateRoot);
		assert_noop!(Registry::ensure_can_use(id, &BOB), E::TakenDown);
		assert_noop!(Registry::lock(id), E::TakenDown);
		// A running task can still finish: unlock works, no royalty is paid.
		assert_eq!(Registry::pay_royalty(id, &BOB, 1000), Ok(0));
		assert_ok!(Registry::unlock(id));
		// The owner can still recover allow-list slot deposits after the lock is gone.
		assert_ok!(Registry::revoke_access(RuntimeOrigin::signed(ALICE), id, BOB));
		check();
	});
}

// ---------- DatasetProvider ----------

#[test]
fn entry_lookup_reports_the_entry() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		let info = Registry::entry(id).unwrap();
		assert_eq!(info.owner, ALICE);
		assert_eq!(info.root, root(1));
		assert_eq!(info.price, 50);
		assert_eq!(info.royalty_bps, 500);
		assert_eq!(info.status, EntryStatus::Active);
		assert!(Registry::entry(9).is_none());
		assert_noop!(Registry::ensure_can_use(9, &BOB), E::UnknownEntry);
	});
}

#[test]
fn charge_use_pays_the_owner_and_is_free_for_the_owner() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		let alice_before = Balances::balance(&ALICE);
		assert_eq!(Registry::charge_use(id, &BOB), Ok(50));
		assert_eq!(last_event(), Event::UsePaid { id, payer: BOB, amount: 50 }.into());
		assert_eq!(Balances::balance(&BOB), INITIAL - 50);
		assert_eq!(Balances::balance(&ALICE), alice_before + 50);
		assert_eq!(Registry::charge_use(id, &ALICE), Ok(0));
		assert_eq!(Balances::balance(&ALICE), alice_before + 50);
		assert_noop!(Registry::charge_use(9, &BOB), E::UnknownEntry);
	});
}

#[test]
fn charge_use_needs_access_and_funds() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_ok!(Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::AllowList));
		assert_noop!(Registry::charge_use(id, &BOB), E::AccessDenied);
		assert_ok!(Registry::set_access(RuntimeOrigin::signed(ALICE), id, AccessMode::Public));
		assert_noop!(Registry::charge_use(id, &POOR), TokenError::FundsUnavailable);
	});
}

#[test]
fn royalty_is_the_basis_point_share_of_the_amount() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1); // 500 bps = 5 %
		let alice_before = Balances::balance(&ALICE);
		assert_eq!(Registry::pay_royalty(id, &BOB, 400), Ok(20));
		assert_eq!(last_event(), Event::RoyaltyPaid { id, payer: BOB, amount: 20 }.into());
		assert_eq!(Balances::balance(&ALICE), alice_before + 20);
		assert_eq!(Registry::pay_royalty(id, &BOB, 19), Ok(0)); // rounds down
		assert_eq!(Registry::pay_royalty(id, &ALICE, 400), Ok(0));
		assert_noop!(Registry::pay_royalty(9, &BOB, 1), E::UnknownEntry);
	});
}

#[test]
fn royalty_due_quotes_pay_royalty_without_moving_funds() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1); // 500 bps = 5 %
		let (alice, bob) = (Balances::balance(&ALICE), Balances::balance(&BOB));
		assert_eq!(Registry::royalty_due(id, &BOB, 400), 20);
		assert_eq!(Registry::royalty_due(id, &BOB, 19), 0);
		assert_eq!(Registry::royalty_due(id, &ALICE, 400), 0);
		assert_eq!(Registry::royalty_due(9, &BOB, 400), 0);
		assert_eq!((Balances::balance(&ALICE), Balances::balance(&BOB)), (alice, bob));
		assert_eq!(Registry::royalty_due(id, &BOB, 400), Registry::pay_royalty(id, &BOB, 400).unwrap());
		assert_ok!(Registry::take_down(RuntimeOrigin::root(), id, TakeDownReason::Licence));
		assert_eq!(Registry::royalty_due(id, &BOB, 400), 0);
	});
}

#[test]
fn locks_nest_up_to_the_limit_and_must_be_released() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		assert_noop!(Registry::unlock(id), E::NotLocked);
		for n in 1..=3 {
			assert_ok!(Registry::lock(id));
			assert_eq!(last_event(), Event::Locked { id, locks: n }.into());
		}
		assert_noop!(Registry::lock(id), E::TooManyLocks);
		assert_eq!(Registry::entry(id).unwrap().locks, 3);
		assert_ok!(Registry::unlock(id));
		assert_eq!(last_event(), Event::Unlocked { id, locks: 2 }.into());
		assert_noop!(Registry::lock(9), E::UnknownEntry);
		assert_noop!(Registry::unlock(9), E::UnknownEntry);
		check();
	});
}

#[test]
fn try_state_detects_a_broken_index() {
	new_test_ext().execute_with(|| {
		let id = register_ok(ALICE, 1);
		OwnerRoots::<Test>::remove(ALICE, root(1));
		assert!(Registry::do_try_state().is_err());
		OwnerRoots::<Test>::insert(ALICE, root(1), id);
		check();
		Entries::<Test>::mutate(id, |e| e.as_mut().unwrap().deposit += 1);
		assert!(Registry::do_try_state().is_err());
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
	let accounts = [ALICE, BOB, CHARLIE, DAVE, EVE, POOR];
	for seed in 1..=300u64 {
		new_test_ext().execute_with(|| {
			let issuance = Balances::total_issuance();
			let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
			for _step in 0..50 {
				let who = accounts[rng.below(6) as usize];
				let other = accounts[rng.below(6) as usize];
				let next = NextEntryId::<Test>::get();
				let id = rng.below(next + 1);
				let _ = match rng.below(13) {
					0 | 1 => {
						let parent =
							if rng.below(3) == 0 { Some(rng.below(next + 1)) } else { None };
						let kind = if rng.below(4) == 0 {
							ArtifactKind::Model
						} else {
							ArtifactKind::Dataset
						};
						register_with(who, root(rng.below(4) as u8), kind, parent)
					},
					2 => Registry::update_price(RuntimeOrigin::signed(who), id, rng.below(100)),
					3 => Registry::deprecate(RuntimeOrigin::signed(who), id),
					4 => Registry::transfer_ownership(RuntimeOrigin::signed(who), id, other),
					5 => Registry::set_access(
						RuntimeOrigin::signed(who),
						id,
						if rng.below(2) == 0 { AccessMode::Public } else { AccessMode::AllowList },
					),
					6 => Registry::grant_access(RuntimeOrigin::signed(who), id, other),
					7 => Registry::revoke_access(RuntimeOrigin::signed(who), id, other),
					8 => Registry::remove(RuntimeOrigin::signed(who), id),
					9 => {
						if rng.below(8) == 0 {
							Registry::take_down(RuntimeOrigin::root(), id, TakeDownReason::Abuse)
						} else {
							Registry::charge_use(id, &who).map(|_| ())
						}
					},
					10 => Registry::lock(id),
					11 => Registry::unlock(id),
					_ => Registry::pay_royalty(id, &who, rng.below(1000)).map(|_| ()),
				};
				Registry::do_try_state().unwrap_or_else(|e| panic!("seed {seed}: {e:?}"));
				// Accounts that own nothing hold nothing.
				for a in accounts {
					if !Entries::<Test>::iter_values().any(|e| e.owner == a) {
						assert_eq!(held(a), 0, "seed {seed}: account {a} holds without owning");
					}
				}
				assert_eq!(Balances::total_issuance(), issuance, "seed {seed}: issuance changed");
			}
		});
	}
}
