//! Activations with `libm` transcendentals, and their derivatives.
use super::{f32_slice, same_shape_check};
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};
use mlchain_primitives::Activation;

/// sqrt(2 / pi), rounded once to f32 (the tanh approximation of GELU).
const GELU_C: f32 = 0.797_884_6;
const GELU_A: f32 = 0.044_715;

/// The activation of one value.
pub fn forward_value(kind: Activation, x: f32) -> f32 {
    match kind {
        Activation::Relu => {
            if x > 0.0 {
                x
            } else {
                0.0
            }
        }
        Activation::Tanh => libm::tanhf(x),
        Activation::Gelu => {
            let inner = GELU_C * (x + GELU_A * x * x * x);
            0.5 * x * (1.0 + libm::tanhf(inner))
        }
    }
}

/// d activation / dx at `x`.
pub fn derivative_value(kind: Activation, x: f32) -> f32 {
    match kind {
        Activation::Relu => {
            if x > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Activation::Tanh => {
            let t = libm::tanhf(x);
            1.0 - t * t
        }
        Activation::Gelu => {
            let inner = GELU_C * (x + GELU_A * x * x * x);
            let t = libm::tanhf(inner);
            let d_inner = GELU_C * (1.0 + 3.0 * GELU_A * x * x);
            0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner
        }
    }
}

struct Act(Activation);

impl CustomOp1 for Act {
    fn name(&self) -> &'static str {
        "libm-activation"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let out = f32_slice(s, l, self.name())?
            .iter()
            .map(|&x| forward_value(self.0, x))
            .collect();
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(
            x.contiguous()?
                .apply_op2_no_bwd(&grad.contiguous()?, &ActGrad(self.0))?,
        ))
    }
}

/// `grad * activation'(x)`, elementwise.
struct ActGrad(Activation);

impl CustomOp2 for ActGrad {
    fn name(&self) -> &'static str {
        "libm-activation-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        same_shape_check(l1, l2, self.name())?;
        let x = f32_slice(s1, l1, self.name())?;
        let g = f32_slice(s2, l2, self.name())?;
        let out = x
            .iter()
            .zip(g)
            .map(|(&x, &g)| g * derivative_value(self.0, x))
            .collect();
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// Applies `kind` elementwise.
pub fn activation(x: &Tensor, kind: Activation) -> Result<Tensor> {
    x.contiguous()?.apply_op1(Act(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_agree_with_finite_differences() {
        for kind in [Activation::Relu, Activation::Tanh, Activation::Gelu] {
            for &x in &[-2.0f32, -0.7, 0.3, 1.5] {
                let h = 1e-3f64;
                let f = |v: f64| forward_value(kind, v as f32) as f64;
                let numeric = (f(x as f64 + h) - f(x as f64 - h)) / (2.0 * h);
                let analytic = derivative_value(kind, x) as f64;
                assert!(
                    (numeric - analytic).abs() < 1e-2,
                    "{kind:?} at {x}: {numeric} vs {analytic}"
                );
            }
        }
    }
}
