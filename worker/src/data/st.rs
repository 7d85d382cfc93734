//! safetensors datasets: a `features` tensor (examples first) and a `labels` tensor.
use super::{exact_f32, Dataset};
use crate::error::{read_file, Result};
use safetensors::{Dtype, SafeTensors};
use std::path::Path;

pub fn load(path: &Path) -> Result<Result<Dataset, String>> {
    Ok(parse(&read_file(path)?))
}

pub fn parse(bytes: &[u8]) -> Result<Dataset, String> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| format!("not a valid safetensors file: {e}"))?;
    let read = |name: &str| -> Result<(Vec<usize>, Vec<f32>), String> {
        let t = st
            .tensor(name)
            .map_err(|_| format!("no tensor named {name:?} (need 'features' and 'labels')"))?;
        let data = t.data();
        let values = match t.dtype() {
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            Dtype::F64 => data
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()) as f32)
                .collect(),
            Dtype::U8 => data.iter().map(|&b| b as f32).collect(),
            Dtype::I64 => data
                .chunks_exact(8)
                .map(|c| exact_f32(i64::from_le_bytes(c.try_into().unwrap()) as f64))
                .collect::<Result<_, _>>()?,
            Dtype::U32 => data
                .chunks_exact(4)
                .map(|c| exact_f32(u32::from_le_bytes(c.try_into().unwrap()) as f64))
                .collect::<Result<_, _>>()?,
            Dtype::I32 => data
                .chunks_exact(4)
                .map(|c| exact_f32(i32::from_le_bytes(c.try_into().unwrap()) as f64))
                .collect::<Result<_, _>>()?,
            other => return Err(format!("tensor {name:?} has unsupported dtype {other:?}")),
        };
        Ok((t.shape().to_vec(), values))
    };
    let (fshape, features) = read("features")?;
    let (lshape, labels) = read("labels")?;
    if fshape.is_empty() || lshape.first() != fshape.first() {
        return Err(format!(
            "features {fshape:?} and labels {lshape:?} must share their first (example) dimension"
        ));
    }
    Dataset::new(
        fshape[1..].to_vec(),
        features,
        lshape[1..].iter().product(),
        labels,
    )
}

/// The safetensors file of `dataset`: `features` (examples first) and `labels`, both `f32`.
/// [`parse`] reads it back to the same dataset (and so the same content hash).
pub fn serialize(dataset: &Dataset) -> std::result::Result<Vec<u8>, String> {
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (features, labels) = (bytes(&dataset.features), bytes(&dataset.labels));
    let n = dataset.len();
    let mut feature_shape = vec![n];
    feature_shape.extend(&dataset.example_shape);
    fn view(shape: Vec<usize>, data: &[u8]) -> std::result::Result<safetensors::tensor::TensorView<'_>, String> {
        safetensors::tensor::TensorView::new(Dtype::F32, shape, data).map_err(|e| e.to_string())
    }
    let tensors = vec![
        ("features", view(feature_shape, &features)?),
        ("labels", view(vec![n, dataset.label_width], &labels)?),
    ];
    safetensors::serialize(tensors, None).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn serialized_datasets_parse_back_to_the_same_content() {
        for (_, _, dataset) in crate::synthetic::families() {
            let bytes = super::serialize(&dataset).unwrap();
            let back = super::parse(&bytes).unwrap();
            assert_eq!(back, *dataset);
            assert_eq!(back.content_hash(), dataset.content_hash());
        }
    }
}
