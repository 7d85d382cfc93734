// Drives our own pallets through the Polkadot-JS API, which learns them only from the node's
// metadata: Alice registers a dataset, Bob registers as a worker and Charlie as a verifier;
// each is read back from storage. A registration with a bad URI must fail with the pallet's
// named, documented error. Prints one `key: value` line per fact; exit code 0 only when all
// of them hold.
//
//   node marketplace.mjs ws://127.0.0.1:9944
import { capabilities, connect, dev, endpoint, registerDataset, report, send } from './client.mjs';

const api = await connect();
const [alice, bob, charlie] = dev('Alice', 'Bob', 'Charlie');

const root = '0x' + '42'.repeat(32);
const register = (uri) => registerDataset(api, root, { uri });

const facts = {};
const badUri = (await send(api, register('ftp://example.org/mnist'), alice)).error;
facts['bad uri error'] = badUri?.name;
facts['bad uri error has docs'] = (badUri?.docs ?? '').length > 0;

facts['register dataset error'] = (await send(api, register('mlchain://' + '42'.repeat(32)), alice)).error?.name ?? 'none';
const id = (await api.query.dataRegistry.nextEntryId()).toNumber() - 1;
const entry = (await api.query.dataRegistry.entries(id)).unwrap();
facts['entry owner is alice'] = entry.owner.toString() === alice.address;
facts['entry root'] = entry.root.toHex();
facts['entry royalty bps'] = entry.royaltyBps.toNumber();
facts['entry deposit held'] = entry.deposit.toBigInt() > 0n;

const minBond = api.consts.compute.minBond.toBigInt();
facts['register worker error'] =
  (await send(api, api.tx.compute.registerWorker(minBond, capabilities, endpoint(0x7531)), bob)).error?.name ?? 'none';
facts['register verifier error'] =
  (await send(api, api.tx.compute.registerVerifier(2n * minBond, capabilities, endpoint(0x7532)), charlie)).error?.name ?? 'none';
const worker = (await api.query.compute.participants(bob.address)).unwrap();
const verifier = (await api.query.compute.participants(charlie.address)).unwrap();
facts['worker role'] = worker.role.toString();
facts['worker bond is min bond'] = worker.bond.toBigInt() === minBond;
facts['verifier role'] = verifier.role.toString();
facts['verifier index has charlie'] = (await api.query.compute.verifierSlots(charlie.address)).isSome;

const ok = facts['bad uri error'] === 'dataRegistry.BadUri' && facts['bad uri error has docs']
  && facts['register dataset error'] === 'none' && facts['entry owner is alice']
  && facts['entry root'] === root && facts['entry royalty bps'] === 500 && facts['entry deposit held']
  && facts['register worker error'] === 'none' && facts['register verifier error'] === 'none'
  && facts['worker role'] === 'Worker' && facts['worker bond is min bond']
  && facts['verifier role'] === 'Verifier' && facts['verifier index has charlie'];
await report(api, facts, ok);
