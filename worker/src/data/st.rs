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
