//! Small decoder-only causal transformer for token data.
//!
//! Pre-norm blocks: `x += attention(norm(x))`, `x += mlp(norm(x))`, then `norm` and a linear
//! head to the vocabulary. Token and position embeddings are learned; layer norms have no
//! learned gain or bias (kept out to keep the op set small). Examples are `context` input
//! tokens; labels are the `context` next tokens.
use super::Params;
use crate::error::{Error, Result};
use crate::kernels::sequence::{causal_softmax, embedding, layer_norm};
use crate::kernels::{activation, add_bias, matmul};
use candle_core::{Tensor, Var};
use mlchain_primitives::{Activation, ModelSpec};
use std::sync::Arc;

struct Block {
    qkv: (Var, Var),
    proj: (Var, Var),
    up: (Var, Var),
    down: (Var, Var),
}

pub struct Transformer {
    pub params: Params,
    tokens: Var,
    positions: Var,
    blocks: Vec<Block>,
    head: (Var, Var),
    vocab: usize,
    context: usize,
    width: usize,
    heads: usize,
}

fn linear(
    params: &mut Params,
    seed: u64,
    name: &str,
    inputs: usize,
    outputs: usize,
) -> Result<(Var, Var)> {
    let w = params.weight(seed, format!("{name}.weight"), &[inputs, outputs], inputs)?;
    let b = params.zeros(format!("{name}.bias"), outputs)?;
    Ok((w, b))
}

fn apply(x: &Tensor, layer: &(Var, Var)) -> Result<Tensor> {
    Ok(add_bias(
        &matmul(x, layer.0.as_tensor())?,
        layer.1.as_tensor(),
    )?)
}

impl Transformer {
    pub fn new(spec: &ModelSpec, seed: u64) -> Result<Self> {
        let ModelSpec::Transformer {
            vocab,
            context,
            width,
            heads,
            layers,
        } = *spec
        else {
            return Err(Error::Other("not a transformer spec".into()));
        };
        let (vocab, context, width, heads) = (
            vocab as usize,
            context as usize,
            width as usize,
            heads as usize,
        );
        let mut params = Params::default();
        let tokens = params.weight(seed, "tokens".into(), &[vocab, width], width)?;
        let positions = params.weight(seed, "positions".into(), &[context, width], width)?;
        let mut blocks = Vec::new();
        for i in 0..layers as usize {
            blocks.push(Block {
                qkv: linear(
                    &mut params,
                    seed,
                    &format!("block{i}.qkv"),
                    width,
                    3 * width,
                )?,
                proj: linear(&mut params, seed, &format!("block{i}.proj"), width, width)?,
                up: linear(&mut params, seed, &format!("block{i}.up"), width, 4 * width)?,
                down: linear(
                    &mut params,
                    seed,
                    &format!("block{i}.down"),
                    4 * width,
                    width,
                )?,
            });
        }
        let head = linear(&mut params, seed, "head", width, vocab)?;
        Ok(Self {
            params,
            tokens,
            positions,
            blocks,
            head,
            vocab,
            context,
            width,
            heads,
        })
    }

    /// `(batch * context, vocab)` logits for `(batch, context)` token ids given as `f32`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, t) = x.dims2()?;
        if t != self.context {
            return Err(Error::Mismatch(format!(
                "sequences have {t} tokens, the transformer's context is {}",
                self.context
            )));
        }
        let ids: Vec<u32> = x
            .flatten_all()?
            .to_vec1::<f32>()?
            .iter()
            .map(|&v| v as u32)
            .collect();
        if let Some(bad) = ids.iter().find(|&&i| i as usize >= self.vocab) {
            return Err(Error::Mismatch(format!(
                "token {bad} is not below the vocabulary size {}",
                self.vocab
            )));
        }
        let positions: Vec<u32> = (0..batch * t).map(|i| (i % t) as u32).collect();
        let mut h = (embedding(self.tokens.as_tensor(), Arc::new(ids))?
            + embedding(self.positions.as_tensor(), Arc::new(positions))?)?;
        let (heads, d) = (self.heads, self.width / self.heads);
        for block in &self.blocks {
            let qkv = apply(&layer_norm(&h)?, &block.qkv)?;
            // (batch*t, 3*width) -> (3, batch*heads, t, d)
            let qkv = qkv
                .reshape((batch, t, 3, heads, d))?
                .permute((2, 0, 3, 1, 4))?
                .contiguous()?
                .reshape((3, batch * heads, t, d))?;
            let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
            let scores = matmul(&q, &k.transpose(1, 2)?)?.affine(1.0 / (d as f64).sqrt(), 0.0)?;
            let mixed = matmul(&causal_softmax(&scores)?, &v)?;
            let mixed = mixed
                .reshape((batch, heads, t, d))?
                .permute((0, 2, 1, 3))?
                .contiguous()?
                .reshape((batch * t, self.width))?;
            h = (h + apply(&mixed, &block.proj)?)?;
            let up = activation(&apply(&layer_norm(&h)?, &block.up)?, Activation::Gelu)?;
            h = (h + apply(&up, &block.down)?)?;
        }
        apply(&layer_norm(&h)?, &self.head)
    }
}
