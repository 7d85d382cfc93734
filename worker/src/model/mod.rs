//! Model families built from the fixed-order kernels.
//!
//! A model owns its parameters as an ordered list of named candle `Var`s; the order is the
//! creation order, which fixes both each parameter's initialisation stream and the checkpoint
//! names. Initial values are uniform in `±1/sqrt(fan_in)` (PyTorch's default for linear
//! layers), drawn from the counter-based RNG keyed by (seed, parameter index, element index);
//! biases start at zero.
pub mod cnn;
pub mod mlp;
pub mod transformer;

use crate::error::Result;
use crate::rng::{u64_at, unit_f32, Stream};
use candle_core::{Device, Tensor, Var};
use mlchain_primitives::{ModelSpec, TaskSpec};

/// Named parameters in creation order.
#[derive(Default)]
pub struct Params {
    pub entries: Vec<(String, Var)>,
}

impl Params {
    /// A `(rows, cols)` weight with `fan_in` inputs, initialised from the seed.
    fn weight(&mut self, seed: u64, name: String, shape: &[usize], fan_in: usize) -> Result<Var> {
        let index = self.entries.len() as u64;
        let bound = 1.0 / (fan_in as f32).sqrt();
        let count: usize = shape.iter().product();
        let values: Vec<f32> = (0..count as u64)
            .map(|i| (unit_f32(u64_at(seed, Stream::Init, index, i)) * 2.0 - 1.0) * bound)
            .collect();
        self.push(name, Tensor::from_vec(values, shape, &Device::Cpu)?)
    }

    fn zeros(&mut self, name: String, len: usize) -> Result<Var> {
        self.push(
            name,
            Tensor::zeros(len, candle_core::DType::F32, &Device::Cpu)?,
        )
    }

    fn push(&mut self, name: String, value: Tensor) -> Result<Var> {
        let var = Var::from_tensor(&value)?;
        self.entries.push((name, var.clone()));
        Ok(var)
    }
}

/// Whether and how a forward pass applies dropout.
#[derive(Clone, Copy)]
pub enum Mode {
    /// Training step `step`: dropout masks are keyed by (seed, step, layer, element).
    Train {
        seed: u64,
        step: u64,
    },
    Eval,
}

pub enum Model {
    Mlp(mlp::Mlp),
    Cnn(cnn::Cnn),
    Transformer(transformer::Transformer),
}

impl Model {
    /// The spec's model with its seeded initial weights.
    pub fn new(spec: &TaskSpec) -> Result<Self> {
        match &spec.model {
            ModelSpec::Mlp { .. } => Ok(Model::Mlp(mlp::Mlp::new(&spec.model, spec.seed)?)),
            ModelSpec::Cnn { .. } => Ok(Model::Cnn(cnn::Cnn::new(&spec.model, spec.seed)?)),
            ModelSpec::Transformer { .. } => Ok(Model::Transformer(transformer::Transformer::new(
                &spec.model,
                spec.seed,
            )?)),
        }
    }

    pub fn params(&self) -> &Params {
        match self {
            Model::Mlp(m) => &m.params,
            Model::Cnn(m) => &m.params,
            Model::Transformer(m) => &m.params,
        }
    }

    /// Outputs `(rows, outputs)` for a batch of examples given as flat features (for the
    /// transformer, one row per token position: `(batch * context, vocab)`).
    pub fn forward(&self, features: &Tensor, mode: Mode) -> Result<Tensor> {
        match self {
            Model::Mlp(m) => m.forward(features, mode),
            Model::Cnn(m) => m.forward(features),
            Model::Transformer(m) => m.forward(features),
        }
    }
}
