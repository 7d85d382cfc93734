// What the Polkadot-JS scripts share: connecting, the dev accounts, and sending a transaction
// until it is in a block with its dispatch error decoded from the metadata.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

export async function connect() {
  const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
  return ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
}

// The well-known dev accounts, by name: `dev('Alice', 'Bob')`.
export function dev(...names) {
  const keyring = new Keyring({ type: 'sr25519' });
  return names.map((name) => keyring.addFromUri(`//${name}`));
}

// Sends `tx` signed by `who` and resolves once it is in a block (or finalised) with `{ error, block, events }`:
// `error` is null or `{ name: 'pallet.Error', docs }`, `block` the hash of the including block.
// `nonce` lets one account send several transactions before the first is included.
export function send(api, tx, who, nonce = -1) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(who, { nonce }, ({ status, dispatchError, events }) => {
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        return reject(new Error(`transaction ${status.type}`));
      }
      // A node that seals and finalises each block at once (omni-node's dev mode) may report a
      // transaction `Finalized` without an `InBlock` first.
      if (!status.isInBlock && !status.isFinalized) return;
      const block = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
      if (!dispatchError) return resolve({ error: null, block, events });
      if (!dispatchError.isModule) return resolve({ error: { name: dispatchError.toString(), docs: '' }, block, events });
      const meta = api.registry.findMetaError(dispatchError.asModule);
      resolve({ error: { name: `${meta.section}.${meta.name}`, docs: meta.docs.join(' ') }, block, events });
    }).catch(reject);
  });
}

// Like `send`, but throws unless the transaction succeeded.
export async function sendOk(api, tx, who, nonce = -1) {
  const outcome = await send(api, tx, who, nonce);
  if (outcome.error) throw new Error(`${tx.method.section}.${tx.method.method}: ${outcome.error.name}`);
  return outcome;
}

// Prints `facts` one `key: value` per line, disconnects and exits 0 only when `ok`.
export async function report(api, facts, ok) {
  for (const [key, value] of Object.entries(facts)) console.log(`${key}: ${value}`);
  await api.disconnect();
  process.exit(ok ? 0 : 1);
}

// `dataRegistry.register` of a dataset named by `root` (an IDX pair of 60 000 rows), with a use
// price and a royalty in basis points.
export function registerDataset(api, root, { uri = `mlchain://${root.slice(2)}`, price = 1_000_000_000_000n, royaltyBps = 500 } = {}) {
  const schema = { format: 'Idx', featureCount: 784, names: ['images', 'labels'], rowCount: 60000 };
  return api.tx.dataRegistry.register(root, 47040000, 'Dataset', uri, 'CC-BY-4.0', schema, price, royaltyBps, null);
}

// What a worker or verifier declares when it registers: its machine and a libp2p endpoint
// (a peer id and one multiaddr, /ip4/127.0.0.1/tcp/`port`, in their binary forms).
export const capabilities = { cores: 2, memoryMib: 4096, gpu: false, modelFamilies: ['Mlp'] };
export function endpoint(port) {
  return { peerId: '0x002408011220aa', addrs: [`0x047f00000106${port.toString(16).padStart(4, '0')}`] };
}

// The demo task on two datasets: an MLP trained for 12 steps in 4 segments of 3, checked by
// 3 verifiers replaying 2 segments each (the runtimes' tests use the same spec).
export function demoTaskSpec(trainRoot, evalRoot, seed = 7) {
  return {
    model: { Mlp: { inputs: 4, hidden: [8], outputs: 2, activation: 'Relu', dropoutPpb: 0 } },
    optimizer: { Sgd: { momentumPpb: 0, weightDecayPpb: 0 } },
    schedule: { Constant: { lrPpb: 100_000_000 } },
    loss: 'CrossEntropy',
    seed,
    batchSize: 8,
    totalSteps: 12,
    checkpointInterval: 3,
    trainDataset: trainRoot,
    evalDataset: evalRoot,
    metric: 'Accuracy',
    thresholdPpb: 900_000_000,
    verifierCount: 3,
    segmentsPerVerifier: 2,
  };
}
