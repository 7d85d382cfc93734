//! The data owner: stores a dataset file, makes it available to peers under its content hash,
//! and registers it in the data registry with a price and a royalty.
use super::{mlc, net::Net};
use crate::chain::runtime::{
    self,
    runtime_types::{
        bounded_collections::bounded_vec::BoundedVec,
        mlchain_pallet_traits::ArtifactKind as EntryKind,
        pallet_data_registry::{DataFormat, Schema},
    },
};
use crate::chain::{Balance, Chain};
use crate::error::{Error, Result};
use crate::store::ArtifactKind;
use mlchain_primitives::hash::to_hex;
use std::path::Path;

/// Terms a dataset is offered on.
#[derive(Clone, Debug)]
pub struct Terms {
    /// SPDX licence identifier, e.g. `CC-BY-4.0`.
    pub licence: String,
    /// Paid to the owner by every task that trains or evaluates on it.
    pub price: Balance,
    /// Share of an accepted task's reward, in basis points.
    pub royalty_bps: u16,
}

/// Stores `file` (safetensors, or CSV with a `label` column), publishes it and registers it;
/// returns the registry entry id.
pub async fn add_dataset(chain: &Chain, net: &Net, file: &Path, terms: &Terms) -> Result<u64> {
    let bytes = crate::error::read_file(file)?;
    let name = file.display().to_string();
    let format = match file.extension().and_then(|e| e.to_str()) {
        Some("safetensors") => DataFormat::Safetensors,
        Some("csv") => DataFormat::Csv,
        _ => return Err(Error::data(&name, "network datasets are one .safetensors or .csv file")),
    };
    let dataset = crate::data::load(&name, "label")?;
    let content = dataset.content_hash();
    net.publish(ArtifactKind::Dataset, content, &bytes)?;
    let schema = Schema {
        format,
        feature_count: dataset.example_size() as u32,
        names: BoundedVec(vec![BoundedVec(b"features".to_vec()), BoundedVec(b"labels".to_vec())]),
        row_count: dataset.len() as u64,
    };
    let call = runtime::transactions().data_registry().register(
        content,
        bytes.len() as u64,
        EntryKind::Dataset,
        BoundedVec(format!("mlchain://{}", to_hex(&content)).into_bytes()),
        BoundedVec(terms.licence.clone().into_bytes()),
        schema,
        terms.price,
        terms.royalty_bps,
        None,
    );
    let events = chain.submit(&call).await?;
    let registered = events
        .find_first::<runtime::data_registry::events::Registered>()
        .ok_or_else(|| Error::Other("register succeeded without a Registered event".into()))?
        .map_err(|e| Error::Other(e.to_string()))?;
    println!(
        "dataset {} registered as entry {}: {} rows, content {}…, price {}, royalty {} bps",
        file.display(),
        registered.id,
        dataset.len(),
        &to_hex(&content)[..16],
        mlc(terms.price),
        terms.royalty_bps
    );
    Ok(registered.id)
}
