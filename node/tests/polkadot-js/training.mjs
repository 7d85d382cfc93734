// Drives one whole training task through the `training` pallet with nothing but the Polkadot-JS
// API and the node's metadata, playing every party from the dev accounts:
//
//   Alice (sudo)  shortens the verification windows through `parameters.setParameter`, then
//                 posts the task as its requester;
//   Ferdie        owns the training and evaluation datasets;
//   Bob           registers as a worker, claims the task and submits a run commitment;
//   Charlie, Dave and Eve register as verifiers, are drawn as the committee from BABE
//                 randomness of a later epoch, read their assignments (own segments and the
//                 partner's segments they witness) through the runtime API, commit to
//                 `Accept` with one replay witness per duty under a salted hash, and reveal it.
//
// The script then waits for the task to settle and checks every balance against the runtime's
// parameters: the worker gets the reward less royalties, the data owner both use prices and
// both royalties, each verifier its fee, and the requester's escrow is gone. No training runs
// here: the run commitment is an arbitrary hash, which an honest committee accepts without the
// chain knowing better, and the witnesses hash one made-up loss curve that every verifier
// agrees on (the worker binary replays real runs and hashes the losses it computes).
//
// Prints each step and one `key: value` line per checked fact; exit code 0 only when all hold.
//
//   node training.mjs ws://127.0.0.1:9944
import { blake2AsU8a } from '@polkadot/util-crypto';
import { bnToU8a, compactToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { capabilities, connect, demoTaskSpec, dev, endpoint, registerDataset, report, sendOk } from './client.mjs';

const TIMEOUT_MS = 8 * 60 * 1000;
const api = await connect();
const [alice, bob, charlie, dave, eve, ferdie] = dev('Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie');
const [requester, owner, worker, verifiers] = [alice, ferdie, bob, [charlie, dave, eve]];
const UNIT = 10n ** BigInt(api.registry.chainDecimals[0]);
const log = (line) => console.log(`[block ${head}] ${line}`);

// ---- Following the chain: every `training` event of every new best block, with its block. ----
let head = (await api.rpc.chain.getHeader()).number.toNumber();
const seen = [];
const wakeups = new Set();
let following = Promise.resolve();
async function follow(header) {
  const events = await (await api.at(header.hash)).query.system.events();
  for (const { event } of events) {
    if (event.section === 'training') seen.push({ block: header.number.toNumber(), name: event.method, data: event.data });
  }
  head = Math.max(head, header.number.toNumber());
  for (const wake of wakeups) wake();
}
// One block at a time, in order, so `seen` is in chain order.
await api.rpc.chain.subscribeNewHeads((header) => { following = following.then(() => follow(header)); });

// Resolves with the first truthy value of `check()`, re-evaluated at every new block.
function until(what, check) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
    const wake = () => {
      const value = check();
      if (value) { clearTimeout(timer); wakeups.delete(wake); resolve(value); }
    };
    wakeups.add(wake);
    wake();
  });
}
const ofTask = (e, task) => e.data.task?.toNumber() === task;
const event = (name, task) => () => seen.find((e) => e.name === name && ofTask(e, task));
const free = async (who) => (await api.query.system.account(who.address)).data.free.toBigInt();
const nextNonce = async (who) => (await api.rpc.system.accountNextIndex(who.address)).toNumber();

const facts = {};

// ---- 1. Root shortens the windows so the task settles in a couple of minutes. ----
const windows = { CommitWindow: 10, RevealWindow: 5, AppealWindow: 3 };
const setWindows = Object.entries(windows).map(([name, blocks]) =>
  api.tx.parameters.setParameter({ Training: { [name]: [null, blocks] } }));
