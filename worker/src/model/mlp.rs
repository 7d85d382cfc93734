//! Multi-layer perceptron: linear layers with an activation (and optional dropout) between.
use super::{Mode, Params};
use crate::error::Result;
use crate::kernels::{activation, add_bias, matmul};
use crate::rng::{u64_at, unit_f32, Stream};
use candle_core::{Tensor, Var};
use mlchain_primitives::{Activation, ModelSpec};

pub struct Mlp {
    pub params: Params,
    layers: Vec<(Var, Var)>,
    activation: Activation,
    dropout: f32,
}

impl Mlp {
    pub fn new(spec: &ModelSpec, seed: u64) -> Result<Self> {
        let ModelSpec::Mlp {
            inputs,
            hidden,
            outputs,
            activation,
            dropout_ppb,
        } = spec
        else {
            return Err(crate::Error::Other("not an MLP spec".into()));
        };
        let widths: Vec<usize> = std::iter::once(*inputs)
            .chain(hidden.iter().copied())
            .chain(std::iter::once(*outputs))
            .map(|w| w as usize)
            .collect();
        let mut params = Params::default();
        let mut layers = Vec::new();
        for (i, pair) in widths.windows(2).enumerate() {
            let w = params.weight(
                seed,
                format!("layer{i}.weight"),
                &[pair[0], pair[1]],
                pair[0],
            )?;
            let b = params.zeros(format!("layer{i}.bias"), pair[1])?;
            layers.push((w, b));
        }
        Ok(Self {
            params,
            layers,
            activation: *activation,
            dropout: crate::spec::ppb(*dropout_ppb),
        })
    }

    pub fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        let mut h = x.clone();
        let last = self.layers.len() - 1;
        for (i, (w, b)) in self.layers.iter().enumerate() {
            h = add_bias(&matmul(&h, w.as_tensor())?, b.as_tensor())?;
            if i < last {
                h = activation(&h, self.activation)?;
                if let (Mode::Train { seed, step }, true) = (mode, self.dropout > 0.0) {
                    h = (&h * dropout_mask(seed, step, i as u64, h.dims(), self.dropout)?)?;
                }
            }
        }
        Ok(h)
    }
}

/// Inverted-dropout mask: 0 with probability `p`, else `1 / (1 - p)`, keyed by
/// (seed, step, layer, element) so any step's mask is recomputed directly.
fn dropout_mask(seed: u64, step: u64, layer: u64, dims: &[usize], p: f32) -> Result<Tensor> {
    let keep = 1.0 / (1.0 - p);
    let count: usize = dims.iter().product();
    let values: Vec<f32> = (0..count as u64)
        .map(|e| {
            if unit_f32(u64_at(seed, Stream::Dropout, step * 64 + layer, e)) < p {
                0.0
            } else {
                keep
            }
        })
        .collect();
    Ok(Tensor::from_vec(values, dims, &candle_core::Device::Cpu)?)
}
