//! A JSON-RPC client for the standard Substrate methods the tests and the demo use.

use crate::{wait_for, Error, Result};
use codec::{Decode, Encode};
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use mlchain_runtime::{AccountId, Balance, Nonce, UncheckedExtrinsic};
use serde_json::Value;
use sp_core::H256;
use std::time::Duration;

/// A connection to one node.
pub struct Rpc {
	client: WsClient,
}

/// What happened to a submitted transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
	/// Included in this block.
	InBlock(H256),
	/// Included in this block, and the block is final.
	Finalized(H256),
}

fn number_of(header: &Value) -> Result<u32> {
	let hex = header["number"]
		.as_str()
		.ok_or_else(|| Error::Unexpected(format!("header without number: {header}")))?;
	u32::from_str_radix(hex.trim_start_matches("0x"), 16)
		.map_err(|e| Error::Unexpected(format!("bad block number {hex}: {e}")))
}

fn h256(value: &Value) -> Result<H256> {
	let text = value.as_str().ok_or_else(|| Error::Unexpected(format!("not a hash: {value}")))?;
	let bytes = hex::decode(text.trim_start_matches("0x"))
		.map_err(|e| Error::Unexpected(format!("bad hash {text}: {e}")))?;
	if bytes.len() != 32 {
		return Err(Error::Unexpected(format!("hash of {} bytes", bytes.len())));
	}
	Ok(H256::from_slice(&bytes))
}

impl Rpc {
	/// Connects, retrying until the node answers or `timeout` passes.
	pub async fn connect(url: &str, timeout: Duration) -> Result<Self> {
		let client = wait_for(
			&format!("JSON-RPC at {url}"),
			timeout,
			Duration::from_millis(250),
			|| async {
				WsClientBuilder::default()
					.request_timeout(Duration::from_secs(60))
					.build(url)
					.await
					.ok()
			},
		)
		.await?;
		Ok(Self { client })
	}

	/// Any method, raw.
	pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value> {
		let mut p = jsonrpsee::core::params::ArrayParams::new();
		for v in params {
			p.insert(v).map_err(|e| Error::Unexpected(e.to_string()))?;
		}
		Ok(self.client.request(method, p).await?)
	}

	/// The best block's number.
	pub async fn best_number(&self) -> Result<u32> {
		let header: Value = self.client.request("chain_getHeader", rpc_params![]).await?;
		number_of(&header)
	}

	/// The last finalized block's number.
	pub async fn finalized_number(&self) -> Result<u32> {
		let hash: Value = self.client.request("chain_getFinalizedHead", rpc_params![]).await?;
		let header: Value = self.client.request("chain_getHeader", rpc_params![hash]).await?;
		number_of(&header)
	}

	/// The hash of block `number` on the best chain, if there is one.
	pub async fn block_hash(&self, number: u32) -> Result<Option<H256>> {
		let hash: Value = self.client.request("chain_getBlockHash", rpc_params![number]).await?;
		if hash.is_null() {
			return Ok(None);
		}
		h256(&hash).map(Some)
	}

	/// The genesis hash.
	pub async fn genesis_hash(&self) -> Result<H256> {
		self.block_hash(0).await?.ok_or_else(|| Error::Unexpected("no genesis block".into()))
	}

	/// `(spec_version, transaction_version)` of the best block's runtime.
	pub async fn runtime_versions(&self) -> Result<(u32, u32)> {
		let v: Value = self.client.request("state_getRuntimeVersion", rpc_params![]).await?;
		let field = |name: &str| {
			v[name]
				.as_u64()
				.map(|x| x as u32)
				.ok_or_else(|| Error::Unexpected(format!("runtime version without {name}: {v}")))
		};
		Ok((field("specVersion")?, field("transactionVersion")?))
	}