const sudo = await sendOk(api, api.tx.sudo.sudo(api.tx.utility.batchAll(setWindows)), alice);
const sudid = sudo.events.find(({ event: e }) => api.events.sudo.Sudid.is(e));
facts['windows set by root'] = sudid?.event.data.sudoResult.isOk ?? false;
const commitWindow = await api.query.parameters.parameters({ Training: { CommitWindow: null } });
facts['commit window now'] = commitWindow.isSome ? commitWindow.unwrap().asTraining.asCommitWindow.toNumber() : 'default';
log(`root set the windows: commit ${windows.CommitWindow}, reveal ${windows.RevealWindow}, appeal ${windows.AppealWindow} blocks`);

// ---- 2. Data owner registers two datasets; worker and verifiers bond. ----
const TRAIN_ROOT = '0x' + '71'.repeat(32);
const EVAL_ROOT = '0x' + 'e7'.repeat(32);
const [trainPrice, evalPrice, trainRoyaltyBps, evalRoyaltyBps] = [2n * UNIT, UNIT, 1000n, 500n];
const minBond = api.consts.compute.minBond.toBigInt();
const ownerNonce = await nextNonce(owner);
const registrations = await Promise.all([
  sendOk(api, registerDataset(api, TRAIN_ROOT, { price: trainPrice, royaltyBps: trainRoyaltyBps }), owner, ownerNonce),
  sendOk(api, registerDataset(api, EVAL_ROOT, { price: evalPrice, royaltyBps: evalRoyaltyBps }), owner, ownerNonce + 1),
  sendOk(api, api.tx.compute.registerWorker(minBond, capabilities, endpoint(30001)), worker),
  ...verifiers.map((v, i) => sendOk(api, api.tx.compute.registerVerifier(minBond, capabilities, endpoint(30002 + i)), v)),
]);
const entryId = (outcome) => outcome.events
  .find(({ event: e }) => api.events.dataRegistry.Registered.is(e)).event.data.id.toNumber();
const datasets = { train: entryId(registrations[0]), eval: entryId(registrations[1]) };
log(`Ferdie registered datasets ${datasets.train} and ${datasets.eval}; Bob bonded as worker; Charlie, Dave, Eve as verifiers`);

// ---- 3. The requester posts the task: 12 steps in 4 segments, 3 verifiers, 2 segments each. ----
const spec = demoTaskSpec(TRAIN_ROOT, EVAL_ROOT);
const reward = 20n * UNIT;
const requesterStart = await free(requester);
const created = await sendOk(api, api.tx.training.createTask(spec, datasets, reward, minBond, { claimWithin: 50, execution: 50 }), requester);
const taskCreated = created.events.find(({ event: e }) => api.events.training.TaskCreated.is(e)).event.data;
const task = taskCreated.task.toNumber();
const fee = api.consts.training.verifierFee.toBigInt();
// Three seats plus the escalation seats a round may need (released when unused).
const escalationFees = BigInt(api.consts.training.escalationSeats.toString()) * fee;
const escrow = reward + 3n * fee + escalationFees + trainPrice + evalPrice;
facts['escrow held'] = taskCreated.escrow.toBigInt() === escrow;
// Creating a task pays a fee to the treasury that is never refunded (anti-flooding).
facts['creation fee paid'] = taskCreated.creationFee.toBigInt() === api.consts.training.taskCreationFee.toBigInt()
  && taskCreated.creationFee.toBigInt() > 0n;
log(`Alice created task ${task}; escrow ${taskCreated.escrow.toHuman()} (reward + 3 fees + escalation fees + both prices)`);

// ---- 4. The worker claims and commits to its run. ----
await sendOk(api, api.tx.training.claimTask(task), worker);
const runRoot = u8aToHex(blake2AsU8a(stringToU8a('a run of 5 checkpoints'), 256));
const submitted = await sendOk(api, api.tx.training.submitResult(task, runRoot, runRoot, 960_000_000), worker);
const workerAfterSubmit = (await (await api.at(submitted.block)).query.system.account(worker.address)).data.free.toBigInt();
const submittedAt = seen.find((e) => e.name === 'ResultSubmitted')?.block ?? head;
log(`Bob claimed task ${task} and submitted root ${runRoot.slice(0, 18)}…, metric 96 %`);

