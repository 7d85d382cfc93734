//! Datasets: loaders, validation against a spec, the content hash and the data order.
//!
//! Every loader produces the same in-memory [`Dataset`]: `f32` features of one shape per
//! example and `f32` labels (class indices or regression targets). The content hash is taken
//! over that canonical form, so the same numbers stored as CSV, `.npy`, IDX or safetensors
//! (in any element type that holds them exactly) hash the same.
pub mod csv;
pub mod idx;
pub mod npy;
pub mod order;
pub mod st;

use crate::error::{Error, Result};
use mlchain_primitives::{blake2_256, Hash, Loss, ModelSpec, TaskSpec};
use std::path::Path;

/// Examples with their labels, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Shape of one example's features (e.g. `[4]`, `[1, 28, 28]`).
    pub example_shape: Vec<usize>,
    /// `len * prod(example_shape)` values, example after example.
    pub features: Vec<f32>,
    /// Values per label (1 for classes).
    pub label_width: usize,
    /// `len * label_width` values.
    pub labels: Vec<f32>,
}

impl Dataset {
    /// Builds a dataset, checking that features and labels describe the same examples.
    pub fn new(
        example_shape: Vec<usize>,
        features: Vec<f32>,
        label_width: usize,
        labels: Vec<f32>,
    ) -> Result<Self, String> {
        let per = example_shape.iter().product::<usize>();
        if per == 0 || label_width == 0 {
            return Err("examples and labels must have at least one value each".into());
        }
        if features.len() % per != 0 || labels.len() % label_width != 0 {
            return Err("feature or label data does not split into whole examples".into());
        }
        if features.len() / per != labels.len() / label_width {
            return Err(format!(
                "{} examples of features but {} labels",
                features.len() / per,
                labels.len() / label_width
            ));
        }
        if features.is_empty() {
            return Err("the dataset has no examples".into());
        }
        if let Some(i) = features.iter().chain(&labels).position(|v| !v.is_finite()) {
            return Err(format!("value {i} is not a finite number"));
        }
        Ok(Self {
            example_shape,
            features,
            label_width,
            labels,
        })
    }

