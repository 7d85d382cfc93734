//! Adding a bias row to every row of a matrix, and its gradient (a fixed-order column sum).
use super::f32_slice;
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};

struct AddBias;

/// Sum over rows of a `(rows, n)` matrix, rows in order: the bias gradient.
pub fn column_sums(g: &[f32], n: usize) -> Vec<f32> {
    let mut out = vec![0f32; n];
    for row in g.chunks(n) {
        for (o, x) in out.iter_mut().zip(row) {
            *o += *x;
        }
    }
    out
}

impl CustomOp2 for AddBias {
    fn name(&self) -> &'static str {
        "add-bias"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let n = *l1.dims().last().unwrap_or(&0);
        if l2.dims() != [n] {
            bail!(
                "add-bias: bias {:?} does not fit rows of {:?}",
                l2.dims(),
                l1.dims()
            );
        }
        let x = f32_slice(s1, l1, self.name())?;
        let b = f32_slice(s2, l2, self.name())?;
        let out: Vec<f32> = x
            .chunks(n.max(1))
            .flat_map(|row| row.iter().zip(b).map(|(x, b)| x + b))
            .collect();
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }

    fn bwd(
        &self,
        _x: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad_b = grad.contiguous()?.apply_op1_no_bwd(&ColumnSums)?;
        Ok((Some(grad.clone()), Some(grad_b.reshape(b.shape())?)))
    }
}

struct ColumnSums;

impl CustomOp1 for ColumnSums {
    fn name(&self) -> &'static str {
        "column-sums"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let n = *l.dims().last().unwrap_or(&1);
        let out = column_sums(f32_slice(s, l, self.name())?, n.max(1));
        Ok((CpuStorage::F32(out), Shape::from(n)))
    }
}

/// `x + b` with `b` of shape `(n,)` added to every row of `x` (`(..., n)`).
pub fn add_bias(x: &Tensor, b: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op2(&b.contiguous()?, AddBias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::{bits, random};

    #[test]
    fn bias_gradient_is_the_row_ordered_column_sum() -> Result<()> {
        let dev = candle_core::Device::Cpu;
        let (rows, n) = (7, 5);
        let x = candle_core::Var::from_vec(random(rows * n, 1), (rows, n), &dev)?;
        let b = candle_core::Var::from_vec(random(n, 2), n, &dev)?;
        let weights = Tensor::from_vec(random(rows * n, 3), (rows, n), &dev)?;
        let y = add_bias(x.as_tensor(), b.as_tensor())?;
        let grads = (y * &weights)?.backward()?;
        let gb = grads.get(b.as_tensor()).unwrap().to_vec1::<f32>()?;
        let w = random(rows * n, 3);
        let mut want = vec![0f32; n];
        for r in 0..rows {
            for j in 0..n {
                want[j] = want[j] + w[r * n + j];
            }
        }
        assert_eq!(bits(&gb), bits(&want));
        Ok(())
    }
}