// ---- 5. A committee is drawn from randomness of a later epoch. ----
const drawn = (await until('the committee draw', event('CommitteeSelected', task)));
const committee = drawn.data.verifiers.map(String);
const commitDeadline = drawn.data.commitDeadline.toNumber();
const revealDeadline = drawn.data.revealDeadline.toNumber();
facts['drawn after submission'] = drawn.block > submittedAt;
facts['committee is the three verifiers'] = committee.length === 3 && verifiers.every((v) => committee.includes(v.address));
facts['commit window applied'] = commitDeadline === drawn.block + windows.CommitWindow;
log(`committee drawn in block ${drawn.block}: commit until ${commitDeadline}, reveal until ${revealDeadline}`);

// What each verifier's client learns from the runtime API: its segments and deadlines.
const assignments = await Promise.all(verifiers.map(async (v) => (await api.call.trainingApi.assignmentsOf(v.address)).toJSON()));
facts['each verifier has 2 segments in 0..4'] = assignments.every((list) =>
  list.length === 1 && list[0].task === task && list[0].role === 'Verifier' && list[0].segments.length === 2
  && list[0].segments.every((s) => s >= 0 && s < 4) && list[0].commitDeadline === commitDeadline);
for (const [i, v] of verifiers.entries()) log(`${['Charlie', 'Dave', 'Eve'][i]} replays segments ${assignments[i][0].segments.join(', ')}`);

// ---- 6. Commit, then reveal after the commit window. ----
// The commitment is blake2_256(SCALE(domain, task, SCALE(account), verdict, salt)), see
// `mlchain_primitives::training::verdict_commitment`.
// An accept carries one witness per duty (own and witnessed segments, ascending):
// blake2_256(SCALE(domain, segment, losses)), the losses as IEEE-754 bits of each of the
// segment's steps, see `mlchain_primitives::training::replay_witness`.
const stepsPerSegment = spec.checkpointInterval;
const lossBits = (segment) => [...Array(stepsPerSegment).keys()].map((k) => {
  const bits = new DataView(new ArrayBuffer(4));
  bits.setFloat32(0, 2 / (1 + segment * stepsPerSegment + k), true);
  return bits.getUint32(0, true);
});
const witness = (segment) => u8aToHex(blake2AsU8a(u8aConcat(
  stringToU8a('mlchain/witness/v1'),
  bnToU8a(segment, { bitLength: 32, isLe: true }),
  compactToU8a(stepsPerSegment),
  ...lossBits(segment).map((b) => bnToU8a(b, { bitLength: 32, isLe: true })),
), 256));
const duties = ([a]) => [...new Set([...a.segments, ...a.witnessed])].sort((x, y) => x - y);
facts['each witnessed segment is another member\'s, not its own'] = assignments.every(([a]) =>
  a.witnessed.every((s) => !a.segments.includes(s)
    && assignments.some(([b]) => b !== a && b.segments.includes(s))));
