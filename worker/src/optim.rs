//! SGD with momentum and AdamW, as plain `f32` loops over each parameter's values.
//!
//! Each update is elementwise, so there is no summation order to fix; every operation is a
//! single IEEE-rounded `+ - * / sqrt`, plus `libm::powf` for Adam's bias correction.
use crate::spec::ppb;
use mlchain_primitives::OptimizerSpec;

/// Optimiser state: one or two buffers per parameter, in parameter order.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimizer {
    pub kind: OptimizerSpec,
    /// SGD momentum buffers, or Adam first moments.
    pub m: Vec<Vec<f32>>,
    /// Adam second moments (empty for SGD).
    pub v: Vec<Vec<f32>>,
}

impl Optimizer {
    pub fn new(kind: OptimizerSpec, sizes: &[usize]) -> Self {
        let zeros = || sizes.iter().map(|&n| vec![0f32; n]).collect::<Vec<_>>();
        let v = if matches!(kind, OptimizerSpec::AdamW { .. }) {
            zeros()
        } else {
            Vec::new()
        };
        Self {
            kind,
            m: zeros(),
            v,
        }
    }

    /// Updates parameter `index` in place; `step` counts from 1 (Adam's bias correction).
    pub fn update(&mut self, index: usize, weights: &mut [f32], grads: &[f32], lr: f32, step: u64) {
        match self.kind {
            OptimizerSpec::Sgd {
                momentum_ppb,
                weight_decay_ppb,
            } => {
                let (mu, wd) = (ppb(momentum_ppb), ppb(weight_decay_ppb));
                for ((w, &g), buf) in weights.iter_mut().zip(grads).zip(self.m[index].iter_mut()) {
                    let g = g + wd * *w;
                    *buf = mu * *buf + g;
                    *w -= lr * *buf;
                }
            }
            OptimizerSpec::AdamW {
                beta1_ppb,
                beta2_ppb,
                eps_ppb,
                weight_decay_ppb,
            } => {
                let (b1, b2, eps, wd) = (
                    ppb(beta1_ppb),
                    ppb(beta2_ppb),
                    ppb(eps_ppb),
                    ppb(weight_decay_ppb),
                );
                let c1 = 1.0 - libm::powf(b1, step as f32);
                let c2 = 1.0 - libm::powf(b2, step as f32);
                let (m, v) = (&mut self.m[index], &mut self.v[index]);
                for (((w, &g), m), v) in weights
                    .iter_mut()
                    .zip(grads)
                    .zip(m.iter_mut())
                    .zip(v.iter_mut())
                {
                    *w -= lr * wd * *w;
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    let m_hat = *m / c1;
                    let v_hat = *v / c2;
                    *w -= lr * m_hat / (v_hat.sqrt() + eps);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_momentum_accumulates_velocity() {
        let mut opt = Optimizer::new(
            OptimizerSpec::Sgd {
                momentum_ppb: 500_000_000,
                weight_decay_ppb: 0,
            },
            &[1],
        );
        let mut w = [1.0f32];
        opt.update(0, &mut w, &[1.0], 0.1, 1);
        assert_eq!(w[0], 0.9);
        opt.update(0, &mut w, &[1.0], 0.1, 2);
        // velocity 0.5 * 1 + 1 = 1.5
        assert_eq!(w[0], 0.9 - 0.1 * 1.5);
    }

    #[test]
    fn adamw_first_step_moves_by_about_the_learning_rate() {
        let kind = OptimizerSpec::AdamW {
            beta1_ppb: 900_000_000,
            beta2_ppb: 999_000_000,
            eps_ppb: 10,
            weight_decay_ppb: 0,
        };
        let mut opt = Optimizer::new(kind, &[2]);
        let mut w = [0.0f32, 0.0];
        opt.update(0, &mut w, &[3.0, -0.2], 0.01, 1);
        assert!(
            (w[0] + 0.01).abs() < 1e-6 && (w[1] - 0.01).abs() < 1e-6,
            "{w:?}"
        );
    }
}
