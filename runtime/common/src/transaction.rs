//! The checks every signed transaction goes through, in order, on both runtimes. Standard
//! clients (Polkadot-JS, subxt) know each of them, so they can build transactions from metadata
//! alone, and a client that builds transactions for one chain builds them for the other.

use crate::Nonce;
use frame_support::dispatch::{DispatchInfo, PostDispatchInfo};
use sp_runtime::{
	generic,
	traits::{Dispatchable, Zero},
};

/// The transaction extensions of a runtime `R`.
pub type TxExtension<R> = (
	frame_system::CheckNonZeroSender<R>,
	frame_system::CheckSpecVersion<R>,
	frame_system::CheckTxVersion<R>,
	frame_system::CheckGenesis<R>,
	frame_system::CheckEra<R>,
	frame_system::CheckNonce<R>,
	frame_system::CheckWeight<R>,
	pallet_transaction_payment::ChargeTransactionPayment<R>,
);

/// The extensions of a plain signed transaction with `nonce`: immortal, no tip. Rust clients
/// (the tests, the testkit, the worker) build transactions with this, so they cannot fall out
/// of step with [`TxExtension`].
pub fn immortal_tx_extension<R>(nonce: Nonce) -> TxExtension<R>
where
	R: frame_system::Config<Nonce = Nonce> + pallet_transaction_payment::Config + Send + Sync,
	R::RuntimeCall: Dispatchable<Info = DispatchInfo, PostInfo = PostDispatchInfo>,
{
	(
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(generic::Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(Zero::zero()),
	)
}
