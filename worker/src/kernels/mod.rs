//! Fixed-order kernels as candle `CustomOp`s.
//!
//! Every op a verified task uses is here, written as plain loops whose floating-point
//! operations happen in one documented order, independent of CPU features, cache sizes and
//! thread count:
//! * sums run sequentially from index 0, starting at `0.0`; work is split across threads only
//!   between independent outputs, never inside one sum;
//! * no fused multiply-add: Rust never contracts `a * b + c`, and we call no `mul_add`;
//! * transcendentals (`exp`, `ln`, `tanh`) come from the pure-Rust `libm` crate, never the
//!   platform's maths library.
//!
//! Each kernel has a scalar reference loop in its tests that it must match bit for bit.
//! candle's own ops are used only where they are exact elementwise IEEE operations or pure
//! data movement (add, mul, affine, reshape, transpose, copy), which are deterministic.
pub mod activation;
pub mod bias;
pub mod conv;
pub mod loss;
pub mod matmul;
pub mod sequence;

pub use activation::activation;
pub use bias::add_bias;
pub use conv::{im2col, max_pool2};
pub use loss::{cross_entropy, mse};
pub use matmul::matmul;

use candle_core::{bail, CpuStorage, Layout, Result, Tensor};

/// The contiguous `f32` data of a kernel input. Kernel wrappers make inputs contiguous before
/// applying an op, so the error branch only guards against misuse.
pub(crate) fn f32_slice<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    op: &str,
) -> Result<&'a [f32]> {
    let data = storage.as_slice::<f32>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => bail!("{op}: input must be contiguous"),
    }
}

/// The single `f32` value of a scalar gradient.
pub(crate) fn scalar(t: &Tensor) -> Result<f32> {
    t.flatten_all()?
        .to_vec1::<f32>()?
        .first()
        .copied()
        .ok_or_else(|| candle_core::Error::Msg("empty scalar".into()))
}

/// Refuses two kernel inputs whose shapes differ.
pub(crate) fn same_shape_check(a: &Layout, b: &Layout, op: &str) -> Result<()> {
    if a.shape() != b.shape() {
        bail!("{op}: shapes {:?} and {:?} differ", a.shape(), b.shape());
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    /// Reproducible test inputs in [-1, 1) from the engine's counter-based RNG.
    pub fn random(n: usize, seed: u64) -> Vec<f32> {
        (0..n as u64)
            .map(|i| {
                crate::rng::unit_f32(crate::rng::u64_at(seed, crate::rng::Stream::Init, 99, i))
                    * 2.0
                    - 1.0
            })
            .collect()
    }

    pub fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }
}
