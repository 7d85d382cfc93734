//! A whole training task in the real runtime, with the real data registry and compute pallets
//! and BABE's randomness: register data, workers and verifiers; create, claim, submit; a
//! committee is drawn from randomness that did not exist at submission; it commits, reveals
//! and the task settles with everyone paid exactly as the runtime's parameters say.

use super::{
	marketplace::{register_call, register_dataset_call},
	*,
};
use crate::{
	configs::{dynamic_params::training as windows, marketplace as configs, RuntimeParameters},
	Compute, DataRegistry, RuntimeHoldReason, Training,
};
use frame_support::traits::Get;
use frame_support::traits::fungible::InspectHold;
use mlchain_primitives::{
	merkle::merkle_root,
	training::{verdict_commitment, Verdict},
};
use mlchain_pallet_traits::Role;
use mlchain_runtime_common::testing::{demo_task_spec, EVAL_ROOT, TRAIN_ROOT};
use pallet_training::{DatasetIds, Deadlines, Phase, Tasks};

/// Produces one block with `xts`, asserts they all succeeded and every pallet's invariants
/// (including the training pallet's conservation of held funds) hold after it.
fn ok_block(xts: Vec<UncheckedExtrinsic>) {
	let outcomes = produce_block(xts);
	assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
	DataRegistry::do_try_state().expect("registry invariants");
	Compute::do_try_state().expect("compute invariants");
	Training::do_try_state().expect("training invariants");
}

/// Root (sudo) sets a verification window through `pallet-parameters`, as a local network
/// does to settle tasks in minutes.
fn set_window_call(window: windows::Parameters) -> RuntimeCall {
	let set = pallet_parameters::Call::set_parameter { key_value: RuntimeParameters::Training(window) };
	RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Parameters(set)) })
}

