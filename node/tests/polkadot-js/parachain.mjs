// Checks a node running the mlchain *parachain* runtime (polkadot-omni-node in dev mode) with
// nothing but the Polkadot-JS API and the node's metadata: blocks are being produced, the
// runtime is the parachain one, Alice -> Bob transfer succeeds, and a training task is created
// on two datasets Ferdie registers, with its escrow held.
//
// Prints one `key: value` line per checked fact; exit code 0 only when all hold.
//
//   node parachain.mjs ws://127.0.0.1:9944
import { connect, demoTaskSpec, dev, registerDataset, report, sendOk } from './client.mjs';

const api = await connect();
const [alice, bob, ferdie] = dev('Alice', 'Bob', 'Ferdie');
const UNIT = 10n ** BigInt(api.registry.chainDecimals[0]);
const facts = {};

// ---- 1. The node produces blocks. ----
const waitForBlocks = (count) => new Promise((resolve) => {
  let first = null;
  const unsub = api.rpc.chain.subscribeNewHeads((header) => {
    const n = header.number.toNumber();
    first ??= n;
    if (n >= first + count) { unsub.then((u) => u()); resolve([first, n]); }
  });
});
const [from, to] = await waitForBlocks(2);
facts['blocks produced'] = `${from} -> ${to}`;
const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
facts['runtime'] = `${api.runtimeVersion.specName} v${api.runtimeVersion.specVersion}`;
facts['parachain pallets'] = ['ParachainSystem', 'Aura', 'CollatorSelection', 'RelayRandomness']
  .every((p) => pallets.includes(p));
facts['marketplace pallets'] = ['DataRegistry', 'Compute', 'Training'].every((p) => pallets.includes(p));
facts['para id'] = (await api.query.parachainInfo.parachainId()).toNumber();

// ---- 2. A transfer. ----
const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
const transfer = await sendOk(api, api.tx.balances.transferKeepAlive(bob.address, UNIT), alice);
const after = (await (await api.at(transfer.block)).query.system.account(bob.address)).data.free.toBigInt();
facts['transfer success event'] = transfer.events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event));
facts['bob received one unit'] = after - before === UNIT;

// ---- 3. A task creation on two registered datasets. ----
const TRAIN_ROOT = '0x' + '71'.repeat(32);
const EVAL_ROOT = '0x' + 'e7'.repeat(32);
const nonce = (await api.rpc.system.accountNextIndex(ferdie.address)).toNumber();
const registrations = await Promise.all([
  sendOk(api, registerDataset(api, TRAIN_ROOT, { price: 2n * UNIT, royaltyBps: 1000 }), ferdie, nonce),
  sendOk(api, registerDataset(api, EVAL_ROOT, { price: UNIT, royaltyBps: 500 }), ferdie, nonce + 1),
]);
const entryId = (outcome) => outcome.events
  .find(({ event: e }) => api.events.dataRegistry.Registered.is(e)).event.data.id.toNumber();
const datasets = { train: entryId(registrations[0]), eval: entryId(registrations[1]) };
const spec = demoTaskSpec(TRAIN_ROOT, EVAL_ROOT);
const reward = 50n * UNIT;
const minBond = api.consts.compute.minBond.toBigInt();
const created = await sendOk(api, api.tx.training.createTask(spec, datasets, reward, minBond, { claimWithin: 50, execution: 50 }), alice);
const taskCreated = created.events.find(({ event: e }) => api.events.training.TaskCreated.is(e))?.event.data;
const escrow = reward + 3n * api.consts.training.verifierFee.toBigInt() + 3n * UNIT;
facts['task created'] = taskCreated !== undefined;
facts['escrow held'] = taskCreated?.escrow.toBigInt() === escrow;
const task = taskCreated ? (await api.query.training.tasks(taskCreated.task)).isSome : false;
facts['task stored'] = task;

await report(api, facts, facts['parachain pallets'] && facts['marketplace pallets']
  && facts['transfer success event'] && facts['bob received one unit']
  && facts['task created'] && facts['escrow held'] && facts['task stored']);