    pub fn len(&self) -> usize {
        self.labels.len() / self.label_width
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn example_size(&self) -> usize {
        self.example_shape.iter().product()
    }

    /// blake2b-256 over a canonical encoding: a version tag, the example shape, label width,
    /// example count, then features and labels as little-endian `f32`.
    pub fn content_hash(&self) -> Hash {
        let mut buf = Vec::with_capacity(64 + 4 * (self.features.len() + self.labels.len()));
        buf.extend_from_slice(b"mlchain-dataset-v1");
        buf.extend_from_slice(&(self.example_shape.len() as u64).to_le_bytes());
        for d in &self.example_shape {
            buf.extend_from_slice(&(*d as u64).to_le_bytes());
        }
        buf.extend_from_slice(&(self.label_width as u64).to_le_bytes());
        buf.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for v in self.features.iter().chain(&self.labels) {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        blake2_256(&buf)
    }

    /// Checks that the data fits the spec's model and loss, with a message saying what differs.
    pub fn check_fits(&self, spec: &TaskSpec) -> Result<()> {
        let mismatch = |m: String| Err(Error::Mismatch(m));
        let outputs = match &spec.model {
            ModelSpec::Mlp {
                inputs, outputs, ..
            } => {
                if self.example_size() != *inputs as usize {
                    return mismatch(format!(
                        "examples have {} features, the MLP takes {inputs}",
                        self.example_size()
                    ));
                }
                *outputs as usize
            }
            ModelSpec::Cnn {
                channels,
                height,
                width,
                outputs,
                ..
            } => {
                let want = [*channels as usize, *height as usize, *width as usize];
                if self.example_size() != want.iter().product::<usize>() {
                    return mismatch(format!("examples have shape {:?}, the CNN takes (channels, height, width) = {want:?}", self.example_shape));
                }
                *outputs as usize
            }
            ModelSpec::Transformer { vocab, context, .. } => {
                let ctx = *context as usize;
                if self.example_size() != ctx || self.label_width != ctx {
                    return mismatch(format!(
                        "token examples need {ctx} input tokens and {ctx} next-token labels, found {} and {}",
                        self.example_size(),
                        self.label_width
                    ));
                }
                if let Some(bad) = self
                    .features
                    .iter()
                    .find(|&&v| v < 0.0 || v.fract() != 0.0 || v >= *vocab as f32)
                {
                    return mismatch(format!(
                        "token {bad} is not an id below the vocabulary size {vocab}"
                    ));
                }
                *vocab as usize
            }
        };
        match spec.loss {
            Loss::CrossEntropy => {
                let per_example = if let ModelSpec::Transformer { context, .. } = spec.model {
                    context as usize
                } else {
                    1
                };
                if self.label_width != per_example {
                    return mismatch(format!(
                        "cross-entropy needs {per_example} class label(s) per example, found {}",
                        self.label_width
                    ));
                }
                if let Some(bad) = self
                    .labels
                    .iter()
                    .find(|&&y| y < 0.0 || y.fract() != 0.0 || y as usize >= outputs)
                {
                    return mismatch(format!("label {bad} is not a class index below {outputs}"));
                }
            }
            Loss::Mse => {
                if self.label_width != outputs {
                    return mismatch(format!(
                        "MSE targets have {} values, the model outputs {outputs}",
                        self.label_width
                    ));
                }
            }
        }
        Ok(())
    }

    /// Class indices of `rows`, all label values of each row in order (valid after
    /// [`Dataset::check_fits`] with cross-entropy).
    pub fn class_labels(&self, rows: &[usize]) -> Vec<u32> {
        self.gather_labels(rows).iter().map(|&v| v as u32).collect()
    }

    /// Features of `rows`, concatenated.
    pub fn gather_features(&self, rows: &[usize]) -> Vec<f32> {
        let per = self.example_size();
        rows.iter()
            .flat_map(|&r| self.features[r * per..(r + 1) * per].iter().copied())
            .collect()
    }

    /// Label values of `rows`, concatenated.
    pub fn gather_labels(&self, rows: &[usize]) -> Vec<f32> {
        let w = self.label_width;
        rows.iter()
            .flat_map(|&r| self.labels[r * w..(r + 1) * w].iter().copied())
            .collect()
    }
}

/// Loads a dataset named on the command line:
/// * `file.csv` (labels in column `label_column`),
/// * `file.safetensors` (tensors `features` and `labels`),
/// * `features.npy,labels.npy` or `images.idx,labels.idx` (two files, comma-separated).
pub fn load(arg: &str, label_column: &str) -> Result<Dataset> {
    let (dataset, path) = if let Some((x, y)) = arg.split_once(',') {
        let features = load_array(Path::new(x))?;
        let labels = load_array(Path::new(y))?;
        let n = features.shape.first().copied().unwrap_or(0);
        if labels.shape.first().copied() != Some(n) {
            return Err(Error::data(
                arg,
                format!(
                    "features have {n} examples but labels have shape {:?}",
                    labels.shape
                ),
            ));
        }
        let width = labels.shape[1..].iter().product();
        (
            Dataset::new(
                features.shape[1..].to_vec(),
                features.values,
                width,
                labels.values,
            ),
            arg,
        )
    } else if arg.ends_with(".csv") {
        (csv::load(Path::new(arg), label_column)?, arg)
    } else if arg.ends_with(".safetensors") {
        (st::load(Path::new(arg))?, arg)
    } else {
        return Err(Error::data(
            arg,
            "unknown format: use .csv, .safetensors, or FEATURES,LABELS with .npy or IDX files",
        ));
    };
    dataset.map_err(|m| Error::data(path, m))
}

/// An n-dimensional array read from one file.
#[derive(Debug)]
pub struct Array {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// Reads a `.npy` or IDX array, telling them apart by their magic bytes.
fn load_array(path: &Path) -> Result<Array> {
    let bytes = crate::error::read_file(path)?;
    let parsed = if bytes.starts_with(b"\x93NUMPY") {
        npy::parse(&bytes)
    } else {
        idx::parse(&bytes)
    };
    let array = parsed.map_err(|m| Error::data(path.display(), m))?;
    if array.shape.is_empty() || array.shape[0] == 0 {
        return Err(Error::data(
            path.display(),
            "expected an array with at least one example (first dimension)",
        ));
    }
    Ok(array)
}

/// Converts an integer read from a file to `f32`, refusing values `f32` cannot hold exactly
/// (they would silently change the data and its hash).
pub(crate) fn exact_f32(v: f64) -> Result<f32, String> {
    let f = v as f32;
    if f as f64 != v && v.is_finite() && v.fract() == 0.0 {
        return Err(format!("integer {v} cannot be represented exactly as f32"));
    }
    Ok(f)
}