fn training_events() -> Vec<pallet_training::Event<Runtime>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Training(e) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn an_honest_task_goes_from_creation_to_payout_with_babe_randomness() {
	genesis_of("development").execute_with(|| {
		produce_blocks(1);
		let [requester, owner, worker] =
			[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];
		let verifiers = [Sr25519Keyring::Dave, Sr25519Keyring::Eve, Sr25519Keyring::Ferdie];
		let (train_price, eval_price, reward) = (2 * UNITS, UNITS, 20 * UNITS);

		// Data owner registers both datasets; worker and verifiers register with bonds.
		// Root shortens the windows from their defaults (100, 40 and 40 blocks).
		let (commit, reveal, appeal) = (12, 6, 4);
		let alice = Sr25519Keyring::Alice.pair();
		ok_block(vec![
			signed_with_nonce(&alice, set_window_call(windows::Parameters::CommitWindow(windows::CommitWindow, Some(commit))), 0),
			signed_with_nonce(&alice, set_window_call(windows::Parameters::RevealWindow(windows::RevealWindow, Some(reveal))), 1),
			signed_with_nonce(&alice, set_window_call(windows::Parameters::AppealWindow(windows::AppealWindow, Some(appeal))), 2),
		]);
		assert_eq!(windows::CommitWindow::get(), commit);

		let owner_pair = owner.pair();
		let mut xts = vec![
			signed_with_nonce(&owner_pair, register_dataset_call(TRAIN_ROOT, train_price, 1_000), 0),
			signed_with_nonce(&owner_pair, register_dataset_call(EVAL_ROOT, eval_price, 500), 1),
			signed(&worker.pair(), register_call(Role::Worker, configs::MinComputeBond::get(), 30_001)),
		];
		for (i, v) in verifiers.iter().enumerate() {
			let port = 30_002 + i as u16;
			xts.push(signed(&v.pair(), register_call(Role::Verifier, configs::MinComputeBond::get(), port)));
		}
		ok_block(xts);

		let before = |who: Sr25519Keyring| Balances::free_balance(account(who));
		let requester_start = before(requester);
		let create = RuntimeCall::Training(pallet_training::Call::create_task {
			spec: demo_task_spec(7),
			datasets: DatasetIds { train: 0, eval: 1 },
			reward,
			worker_bond: configs::MinComputeBond::get(),
			deadlines: Deadlines { claim_within: 50, execution: 50 },
		});
		ok_block(vec![signed(&requester.pair(), create)]);
		let task = 0;
		// Three seats and the escalation seats a round may need (released when unused).
		let escalation_fees =
			Balance::from(configs::EscalationSeats::get()) * configs::VerifierFee::get();
		let escrow = reward + 3 * configs::VerifierFee::get() + escalation_fees + train_price + eval_price;
		let escrow_reason = RuntimeHoldReason::Training(pallet_training::HoldReason::TaskEscrow);
		assert_eq!(Balances::balance_on_hold(&escrow_reason, &account(requester)), escrow);

		// The worker claims and submits a run of S/K = 4 segments (5 checkpoint hashes).
		let leaves: Vec<[u8; 32]> =
			(0u8..5).map(|i| sp_io::hashing::blake2_256(&[i, 42])).collect();
		ok_block(vec![signed(
			&worker.pair(),
			RuntimeCall::Training(pallet_training::Call::claim_task { task }),
		)]);
		let submit = RuntimeCall::Training(pallet_training::Call::submit_result {
			task,
			checkpoints_root: merkle_root(&leaves).unwrap(),
			model_hash: leaves[4],
			metric_ppb: 960_000_000,
		});
		ok_block(vec![signed_with_nonce(&worker.pair(), submit, 0)]);
		let submitted_at = System::block_number();

		// The committee is drawn only from randomness all of whose inputs postdate the
		// submission: BABE's one-epoch-ago randomness of the second epoch change after it
		// (epochs are 20 blocks here), made of VRF outputs of an epoch that began after it.
		let mut drawn_at = None;
		let mut postponed = 0;
		for _ in 0..configs::SelectionTimeout::get() {
			if Tasks::<Runtime>::get(task).unwrap().phase == Phase::Voting {
				drawn_at = Some(System::block_number());
				break;
			}
			ok_block(vec![]);
			postponed += System::events()
				.iter()
				.filter(|r| {
					matches!(
						r.event,
						RuntimeEvent::Training(pallet_training::Event::SelectionPostponed { .. })
					)
				})
				.count();
		}
		let drawn_at = drawn_at.expect("a committee is drawn within the selection timeout");
		let (inputs_epoch, current_epoch) = pallet_babe::EpochStart::<Runtime>::get();
		assert!(inputs_epoch > submitted_at, "drawn from VRF outputs of an epoch after submission");
		// A postponed draw is retried when the epoch changes, not every few blocks: the first
		// try, then once at the first epoch change; drawn in the block of the second.
		assert_eq!(drawn_at, current_epoch, "drawn in the block the randomness became fresh");
		assert!(postponed <= 2, "{postponed} postponements");
		assert!(
			drawn_at >= submitted_at + crate::constants::time::EPOCH_DURATION_IN_BLOCKS,
			"a draw from the next epoch change would use outputs public at submission"
		);

		let round = Tasks::<Runtime>::get(task).unwrap().current_round().cloned().unwrap();
		assert_eq!(round.commit_deadline, drawn_at + commit, "the window root set applies");
		assert_eq!(round.reveal_deadline, drawn_at + commit + reveal);
		let members: Vec<AccountId> = round.committee.iter().map(|s| s.who.clone()).collect();
		let mut sorted = members.clone();
		sorted.sort();
		let mut expected: Vec<AccountId> = verifiers.iter().map(|v| account(*v)).collect();
		expected.sort();
		assert_eq!(sorted, expected, "the three registered verifiers form the committee");
		for slot in round.committee.iter() {
			// What the runtime API returns to each verifier's client.
			let assignments = Training::assignments_of(&slot.who);
			assert_eq!(assignments.len(), 1);
			assert_eq!(assignments[0].segments.to_vec(), slot.segments.to_vec());
			assert_eq!(assignments[0].witnessed.to_vec(), slot.witnessed.to_vec());
			assert!(slot.segments.iter().all(|s| *s < 4));
		}

		// Each verifier commits to Accept with its own salt, then reveals after the commit
		// window.
		let pair_of =
			|who: &AccountId| verifiers.iter().find(|v| &account(**v) == who).unwrap().pair();
		let salt = |who: &AccountId| sp_io::hashing::blake2_256(&who.encode());
		// Every replay of a segment gives the same witness; the chain only compares them.
		let accept = |who: &AccountId| {
			let slot = round.committee.iter().find(|s| &s.who == who).unwrap();
			Verdict::accept(
				slot.duties().iter().map(|j| sp_io::hashing::blake2_256(&j.encode())).collect(),
			)
		};
		let commits = members
			.iter()
			.map(|who| {
				let commitment = verdict_commitment(task, &who.encode(), &accept(who), &salt(who));
				signed(
					&pair_of(who),
					RuntimeCall::Training(pallet_training::Call::commit_verdict { task, commitment }),
				)
			})
			.collect();
		ok_block(commits);
		while System::block_number() < round.commit_deadline {
			ok_block(vec![]);
		}
		let reveals = members
			.iter()
			.map(|who| {
				signed(
					&pair_of(who),
					RuntimeCall::Training(pallet_training::Call::reveal_verdict {
						task,
						verdict: accept(who),
						salt: salt(who),
					}),
				)
			})
			.collect();
		ok_block(reveals);
		let verifier_free: Vec<Balance> = members.iter().map(|m| Balances::free_balance(m)).collect();
		let worker_free = before(worker);
		let owner_free = before(owner);

		// The round is tallied after the reveal window, then the appeal window runs out.
		for _ in 0..(reveal + appeal + 5) {
			if Tasks::<Runtime>::get(task).is_none() {
				break;
			}
			ok_block(vec![]);
		}
		assert!(Tasks::<Runtime>::get(task).is_none(), "the task settled");

		// Royalties: 10 % of the reward to the training data's owner, then 5 % of the rest to
		// the evaluation data's owner (the same account here), plus both use prices.
		let royalty_train = reward / 10;
		let royalty_eval = (reward - royalty_train) / 20;
		let paid = reward - royalty_train - royalty_eval;
		assert!(training_events().iter().any(|e| matches!(
			e,
			pallet_training::Event::TaskAccepted { task: 0, paid: p, .. } if *p == paid
		)));
		assert_eq!(before(worker) - worker_free, paid);
		assert_eq!(
			before(owner) - owner_free,
			train_price + eval_price + royalty_train + royalty_eval
		);
		for (who, free) in members.iter().zip(verifier_free) {
			assert_eq!(Balances::free_balance(who) - free, configs::VerifierFee::get());
			assert_eq!(pallet_compute::Participants::<Runtime>::get(who).unwrap().locked, 0);
		}
		assert_eq!(Balances::balance_on_hold(&escrow_reason, &account(requester)), 0);
		assert!(
			requester_start - before(requester) >= escrow - escalation_fees,
			"the escrow was spent but for the unused escalation fees"
		);
		assert_eq!(
			pallet_compute::Participants::<Runtime>::get(account(worker)).unwrap().locked,
			0,
			"the worker's bond is released"
		);
		assert_eq!(pallet_data_registry::Entries::<Runtime>::get(0).unwrap().locks, 0);
	});
}
