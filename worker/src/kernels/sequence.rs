//! Ops of the transformer: embedding lookup, layer norm and causal softmax, each with a
//! fixed-order backward pass.
use super::{f32_slice, same_shape_check};
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};
use std::sync::Arc;

/// Rows `ids[i]` of a `(rows, width)` table.
struct Embedding {
    ids: Arc<Vec<u32>>,
}

impl CustomOp1 for Embedding {
    fn name(&self) -> &'static str {
        "embedding"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let &[rows, width] = l.dims() else {
            bail!("embedding: table must be (rows, width)")
        };
        if let Some(bad) = self.ids.iter().find(|&&i| i as usize >= rows) {
            bail!("embedding: id {bad} is not below the table's {rows} rows");
        }
        let table = f32_slice(s, l, self.name())?;
        let out = self
            .ids
            .iter()
            .flat_map(|&i| {
                table[i as usize * width..(i as usize + 1) * width]
                    .iter()
                    .copied()
            })
            .collect();
        Ok((CpuStorage::F32(out), Shape::from((self.ids.len(), width))))
    }

    fn bwd(&self, table: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let op = EmbeddingGrad {
            ids: self.ids.clone(),
            rows: table.dim(0)?,
        };
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&op)?))
    }
}

/// Scatter-adds gradient rows into the table, in id order.
struct EmbeddingGrad {
    ids: Arc<Vec<u32>>,
    rows: usize,
}

impl CustomOp1 for EmbeddingGrad {
    fn name(&self) -> &'static str {
        "embedding-grad"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let width = l.dims()[1];
        let grad = f32_slice(s, l, self.name())?;
        let mut out = vec![0f32; self.rows * width];
        for (g, &i) in grad.chunks(width).zip(self.ids.iter()) {
            for (o, v) in out[i as usize * width..(i as usize + 1) * width]
                .iter_mut()
                .zip(g)
            {
                *o += *v;
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((self.rows, width))))
    }
}

/// Looks up `ids` in a `(rows, width)` table: `(ids.len(), width)`.
pub fn embedding(table: &Tensor, ids: Arc<Vec<u32>>) -> Result<Tensor> {
    table.contiguous()?.apply_op1(Embedding { ids })
}

const LN_EPS: f32 = 1e-5;

/// Normalises one row; returns 1 / sigma.
fn normalise_row(x: &[f32], y: &mut [f32]) -> f32 {
    let n = x.len() as f32;
    let mean = x.iter().fold(0f32, |s, v| s + v) / n;
    let var = x.iter().fold(0f32, |s, v| s + (v - mean) * (v - mean)) / n;
    let inv = 1.0 / (var + LN_EPS).sqrt();
    for (o, v) in y.iter_mut().zip(x) {
        *o = (v - mean) * inv;
    }
    inv
}

/// Layer norm over the last dimension, without learned gain or bias.
struct LayerNorm;

impl CustomOp1 for LayerNorm {
    fn name(&self) -> &'static str {
        "layer-norm"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let n = *l.dims().last().unwrap_or(&1);
        let x = f32_slice(s, l, self.name())?;
        let mut out = vec![0f32; x.len()];
        for (xr, yr) in x.chunks(n).zip(out.chunks_mut(n)) {
            normalise_row(xr, yr);
        }
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(
            x.contiguous()?
                .apply_op2_no_bwd(&grad.contiguous()?, &LayerNormGrad)?,
        ))
    }
}

/// dx = inv * (g - mean(g) - y * mean(g * y)), sums in index order.
struct LayerNormGrad;

impl CustomOp2 for LayerNormGrad {
    fn name(&self) -> &'static str {
        "layer-norm-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        same_shape_check(l1, l2, self.name())?;
        let n = *l1.dims().last().unwrap_or(&1);
        let (x, g) = (
            f32_slice(s1, l1, self.name())?,
            f32_slice(s2, l2, self.name())?,
        );
        let mut out = vec![0f32; x.len()];
        let mut y = vec![0f32; n];
        for ((xr, gr), dr) in x.chunks(n).zip(g.chunks(n)).zip(out.chunks_mut(n)) {
            let inv = normalise_row(xr, &mut y);
            let mean_g = gr.iter().fold(0f32, |s, v| s + v) / n as f32;
            let mean_gy = gr.iter().zip(&y).fold(0f32, |s, (a, b)| s + a * b) / n as f32;
            for ((d, gv), yv) in dr.iter_mut().zip(gr).zip(&y) {
                *d = inv * (gv - mean_g - yv * mean_gy);
            }
        }
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

pub fn layer_norm(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(LayerNorm)
}

/// Softmax over the last dimension of `(.., t, t)` scores where query `i` sees keys `0..=i`.
struct CausalSoftmax;

fn causal_softmax_rows(x: &[f32], out: &mut [f32], t: usize) {
    for (r, (xr, pr)) in x.chunks(t).zip(out.chunks_mut(t)).enumerate() {
        let visible = r % t + 1;
        let max = xr[..visible]
            .iter()
            .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        let mut sum = 0f32;
        for (p, &v) in pr[..visible].iter_mut().zip(&xr[..visible]) {
            *p = libm::expf(v - max);
            sum += *p;
        }
        for p in pr[..visible].iter_mut() {
            *p /= sum;
        }
        for p in pr[visible..].iter_mut() {
            *p = 0.0;
        }
    }
}

impl CustomOp1 for CausalSoftmax {
    fn name(&self) -> &'static str {
        "causal-softmax"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = l.dims();
        if dims.len() < 2 || dims[dims.len() - 1] != dims[dims.len() - 2] {
            bail!("causal-softmax: scores must be (.., t, t), got {dims:?}");
        }
        let x = f32_slice(s, l, self.name())?;
        let mut out = vec![0f32; x.len()];
        causal_softmax_rows(x, &mut out, dims[dims.len() - 1]);
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(
            res.contiguous()?
                .apply_op2_no_bwd(&grad.contiguous()?, &SoftmaxGrad)?,
        ))
    }
}

