//! Signed transactions built from the runtime's own types, as a wallet builds them.

use codec::Encode;
use mlchain_runtime::{Nonce, RuntimeCall, SignedPayload, UncheckedExtrinsic};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::MultiSignature;

/// The chain facts a signature commits to.
#[derive(Clone, Copy, Debug)]
pub struct ChainContext {
	/// The genesis hash: a transaction for one chain is invalid on any other.
	pub genesis_hash: H256,
	/// The runtime's spec version: a transaction is invalid after a runtime upgrade.
	pub spec_version: u32,
	/// The runtime's transaction version.
	pub transaction_version: u32,
}

/// Signs `call` from `signer` with `nonce`: immortal, no tip.
pub fn sign(
	call: RuntimeCall,
	signer: &sr25519::Pair,
	nonce: Nonce,
	chain: ChainContext,
) -> UncheckedExtrinsic {
	let extension = mlchain_runtime::immortal_tx_extension(nonce);
	// What the extensions add to the signed payload without putting it in the transaction.
	let implicit = (
		(),
		chain.spec_version,
		chain.transaction_version,
		chain.genesis_hash,
		chain.genesis_hash,
		(),
		(),
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| signer.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		sp_runtime::AccountId32::from(signer.public()).into(),
		MultiSignature::Sr25519(signature),
		extension,
	)
}
