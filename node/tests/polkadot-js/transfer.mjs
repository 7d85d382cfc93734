// Connects to a node with the Polkadot-JS API (which knows nothing about mlchain but what the
// node's metadata says), prints the chain and pallets it sees, sends Alice -> Bob and waits
// for finality. Exit code 0 only when the transfer is finalized with an ExtrinsicSuccess event.
//
//   node transfer.mjs ws://127.0.0.1:9944
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const chain = await api.rpc.system.chain();
const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
console.log(`chain: ${chain}; runtime: ${api.runtimeVersion.specName} v${api.runtimeVersion.specVersion}`);
console.log(`pallets: ${pallets.join(', ')}`);

const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');
const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
const amount = 1_000_000_000_000n;

const outcome = await new Promise((resolve, reject) => {
  api.tx.balances.transferKeepAlive(bob.address, amount)
    .signAndSend(alice, ({ status, events, dispatchError }) => {
      if (dispatchError) reject(new Error(`dispatch error: ${dispatchError.toString()}`));
      if (status.isFinalized) {
        const ok = events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event));
        resolve({ block: status.asFinalized.toHex(), ok });
      }
    })
    .catch(reject);
});
const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
console.log(`finalized in ${outcome.block}; success event: ${outcome.ok}; Bob +${after - before}`);
await api.disconnect();
process.exit(outcome.ok && after - before === amount ? 0 : 1);
