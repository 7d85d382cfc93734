//! Checkpoints: weights + optimiser state + step, stored as safetensors, hashed canonically.
//!
//! The hash is blake2b-256 over: for each tensor in name order, the name, the dtype name, the
//! rank and dimensions and the little-endian bytes, each length-prefixed. It does not depend
//! on how the safetensors file orders or aligns its tensors, or on its metadata.
//!
//! Every NaN is written and hashed as one bit pattern, [`CANONICAL_NAN`]: x86 produces
//! `0xFFC00000` where AArch64 produces `0x7FC00000` for the same operation, so without this two
//! honest machines would commit different hashes for a run that diverged to NaN.
use crate::error::{Error, Result};
use mlchain_primitives::{blake2_256, Hash};
use safetensors::{Dtype, SafeTensors};
use std::collections::BTreeMap;
use std::path::Path;

/// A tensor of a checkpoint: shape and `f32` values.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// The state of a run after `step` steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub step: u64,
    /// `param.<name>`, `optim.m.<name>`, `optim.v.<name>`; sorted by name.
    pub tensors: BTreeMap<String, Entry>,
}

/// Name of the step counter tensor (a one-element `U64`).
const STEP: &str = "step";

/// The one NaN bit pattern checkpoints hold (the quiet NaN AArch64 produces).
pub const CANONICAL_NAN: u32 = 0x7FC0_0000;

/// The little-endian bytes of `v`, with any NaN as [`CANONICAL_NAN`].
fn canonical_bytes(v: f32) -> [u8; 4] {
    if v.is_nan() {
        CANONICAL_NAN.to_le_bytes()
    } else {
        v.to_le_bytes()
    }
}

fn push_len_prefixed(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// Canonical hash of named tensors plus an optional step counter.
pub fn canonical_hash(step: Option<u64>, tensors: &BTreeMap<String, Entry>) -> Hash {
    let mut buf = Vec::new();
    buf.extend_from_slice(b"mlchain-checkpoint-v1");
    let step_bytes = step.map(|s| s.to_le_bytes());
    let mut items: Vec<(&str, &str, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, e)| {
            (
                n.as_str(),
                "F32",
                e.shape.clone(),
                e.values.iter().flat_map(|v| canonical_bytes(*v)).collect(),
            )
        })
        .collect();
    if let Some(b) = step_bytes {
        items.push((STEP, "U64", vec![1], b.to_vec()));
    }
    items.sort_by(|a, b| a.0.cmp(b.0));
    for (name, dtype, shape, bytes) in items {
        push_len_prefixed(&mut buf, name.as_bytes());
        push_len_prefixed(&mut buf, dtype.as_bytes());
        buf.extend_from_slice(&(shape.len() as u64).to_le_bytes());
        for d in shape {
            buf.extend_from_slice(&(d as u64).to_le_bytes());
        }
        push_len_prefixed(&mut buf, &bytes);
    }
    blake2_256(&buf)
}

impl Checkpoint {
    pub fn hash(&self) -> Hash {
        canonical_hash(Some(self.step), &self.tensors)
    }

    /// safetensors bytes of this checkpoint.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        serialize(&self.tensors, Some(self.step))
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_bytes()?).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn load(path: &Path) -> Result<Self> {
        Self::from_bytes(&crate::error::read_file(path)?)
            .map_err(|m| Error::checkpoint(path.display(), m))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| format!("not a valid safetensors file: {e}"))?;
        let mut step = None;
        let mut tensors = BTreeMap::new();
        for (name, view) in st.tensors() {
            match (name.as_str(), view.dtype()) {
                (STEP, Dtype::U64) if view.data().len() == 8 => {
                    step = Some(u64::from_le_bytes(
                        view.data().try_into().map_err(|_| "bad step tensor")?,
                    ));
                }
                (STEP, _) => return Err("tensor 'step' must be a single U64".into()),
                (_, Dtype::F32) => {
                    let values = view
                        .data()
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                    tensors.insert(
                        name.clone(),
                        Entry {
                            shape: view.shape().to_vec(),
                            values,
                        },
                    );
                }
                (_, other) => {
                    return Err(format!(
                        "tensor {name:?} has dtype {other:?}; checkpoints hold F32 only"
                    ))
                }
            }
        }
        Ok(Self {
            step: step.ok_or("no 'step' tensor: not an mlchain checkpoint")?,
            tensors,
        })
    }
}

