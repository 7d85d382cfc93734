// Drives our own pallets through the Polkadot-JS API, which learns them only from the node's
// metadata: Alice registers a dataset, Bob registers as a worker and Charlie as a verifier;
// each is read back from storage. A registration with a bad URI must fail with the pallet's
// named, documented error. Prints one `key: value` line per fact; exit code 0 only when all
// of them hold.
//
//   node marketplace.mjs ws://127.0.0.1:9944
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519' });
const [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((uri) => keyring.addFromUri(uri));

// Sends `tx` signed by `who` and resolves once it is in a block, with the dispatch error (decoded
// from the metadata) or null.
function send(tx, who) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(who, ({ status, dispatchError }) => {
      if (!status.isInBlock) return;
      if (!dispatchError) return resolve(null);
      if (!dispatchError.isModule) return resolve({ name: dispatchError.toString(), docs: '' });
      const meta = api.registry.findMetaError(dispatchError.asModule);
      resolve({ name: `${meta.section}.${meta.name}`, docs: meta.docs.join(' ') });
    }).catch(reject);
  });
}

const root = '0x' + '42'.repeat(32);
const schema = { format: 'Idx', featureCount: 784, names: ['images', 'labels'], rowCount: 60000 };
const register = (uri) => api.tx.dataRegistry.register(
  root, 47040000, 'Dataset', uri, 'CC-BY-4.0', schema, 1_000_000_000_000n, 500, null);

const facts = {};
const badUri = await send(register('ftp://example.org/mnist'), alice);
facts['bad uri error'] = badUri?.name;
facts['bad uri error has docs'] = (badUri?.docs ?? '').length > 0;

facts['register dataset error'] = (await send(register('mlchain://' + '42'.repeat(32)), alice))?.name ?? 'none';
const id = (await api.query.dataRegistry.nextEntryId()).toNumber() - 1;
const entry = (await api.query.dataRegistry.entries(id)).unwrap();
facts['entry owner is alice'] = entry.owner.toString() === alice.address;
facts['entry root'] = entry.root.toHex();
facts['entry royalty bps'] = entry.royaltyBps.toNumber();
facts['entry deposit held'] = entry.deposit.toBigInt() > 0n;

const minBond = api.consts.compute.minBond.toBigInt();
const capabilities = { cores: 2, memoryMib: 4096, gpu: false, modelFamilies: ['Mlp'] };
const endpoint = (port) => ({ peerId: '0x002408011220aa', addrs: [`0x047f00000106${port.toString(16).padStart(4, "0")}`] });
facts['register worker error'] =
  (await send(api.tx.compute.registerWorker(minBond, capabilities, endpoint(0x7531)), bob))?.name ?? 'none';
facts['register verifier error'] =
  (await send(api.tx.compute.registerVerifier(2n * minBond, capabilities, endpoint(0x7532)), charlie))?.name ?? 'none';
const worker = (await api.query.compute.participants(bob.address)).unwrap();
const verifier = (await api.query.compute.participants(charlie.address)).unwrap();
facts['worker role'] = worker.role.toString();
facts['worker bond is min bond'] = worker.bond.toBigInt() === minBond;
facts['verifier role'] = verifier.role.toString();
facts['verifier index has charlie'] = (await api.query.compute.verifiers()).map(String).includes(charlie.address);

for (const [key, value] of Object.entries(facts)) console.log(`${key}: ${value}`);
await api.disconnect();
const ok = facts['bad uri error'] === 'dataRegistry.BadUri' && facts['bad uri error has docs']
  && facts['register dataset error'] === 'none' && facts['entry owner is alice']
  && facts['entry root'] === root && facts['entry royalty bps'] === 500 && facts['entry deposit held']
  && facts['register worker error'] === 'none' && facts['register verifier error'] === 'none'
  && facts['worker role'] === 'Worker' && facts['worker bond is min bond']
  && facts['verifier role'] === 'Verifier' && facts['verifier index has charlie'];
process.exit(ok ? 0 : 1);