/// dx = p * (g - sum(g * p)), per row, sum in index order.
struct SoftmaxGrad;

impl CustomOp2 for SoftmaxGrad {
    fn name(&self) -> &'static str {
        "softmax-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        same_shape_check(l1, l2, self.name())?;
        let t = *l1.dims().last().unwrap_or(&1);
        let (p, g) = (
            f32_slice(s1, l1, self.name())?,
            f32_slice(s2, l2, self.name())?,
        );
        let mut out = vec![0f32; p.len()];
        for ((pr, gr), dr) in p.chunks(t).zip(g.chunks(t)).zip(out.chunks_mut(t)) {
            let dot = pr.iter().zip(gr).fold(0f32, |s, (a, b)| s + a * b);
            for ((d, pv), gv) in dr.iter_mut().zip(pr).zip(gr) {
                *d = pv * (gv - dot);
            }
        }
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

pub fn causal_softmax(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(CausalSoftmax)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::random;
    use candle_core::{Device, Var};

    /// Finite-difference check of d(sum(w * op(x)))/dx.
    fn check_grad(op: impl Fn(&Tensor) -> Result<Tensor>, shape: (usize, usize)) -> Result<()> {
        let n = shape.0 * shape.1;
        let x = random(n, 21);
        let w = Tensor::from_vec(random(n, 22), shape, &Device::Cpu)?;
        let f = |v: &[f32]| -> Result<f32> {
            let t = Tensor::from_vec(v.to_vec(), shape, &Device::Cpu)?;
            (op(&t)? * &w)?
                .flatten_all()?
                .to_vec1::<f32>()
                .map(|v| v.iter().sum())
        };
        let var = Var::from_vec(x.clone(), shape, &Device::Cpu)?;
        let g = (op(var.as_tensor())? * &w)?
            .backward()?
            .get(var.as_tensor())
            .unwrap()
            .flatten_all()?
            .to_vec1::<f32>()?;
        for i in 0..n {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[i] += 1e-2;
            down[i] -= 1e-2;
            let numeric = (f(&up)? - f(&down)?) / 2e-2;
            assert!((numeric - g[i]).abs() < 2e-2, "{i}: {numeric} vs {}", g[i]);
        }
        Ok(())
    }

    #[test]
    fn layer_norm_gradient_matches_finite_differences() -> Result<()> {
        check_grad(layer_norm, (3, 5))
    }

    #[test]
    fn causal_softmax_hides_the_future_and_has_the_right_gradient() -> Result<()> {
        let x = Tensor::from_vec(random(9, 4), (3, 3), &Device::Cpu)?;
        let p = causal_softmax(&x)?.to_vec2::<f32>()?;
        assert_eq!(p[0][0], 1.0);
        assert_eq!((p[0][1], p[0][2], p[1][2]), (0.0, 0.0, 0.0));
        assert!((p[2].iter().sum::<f32>() - 1.0).abs() < 1e-6);
        check_grad(causal_softmax, (4, 4))
    }

    #[test]
    fn embedding_gradient_sums_rows_of_repeated_ids() -> Result<()> {
        let table = Var::from_vec(random(8, 5), (4, 2), &Device::Cpu)?;
        let out = embedding(table.as_tensor(), Arc::new(vec![1, 3, 1]))?;
        let g = out
            .backward()?
            .get(table.as_tensor())
            .unwrap()
            .to_vec2::<f32>()?;
        assert_eq!(
            g,
            vec![vec![0., 0.], vec![2., 2.], vec![0., 0.], vec![1., 1.]]
        );
        assert!(embedding(table.as_tensor(), Arc::new(vec![4])).is_err());
        Ok(())
    }
}