/// safetensors bytes of `tensors` (F32) and, for checkpoints, the `step` counter (U64).
fn serialize(tensors: &BTreeMap<String, Entry>, step: Option<u64>) -> Result<Vec<u8>> {
    let mut raw: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, e)| {
            (
                n.clone(),
                Dtype::F32,
                e.shape.clone(),
                e.values.iter().flat_map(|v| canonical_bytes(*v)).collect(),
            )
        })
        .collect();
    if let Some(step) = step {
        raw.push((
            STEP.to_string(),
            Dtype::U64,
            vec![1],
            step.to_le_bytes().to_vec(),
        ));
    }
    let views = raw
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            Ok((
                name.clone(),
                safetensors::tensor::TensorView::new(*dtype, shape.clone(), bytes)
                    .map_err(other)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(views, None).map_err(other)
}

/// Writes the final model file (parameters only, no step) and returns the model hash.
pub fn save_model(path: &Path, params: &BTreeMap<String, Entry>) -> Result<Hash> {
    let bytes = serialize(params, None)?;
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(canonical_hash(None, params))
}

/// Reads a model file (or a checkpoint, whose `param.` tensors are taken).
pub fn load_model(path: &Path) -> Result<BTreeMap<String, Entry>> {
    let bytes = crate::error::read_file(path)?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| {
        Error::checkpoint(path.display(), format!("not a valid safetensors file: {e}"))
    })?;
    let mut out = BTreeMap::new();
    for (name, view) in st.tensors() {
        if name == STEP || name.starts_with("optim.") {
            continue;
        }
        if view.dtype() != Dtype::F32 {
            return Err(Error::checkpoint(
                path.display(),
                format!(
                    "tensor {name:?} has dtype {:?}; models hold F32",
                    view.dtype()
                ),
            ));
        }
        let values = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let name = name.strip_prefix("param.").unwrap_or(&name).to_string();
        out.insert(
            name,
            Entry {
                shape: view.shape().to_vec(),
                values,
            },
        );
    }
    Ok(out)
}

fn other(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("safetensors: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_bit_patterns_hash_and_save_alike() {
        let with = |nan: f32| {
            let mut ck = sample();
            ck.tensors.values_mut().next().unwrap().values[0] = nan;
            ck
        };
        let (x86, arm) = (with(f32::from_bits(0xFFC0_0000)), with(f32::from_bits(0x7FC0_0000)));
        assert!(x86.tensors.values().next().unwrap().values[0].is_nan());
        assert_eq!(x86.hash(), arm.hash());
        assert_eq!(x86.to_bytes().unwrap(), arm.to_bytes().unwrap());
        let back = Checkpoint::from_bytes(&x86.to_bytes().unwrap()).unwrap();
        assert_eq!(back.tensors.values().next().unwrap().values[0].to_bits(), CANONICAL_NAN);
        assert_ne!(x86.hash(), sample().hash());
    }

    fn sample() -> Checkpoint {
        let mut tensors = BTreeMap::new();
        tensors.insert(
            "param.b".into(),
            Entry {
                shape: vec![2],
                values: vec![1.0, -2.0],
            },
        );
        tensors.insert(
            "param.a".into(),
            Entry {
                shape: vec![1, 2],
                values: vec![0.5, 3.0],
            },
        );
        Checkpoint { step: 10, tensors }
    }

    #[test]
    fn checkpoint_round_trips_through_safetensors_with_the_same_hash() {
        let ck = sample();
        let back = Checkpoint::from_bytes(&ck.to_bytes().unwrap()).unwrap();
        assert_eq!(back, ck);
        assert_eq!(back.hash(), ck.hash());
    }

    #[test]
    fn hash_covers_values_shapes_names_and_step() {
        let base = sample().hash();
        let mut c = sample();
        c.step = 11;
        assert_ne!(c.hash(), base);
        let mut c = sample();
        c.tensors.get_mut("param.a").unwrap().shape = vec![2, 1];
        assert_ne!(c.hash(), base);
        let mut c = sample();
        let e = c.tensors.remove("param.a").unwrap();
        c.tensors.insert("param.c".into(), e);
        assert_ne!(c.hash(), base);
        let mut c = sample();
        let v = &mut c.tensors.get_mut("param.b").unwrap().values[0];
        *v = f32::from_bits(v.to_bits() ^ 1);
        assert_ne!(c.hash(), base);
    }

    #[test]
    fn corrupted_checkpoint_files_are_refused_with_a_reason() {
        let bytes = sample().to_bytes().unwrap();
        assert!(Checkpoint::from_bytes(&bytes[..bytes.len() - 3])
            .unwrap_err()
            .contains("safetensors"));
        assert!(Checkpoint::from_bytes(b"garbage").is_err());
        let mut no_step = sample();
        no_step.step = 0;
        let model_only = {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("m.safetensors");
            save_model(&p, &no_step.tensors).unwrap();
            std::fs::read(p).unwrap()
        };
        assert!(Checkpoint::from_bytes(&model_only)
            .unwrap_err()
            .contains("no 'step'"));
    }
}
