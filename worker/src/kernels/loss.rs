//! Losses: mean cross-entropy over rows of logits, and mean squared error.
use super::{f32_slice, same_shape_check, scalar};
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};
use std::sync::Arc;

/// Per-row log-sum-exp and softmax, in fixed order, with `libm` exp/log.
fn softmax_row(row: &[f32], probs: &mut [f32]) -> f32 {
    let max = row
        .iter()
        .fold(f32::NEG_INFINITY, |m, &x| if x > m { x } else { m });
    let mut sum = 0f32;
    for (p, &x) in probs.iter_mut().zip(row) {
        *p = libm::expf(x - max);
        sum += *p;
    }
    for p in probs.iter_mut() {
        *p /= sum;
    }
    max + libm::logf(sum)
}

/// Mean cross-entropy of `(rows, classes)` logits against class labels, sequentially summed.
pub fn cross_entropy_value(logits: &[f32], labels: &[u32], classes: usize) -> f32 {
    let mut probs = vec![0f32; classes];
    let mut total = 0f32;
    for (row, &label) in logits.chunks(classes).zip(labels) {
        let lse = softmax_row(row, &mut probs);
        total += lse - row[label as usize];
    }
    total / labels.len() as f32
}

struct CrossEntropy {
    labels: Arc<Vec<u32>>,
}

impl CrossEntropy {
    fn check(&self, l: &Layout) -> Result<(usize, usize)> {
        let &[rows, classes] = l.dims() else {
            bail!(
                "cross-entropy: logits must be (rows, classes), got {:?}",
                l.dims()
            )
        };
        if rows != self.labels.len() {
            bail!(
                "cross-entropy: {rows} rows of logits but {} labels",
                self.labels.len()
            );
        }
        if let Some(bad) = self.labels.iter().find(|&&y| y as usize >= classes) {
            bail!("cross-entropy: label {bad} is not below the {classes} classes");
        }
        Ok((rows, classes))
    }
}

impl CustomOp1 for CrossEntropy {
    fn name(&self) -> &'static str {
        "cross-entropy"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (_, classes) = self.check(l)?;
        let value = cross_entropy_value(f32_slice(s, l, self.name())?, &self.labels, classes);
        Ok((CpuStorage::F32(vec![value]), Shape::from(())))
    }

    fn bwd(&self, logits: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let op = CrossEntropyGrad {
            labels: self.labels.clone(),
            scale: scalar(grad)? / self.labels.len() as f32,
        };
        Ok(Some(logits.contiguous()?.apply_op1_no_bwd(&op)?))
    }
}

/// `(softmax(logits) - onehot(label)) * grad / rows`.
struct CrossEntropyGrad {
    labels: Arc<Vec<u32>>,
    scale: f32,
}

impl CustomOp1 for CrossEntropyGrad {
    fn name(&self) -> &'static str {
        "cross-entropy-grad"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let classes = l.dims()[1];
        let logits = f32_slice(s, l, self.name())?;
        let mut out = vec![0f32; logits.len()];
        for ((row, grad), &label) in logits
            .chunks(classes)
            .zip(out.chunks_mut(classes))
            .zip(self.labels.iter())
        {
            softmax_row(row, grad);
            grad[label as usize] -= 1.0;
            for g in grad.iter_mut() {
                *g *= self.scale;
            }
        }
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }
}

/// Mean cross-entropy of `(rows, classes)` logits against `labels` (one per row).
pub fn cross_entropy(logits: &Tensor, labels: Arc<Vec<u32>>) -> Result<Tensor> {
    logits.contiguous()?.apply_op1(CrossEntropy { labels })
}

struct Mse;

/// Mean of `(p - t)^2`, summed in order.
pub fn mse_value(pred: &[f32], target: &[f32]) -> f32 {
    let total = pred.iter().zip(target).fold(0f32, |acc, (p, t)| {
        let d = p - t;
        acc + d * d
    });
    total / pred.len() as f32
}

impl CustomOp2 for Mse {
    fn name(&self) -> &'static str {
        "mse"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        same_shape_check(l1, l2, self.name())?;
        let value = mse_value(
            f32_slice(s1, l1, self.name())?,
            f32_slice(s2, l2, self.name())?,
        );
        Ok((CpuStorage::F32(vec![value]), Shape::from(())))
    }

    fn bwd(
        &self,
        pred: &Tensor,
        target: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let scale = 2.0 * scalar(grad)? / pred.elem_count() as f32;
        // (p - t) * scale: candle's elementwise sub and affine are single IEEE operations.
        let grad_pred = (pred - target)?.affine(scale as f64, 0.0)?;
        Ok((Some(grad_pred), None))
    }
}

/// Mean squared error between same-shaped `pred` and `target`.
pub fn mse(pred: &Tensor, target: &Tensor) -> Result<Tensor> {
    pred.contiguous()?.apply_op2(&target.contiguous()?, Mse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::random;
    use candle_core::{Device, Var};

    #[test]
    fn cross_entropy_of_uniform_logits_is_log_classes() {
        let v = cross_entropy_value(&[0.0; 8], &[1, 3], 4);
        assert!((v - 4f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn cross_entropy_gradient_matches_finite_differences() -> Result<()> {
        let (rows, classes) = (3, 4);
        let x = random(rows * classes, 11);
        let labels = Arc::new(vec![0, 3, 2]);
        let var = Var::from_vec(x.clone(), (rows, classes), &Device::Cpu)?;
        let grads = cross_entropy(var.as_tensor(), labels.clone())?.backward()?;
        let g = grads
            .get(var.as_tensor())
            .unwrap()
            .flatten_all()?
            .to_vec1::<f32>()?;
        for i in 0..x.len() {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[i] += 1e-2;
            down[i] -= 1e-2;
            let numeric = (cross_entropy_value(&up, &labels, classes)
                - cross_entropy_value(&down, &labels, classes))
                / 2e-2;
            assert!((numeric - g[i]).abs() < 1e-3, "{i}: {numeric} vs {}", g[i]);
        }
        Ok(())
    }

    #[test]
    fn cross_entropy_refuses_labels_outside_the_classes() {
        let t = Tensor::zeros((2, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
        assert!(cross_entropy(&t, Arc::new(vec![0, 3])).is_err());
        assert!(cross_entropy(&t, Arc::new(vec![0])).is_err());
    }

    #[test]
    fn mse_gradient_is_two_times_the_mean_difference() -> Result<()> {
        let p = Var::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], 4, &Device::Cpu)?;
        let t = Tensor::from_vec(vec![0.0f32, 2.0, 5.0, 4.0], 4, &Device::Cpu)?;
        let loss = mse(p.as_tensor(), &t)?;
        assert_eq!(loss.to_scalar::<f32>()?, 5.0 / 4.0);
        let g = loss
            .backward()?
            .get(p.as_tensor())
            .unwrap()
            .to_vec1::<f32>()?;
        assert_eq!(g, vec![0.5, 0.0, -1.0, 0.0]);
        Ok(())
    }
}
