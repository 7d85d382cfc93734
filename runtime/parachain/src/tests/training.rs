//! A whole training task on the parachain with the shared data-registry, compute and training
//! pallets: register data, a worker and verifiers; create, claim, submit; the committee is
//! drawn from the relay chain's randomness only once a value exists whose relay epoch began
//! after the submission (less the relay-parent lag); it commits, reveals and the task settles
//! with everyone paid.

use super::*;
use crate::{
	configs::{dynamic_params::training as windows, marketplace as configs, RuntimeParameters},
	Compute, DataRegistry, RuntimeEvent, RuntimeHoldReason, Training,
};
use frame_support::traits::{fungible::InspectHold, Get};
use mlchain_primitives::{
	merkle::merkle_root,
	training::{verdict_commitment, Verdict},
};
use mlchain_pallet_traits::Role;
use mlchain_runtime_common::testing::{self, demo_task_spec, EVAL_ROOT, TRAIN_ROOT};
use pallet_training::{DatasetIds, Deadlines, Phase, Tasks};

fn register_dataset(root: [u8; 32], price: Balance, royalty_bps: u16) -> RuntimeCall {
	RuntimeCall::DataRegistry(testing::register_dataset::<Runtime>(root, price, royalty_bps))
}

fn register_participant(role: Role, port: u16) -> RuntimeCall {
	let bond = configs::MinComputeBond::get();
	RuntimeCall::Compute(testing::register_participant::<Runtime>(role, bond, port))
}

/// Produces one block with `xts`, asserts they all succeeded and the pallets' invariants
/// (including the training pallet's conservation of held funds) hold after it.
fn ok_block(xts: Vec<UncheckedExtrinsic>) {
	let outcomes = produce_block(xts);
	assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
	DataRegistry::do_try_state().expect("registry invariants");
	Compute::do_try_state().expect("compute invariants");
	Training::do_try_state().expect("training invariants");
}

fn set_window(window: windows::Parameters) -> RuntimeCall {
	let set = pallet_parameters::Call::set_parameter { key_value: RuntimeParameters::Training(window) };
	RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Parameters(set)) })
}