const verdictType = api.tx.training.revealVerdict.meta.args[1].type.toString();
const accepts = assignments.map((list) => api.createType(verdictType, { Accept: { witnesses: duties(list).map(witness) } }));
const salts = verifiers.map((v) => blake2AsU8a(stringToU8a(`salt of ${v.address}`), 256));
const commitment = (v, i, salt) => blake2AsU8a(u8aConcat(
  stringToU8a('mlchain/verdict/v1'),
  bnToU8a(task, { bitLength: 64, isLe: true }),
  compactToU8a(32), v.publicKey,
  accepts[i].toU8a(),
  salt,
), 256);
await Promise.all(verifiers.map((v, i) => sendOk(api, api.tx.training.commitVerdict(task, commitment(v, i, salts[i])), v)));
log('the three verifiers committed');
await until(`block ${commitDeadline}`, () => head >= commitDeadline);
const revealed = await Promise.all(verifiers.map((v, i) => sendOk(api, api.tx.training.revealVerdict(task, accepts[i], salts[i]), v)));
const revealBlock = revealed.map((r) => r.block);
facts['revealed in the reveal window'] = seen.filter((e) => e.name === 'VerdictRevealed' && e.block > commitDeadline && e.block <= revealDeadline).length === 3;
log('the three verifiers revealed Accept, with a witness for each segment they replayed');
const verifierAfterReveal = await Promise.all(verifiers.map(async (v) => {
  // Balance once all three reveals are in (the last block of them).
  const last = revealBlock[revealBlock.length - 1];
  return (await (await api.at(last)).query.system.account(v.address)).data.free.toBigInt();
}));
const ownerBefore = await free(owner);

// ---- 7. Tally, appeal window, settlement. ----
const tallied = await until('the tally', event('RoundTallied', task));
log(`round tallied: ${tallied.data.accepts} accepts, ${tallied.data.rejects} rejects, ${tallied.data.decision.toString()}`);
const accepted = await until('the settlement', event('TaskAccepted', task));
log(`task ${task} accepted and paid in block ${accepted.block}`);
const settledAt = (await api.rpc.chain.getBlockHash(accepted.block)).toHex();
const at = await api.at(settledAt);
const freeAt = async (who) => (await at.query.system.account(who.address)).data.free.toBigInt();

// Royalties: the training entry's share of the reward, then the evaluation entry's share of
// what is left; the worker gets the rest.
const royaltyTrain = (reward * trainRoyaltyBps) / 10_000n;
const royaltyEval = ((reward - royaltyTrain) * evalRoyaltyBps) / 10_000n;
const workerPay = reward - royaltyTrain - royaltyEval;
facts['worker paid reward less royalties'] = (await freeAt(worker)) - workerAfterSubmit === workerPay;
facts['TaskAccepted reports the same pay'] = accepted.data.paid.toBigInt() === workerPay;
facts['owner paid prices and royalties'] = (await freeAt(owner)) - ownerBefore === trainPrice + evalPrice + royaltyTrain + royaltyEval;
const verifierGains = await Promise.all(verifiers.map(async (v, i) => (await freeAt(v)) - verifierAfterReveal[i]));
facts['each verifier paid its fee'] = verifierGains.every((g) => g === fee);
const holds = await at.query.balances.holds(requester.address);
facts['requester escrow released'] = holds.every((h) => !h.id.toString().includes('TaskEscrow'));
facts['requester spent at least the escrow but the unused escalation fees'] =
  requesterStart - (await freeAt(requester)) >= escrow - escalationFees;
const participants = await Promise.all([worker, ...verifiers].map(async (p) => (await at.query.compute.participants(p.address)).unwrap()));
facts['bonds unlocked'] = participants.every((p) => p.locked.toBigInt() === 0n);
facts['task removed'] = (await at.query.training.tasks(task)).isNone;
facts['events in order'] = ['TaskCreated', 'TaskClaimed', 'ResultSubmitted', 'CommitteeSelected', 'VerdictCommitted',
  'VerdictRevealed', 'RoundTallied', 'VerifierSettled', 'DataPaid', 'TaskAccepted']
  .map((name) => seen.findIndex((e) => e.name === name && ofTask(e, task)))
  .every((index, i, all) => index >= 0 && (i === 0 || index > all[i - 1]));
facts['worker got'] = `${workerPay / UNIT}.${(workerPay % UNIT).toString().padStart(12, '0')} MLC`;

const ok = Object.entries(facts).every(([key, value]) => key === 'worker got' || key === 'commit window now' ? true : value === true)
  && facts['commit window now'] === windows.CommitWindow;
await report(api, facts, ok);