	/// Raw storage at `key` (at the best block, or at `at`).
	pub async fn storage(&self, key: &[u8], at: Option<H256>) -> Result<Option<Vec<u8>>> {
		let key = format!("0x{}", hex::encode(key));
		let value: Value = match at {
			Some(at) => self.client.request("state_getStorage", rpc_params![key, at]).await?,
			None => self.client.request("state_getStorage", rpc_params![key]).await?,
		};
		match value.as_str() {
			None => Ok(None),
			Some(text) => hex::decode(text.trim_start_matches("0x"))
				.map(Some)
				.map_err(|e| Error::Unexpected(format!("bad storage hex: {e}"))),
		}
	}

	/// Decodes the storage value at `key`, if any.
	pub async fn storage_decoded<T: Decode>(
		&self,
		key: &[u8],
		at: Option<H256>,
	) -> Result<Option<T>> {
		match self.storage(key, at).await? {
			None => Ok(None),
			Some(bytes) => T::decode(&mut &bytes[..])
				.map(Some)
				.map_err(|e| Error::Unexpected(format!("cannot decode storage: {e}"))),
		}
	}

	/// An account's free balance (zero for an account that does not exist).
	pub async fn free_balance(&self, who: &AccountId) -> Result<Balance> {
		let key = frame_system::Account::<mlchain_runtime::Runtime>::hashed_key_for(who);
		let info: Option<frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>> =
			self.storage_decoded(&key, None).await?;
		Ok(info.map(|i| i.data.free).unwrap_or_default())
	}

	/// The next nonce of an account, counting transactions in the pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<Nonce> {
		let v: Value =
			self.client.request("system_accountNextIndex", rpc_params![who.to_string()]).await?;
		v.as_u64().map(|n| n as Nonce).ok_or_else(|| Error::Unexpected(format!("nonce: {v}")))
	}

	/// Submits a transaction and returns its hash.
	pub async fn submit(&self, xt: &UncheckedExtrinsic) -> Result<H256> {
		let hex = format!("0x{}", hex::encode(xt.encode()));
		let hash: Value = self.client.request("author_submitExtrinsic", rpc_params![hex]).await?;
		h256(&hash)
	}

	/// Submits a transaction and follows it until it is in a block (and, with
	/// `until_finalized`, until that block is final).
	pub async fn submit_and_watch(
		&self,
		xt: &UncheckedExtrinsic,
		until_finalized: bool,
		timeout: Duration,
	) -> Result<TxStatus> {
		let hex = format!("0x{}", hex::encode(xt.encode()));
		let mut sub = self
			.client
			.subscribe::<Value, _>(
				"author_submitAndWatchExtrinsic",
				rpc_params![hex],
				"author_unwatchExtrinsic",
			)
			.await?;
		let follow = async {
			let mut in_block = None;
			while let Some(event) = sub.next().await {
				let event = event.map_err(|e| Error::Unexpected(e.to_string()))?;
				if let Some(hash) = event.get("inBlock") {
					in_block = Some(h256(hash)?);
					if !until_finalized {
						return Ok(TxStatus::InBlock(in_block.unwrap_or_default()));
					}
				} else if let Some(hash) = event.get("finalized") {
					return Ok(TxStatus::Finalized(h256(hash)?));
				} else if event.get("invalid").is_some()
					|| event.get("dropped").is_some()
					|| event.get("usurped").is_some()
				{
					return Err(Error::Unexpected(format!("transaction not included: {event}")));
				}
			}
			Err(Error::Unexpected(format!("subscription ended (in block: {in_block:?})")))
		};
		tokio::time::timeout(timeout, follow)
			.await
			.map_err(|_| Error::Timeout(timeout, "transaction inclusion".into()))?
	}

	/// Waits until the best block is at least `number`.
	pub async fn wait_for_best(&self, number: u32, timeout: Duration) -> Result<u32> {
		wait_for(&format!("best block #{number}"), timeout, Duration::from_millis(500), || async {
			self.best_number().await.ok().filter(|n| *n >= number)
		})
		.await
	}

	/// Waits until the finalized block is at least `number`.
	pub async fn wait_for_finalized(&self, number: u32, timeout: Duration) -> Result<u32> {
		wait_for(
			&format!("finalized block #{number}"),
			timeout,
			Duration::from_millis(500),
			|| async { self.finalized_number().await.ok().filter(|n| *n >= number) },
		)
		.await
	}
}