#[test]
fn an_honest_task_goes_from_creation_to_payout_with_relay_randomness() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(1);
		// A young chain knows a relay epoch's length only once it saw two changes of the
		// relay value (the first value it sees may be in the middle of an epoch); until then a
		// postponed draw polls. Start the task on a chain that knows it.
		while pallet_relay_randomness::RelayEpochSlots::<Runtime>::get().is_none() {
			produce_blocks(1);
		}
		assert_eq!(pallet_relay_randomness::RelayEpochSlots::<Runtime>::get(), Some(RELAY_EPOCH_BLOCKS.into()));
		let [requester, owner, worker] =
			[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];
		let verifiers = [Sr25519Keyring::Dave, Sr25519Keyring::Eve, Sr25519Keyring::Ferdie];
		let (train_price, eval_price, reward) = (2 * UNITS, UNITS, 20 * UNITS);

		let (commit, reveal, appeal) = (6, 4, 3);
		let alice = Sr25519Keyring::Alice.pair();
		ok_block(vec![
			signed_with_nonce(&alice, set_window(windows::Parameters::CommitWindow(windows::CommitWindow, Some(commit))), 0),
			signed_with_nonce(&alice, set_window(windows::Parameters::RevealWindow(windows::RevealWindow, Some(reveal))), 1),
			signed_with_nonce(&alice, set_window(windows::Parameters::AppealWindow(windows::AppealWindow, Some(appeal))), 2),
		]);
		assert_eq!(windows::CommitWindow::get(), commit);

		let owner_pair = owner.pair();
		let mut xts = vec![
			signed_with_nonce(&owner_pair, register_dataset(TRAIN_ROOT, train_price, 1_000), 0),
			signed_with_nonce(&owner_pair, register_dataset(EVAL_ROOT, eval_price, 500), 1),
			signed(&worker.pair(), register_participant(Role::Worker, 30_001)),
		];
		for (i, v) in verifiers.iter().enumerate() {
			xts.push(signed(&v.pair(), register_participant(Role::Verifier, 30_002 + i as u16)));
		}
		ok_block(xts);

		let free = |who: Sr25519Keyring| Balances::free_balance(account(who));
		let create = RuntimeCall::Training(pallet_training::Call::create_task {
			spec: demo_task_spec(11),
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

		let leaves: Vec<[u8; 32]> =
			(0u8..5).map(|i| sp_io::hashing::blake2_256(&[i, 7])).collect();
		ok_block(vec![signed(
			&worker.pair(),
			RuntimeCall::Training(pallet_training::Call::claim_task { task }),
		)]);
		ok_block(vec![signed(
			&worker.pair(),
			RuntimeCall::Training(pallet_training::Call::submit_result {
				task,
				checkpoints_root: merkle_root(&leaves).unwrap(),
				model_hash: leaves[4],
				metric_ppb: 950_000_000,
			}),
		)]);
		let submitted_at = System::block_number();

		// The draw waits for relay randomness all of whose inputs postdate the submission: the
		// relay epoch that made it began when the previous value was noted, and that must be
		// more than `RelayParentLag` blocks after the submission (a value that appears within
		// the lag could have been seen by the worker). So the draw uses the second relay value
		// after the submission, relay epoch index + 2.
		let lag = crate::configs::collators::RelayParentLag::get();
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
		let noted_at = pallet_relay_randomness::NotedAt::<Runtime>::get();
		let previously =
			pallet_relay_randomness::PreviouslyNotedAt::<Runtime>::get().expect("two values noted");
		assert!(previously > submitted_at + lag, "inputs from {previously}, submitted at {submitted_at}");
		assert!(drawn_at >= noted_at);
		// ... and no earlier: with relay epochs of 10 blocks, the inputs' epoch is the first
		// that began after `submitted_at + lag`, and the value is the one noted an epoch later.
		let first_boundary = (submitted_at + lag) / RELAY_EPOCH_BLOCKS * RELAY_EPOCH_BLOCKS
			+ RELAY_EPOCH_BLOCKS;
		assert_eq!(previously, first_boundary);
		assert_eq!(noted_at, first_boundary + RELAY_EPOCH_BLOCKS);
		// A postponed draw is retried when the next relay value is due (from the relay slots
		// seen, with one lag of margin), not every `SelectionDelay` blocks: the first try,
		// then once per relay value until a fresh one.
		assert!(postponed <= 3, "{postponed} postponements");
		assert!(drawn_at <= noted_at + 1 + lag, "drawn at {drawn_at}, value noted at {noted_at}");

		let round = Tasks::<Runtime>::get(task).unwrap().current_round().cloned().unwrap();
		assert_eq!(round.commit_deadline, drawn_at + commit);
		let members: Vec<AccountId> = round.committee.iter().map(|s| s.who.clone()).collect();
		let mut sorted = members.clone();
		sorted.sort();
		let mut expected: Vec<AccountId> = verifiers.iter().map(|v| account(*v)).collect();
		expected.sort();
		assert_eq!(sorted, expected, "the three registered verifiers form the committee");

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
		ok_block(
			members
				.iter()
				.map(|who| {
					let commitment =
						verdict_commitment(task, &who.encode(), &accept(who), &salt(who));
					signed(
						&pair_of(who),
						RuntimeCall::Training(pallet_training::Call::commit_verdict { task, commitment }),
					)
				})
				.collect(),
		);
		while System::block_number() < round.commit_deadline {
			ok_block(vec![]);
		}
		ok_block(
			members
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
				.collect(),
		);
		let worker_free = free(worker);
		let owner_free = free(owner);
		for _ in 0..(reveal + appeal + 5) {
			if Tasks::<Runtime>::get(task).is_none() {
				break;
			}
			ok_block(vec![]);
		}
		assert!(Tasks::<Runtime>::get(task).is_none(), "the task settled");

		// The same split as on the solochain: 10 % royalty to the training data's owner, then
		// 5 % of the rest to the evaluation data's owner (the same account), plus both prices.
		let royalty_train = reward / 10;
		let royalty_eval = (reward - royalty_train) / 20;
		let paid = reward - royalty_train - royalty_eval;
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Training(pallet_training::Event::TaskAccepted { task: 0, paid: p, .. })
				if *p == paid
		)));
		assert_eq!(free(worker) - worker_free, paid);
		assert_eq!(free(owner) - owner_free, train_price + eval_price + royalty_train + royalty_eval);
		assert_eq!(Balances::balance_on_hold(&escrow_reason, &account(requester)), 0);
		assert_eq!(
			pallet_compute::Participants::<Runtime>::get(account(worker)).unwrap().locked,
			0,
			"the worker's bond is released"
		);
	});
}

/// The training pallet's deadlines in one block stay inside the PoV limit (finding 11 of the
/// threat review): its budget is a quarter of the block's weight and proof size, and the one
/// deadline always handled, the heaviest there is (an appeal committee's draw, or a settlement
/// of the largest committee with the snapshot a void round takes), fits in it.
#[test]
fn training_deadlines_fit_the_pov_limit() {
	use frame_support::weights::Weight;
	use mlchain_pallet_traits::WorkerRegistry;
	use pallet_training::WeightInfo as _;
	type W = <Runtime as pallet_training::Config>::WeightInfo;
	let pov = cumulus_primitives_core::relay_chain::MAX_POV_SIZE as u64;
	let budget = configs::TrainingHookWeight::get();
	assert!(budget.proof_size() <= pov / 4, "{budget:?} against a PoV of {pov} bytes");
	let v = configs::MaxTaskVerifiers::get();
	let (appeal, seats) = (2 * v + 1, configs::EscalationSeats::get());
	let select = <Compute as WorkerRegistry<AccountId, Balance>>::select_verifiers_weight;
	let snapshot = <Compute as WorkerRegistry<AccountId, Balance>>::snapshot_verifiers_weight;
	// A draw excludes the task's two parties and every seat of its rounds.
	let excluded = (v + seats) + (appeal + seats) + 2;
	let draw = |k: u32| W::on_initialize_select(k).saturating_add(select(k, excluded));
	// A tally that voids the round (or escalates it) snapshots the verifier set for the redraw.
	let tally = W::on_initialize_settle(v).saturating_add(snapshot());
	let heaviest: Weight = [draw(appeal), draw(seats), tally, W::on_initialize_expire_claimed()]
		.into_iter()
		.fold(Weight::zero(), |a, b| a.max(b));
	assert!(heaviest.all_lte(budget), "the heaviest deadline {heaviest:?} exceeds the budget {budget:?}");
	println!("hook budget {budget:?}; heaviest deadline {heaviest:?}; PoV limit {pov} bytes");
}
