//! Small CNN: conv (k x k, stride 1, no padding) + activation + 2x2 max-pool blocks, then a
//! linear classifier. Activations are NHWC inside, so every conv is one im2col + matmul.
use super::Params;
use crate::error::Result;
use crate::kernels::{activation, add_bias, im2col, matmul, max_pool2};
use candle_core::{Tensor, Var};
use mlchain_primitives::{Activation, ModelSpec};

pub struct Cnn {
    pub params: Params,
    /// (weight `(k*k*c_in, c_out)`, bias, kernel size) per block.
    blocks: Vec<(Var, Var, usize)>,
    head: (Var, Var),
    input: (usize, usize, usize),
    activation: Activation,
}

impl Cnn {
    pub fn new(spec: &ModelSpec, seed: u64) -> Result<Self> {
        let ModelSpec::Cnn {
            channels,
            height,
            width,
            conv,
            outputs,
            activation,
        } = spec
        else {
            return Err(crate::Error::Other("not a CNN spec".into()));
        };
        let mut params = Params::default();
        let (mut c, mut h, mut w) = (*channels as usize, *height as usize, *width as usize);
        let mut blocks = Vec::new();
        for (i, layer) in conv.iter().enumerate() {
            let (k, out) = (layer.kernel as usize, layer.channels as usize);
            let weight = params.weight(
                seed,
                format!("conv{i}.weight"),
                &[k * k * c, out],
                k * k * c,
            )?;
            let bias = params.zeros(format!("conv{i}.bias"), out)?;
            blocks.push((weight, bias, k));
            (c, h, w) = (out, (h - k + 1) / 2, (w - k + 1) / 2);
        }
        let flat = c * h * w;
        let head_w = params.weight(seed, "head.weight".into(), &[flat, *outputs as usize], flat)?;
        let head_b = params.zeros("head.bias".into(), *outputs as usize)?;
        Ok(Self {
            params,
            blocks,
            head: (head_w, head_b),
            input: (*channels as usize, *height as usize, *width as usize),
            activation: *activation,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let batch = x.dims()[0];
        let (c, h, w) = self.input;
        // (batch, c, h, w) -> NHWC; permute + contiguous is an exact copy.
        let mut t = x
            .reshape((batch, c, h, w))?
            .permute((0, 2, 3, 1))?
            .contiguous()?;
        for (weight, bias, k) in &self.blocks {
            let (_, ih, iw, _) = t.dims4()?;
            let (oh, ow) = (ih - k + 1, iw - k + 1);
            let y = add_bias(
                &matmul(&im2col(&t, *k)?, weight.as_tensor())?,
                bias.as_tensor(),
            )?;
            let y = activation(&y, self.activation)?;
            t = max_pool2(&y.reshape((batch, oh, ow, y.dim(1)?))?)?;
        }
        let flat = t.reshape((batch, ()))?;
        Ok(add_bias(
            &matmul(&flat, self.head.0.as_tensor())?,
            self.head.1.as_tensor(),
        )?)
    }
}
