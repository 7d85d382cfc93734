//! Convolution as im2col + the fixed-order matmul, and 2x2 max-pooling, on NHWC tensors.
//!
//! Both ops only move data (im2col) or pick values (pool) in the forward pass; their backward
//! passes scatter-add gradients in one fixed loop order.
use super::{f32_slice, same_shape_check};
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};

#[derive(Clone, Copy)]
struct Geometry {
    batch: usize,
    h: usize,
    w: usize,
    c: usize,
    k: usize,
}

impl Geometry {
    fn from(l: &Layout, k: usize) -> Result<Self> {
        let &[batch, h, w, c] = l.dims() else {
            bail!("im2col: input must be (batch, h, w, c), got {:?}", l.dims())
        };
        if k == 0 || h < k || w < k {
            bail!("im2col: kernel {k} does not fit a {h}x{w} image");
        }
        Ok(Self { batch, h, w, c, k })
    }
    fn out_hw(&self) -> (usize, usize) {
        (self.h - self.k + 1, self.w - self.k + 1)
    }
    /// For every (row, col) of the patch matrix, the index into the input it copies.
    fn for_each(&self, mut f: impl FnMut(usize, usize)) {
        let (oh, ow) = self.out_hw();
        let mut dst = 0;
        for b in 0..self.batch {
            for y in 0..oh {
                for x in 0..ow {
                    for dy in 0..self.k {
                        for dx in 0..self.k {
                            let src = ((b * self.h + y + dy) * self.w + x + dx) * self.c;
                            for ch in 0..self.c {
                                f(dst, src + ch);
                                dst += 1;
                            }
                        }
                    }
                }
            }
        }
    }
}

struct Im2Col {
    k: usize,
}

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "im2col"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = Geometry::from(l, self.k)?;
        let input = f32_slice(s, l, self.name())?;
        let (oh, ow) = g.out_hw();
        let cols = g.k * g.k * g.c;
        let mut out = vec![0f32; g.batch * oh * ow * cols];
        g.for_each(|dst, src| out[dst] = input[src]);
        Ok((CpuStorage::F32(out), Shape::from((g.batch * oh * ow, cols))))
    }

    fn bwd(&self, input: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let g = Geometry::from(input.layout(), self.k)?;
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&Col2Im { g })?))
    }
}

/// Sums patch-matrix gradients back into the image, patches in row order.
struct Col2Im {
    g: Geometry,
}

impl CustomOp1 for Col2Im {
    fn name(&self) -> &'static str {
        "col2im"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let grad = f32_slice(s, l, self.name())?;
        let g = self.g;
        let mut out = vec![0f32; g.batch * g.h * g.w * g.c];
        g.for_each(|dst, src| out[src] += grad[dst]);
        Ok((CpuStorage::F32(out), Shape::from((g.batch, g.h, g.w, g.c))))
    }
}

/// Patches of a `(batch, h, w, c)` image for a `k` x `k` convolution with stride 1 and no
/// padding: `(batch * oh * ow, k * k * c)`, columns ordered (dy, dx, channel).
pub fn im2col(x: &Tensor, k: usize) -> Result<Tensor> {
    x.contiguous()?.apply_op1(Im2Col { k })
}

struct MaxPool2;

fn pool_dims(l: &Layout) -> Result<(usize, usize, usize, usize)> {
    let &[b, h, w, c] = l.dims() else {
        bail!(
            "max-pool: input must be (batch, h, w, c), got {:?}",
            l.dims()
        )
    };
    if h < 2 || w < 2 {
        bail!("max-pool: a {h}x{w} image is too small for 2x2 pooling");
    }
    Ok((b, h, w, c))
}

/// Index of the first largest of the four inputs of pooled value (b, y, x, ch).
fn argmax_window(
    input: &[f32],
    h: usize,
    w: usize,
    c: usize,
    b: usize,
    y: usize,
    x: usize,
    ch: usize,
) -> usize {
    let at = |dy: usize, dx: usize| ((b * h + 2 * y + dy) * w + 2 * x + dx) * c + ch;
    let mut best = at(0, 0);
    for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
        let i = at(dy, dx);
        if input[i] > input[best] {
            best = i;
        }
    }
    best
}

fn pool_for_each(
    b: usize,
    h: usize,
    w: usize,
    c: usize,
    mut f: impl FnMut(usize, usize, usize, usize, usize),
) {
    let mut o = 0;
    for bi in 0..b {
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                for ch in 0..c {
                    f(o, bi, y, x, ch);
                    o += 1;
                }
            }
        }
    }
}

impl CustomOp1 for MaxPool2 {
    fn name(&self) -> &'static str {
        "max-pool-2x2"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (b, h, w, c) = pool_dims(l)?;
        let input = f32_slice(s, l, self.name())?;
        let mut out = vec![0f32; b * (h / 2) * (w / 2) * c];
        pool_for_each(b, h, w, c, |o, bi, y, x, ch| {
            out[o] = input[argmax_window(input, h, w, c, bi, y, x, ch)]
        });
        Ok((CpuStorage::F32(out), Shape::from((b, h / 2, w / 2, c))))
    }

    fn bwd(&self, input: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(
            input
                .contiguous()?
                .apply_op2_no_bwd(&grad.contiguous()?, &MaxPool2Grad)?,
        ))
    }
}

/// Routes each pooled gradient to the input that won the window.
struct MaxPool2Grad;

impl CustomOp2 for MaxPool2Grad {
    fn name(&self) -> &'static str {
        "max-pool-2x2-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (b, h, w, c) = pool_dims(l1)?;
        if l2.dims() != [b, h / 2, w / 2, c] {
            same_shape_check(l1, l2, self.name())?;
        }
        let input = f32_slice(s1, l1, self.name())?;
        let grad = f32_slice(s2, l2, self.name())?;
        let mut out = vec![0f32; input.len()];
        pool_for_each(b, h, w, c, |o, bi, y, x, ch| {
            out[argmax_window(input, h, w, c, bi, y, x, ch)] += grad[o]
        });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// 2x2 max-pooling with stride 2 of a `(batch, h, w, c)` tensor; odd edges are dropped.
pub fn max_pool2(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(MaxPool2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::random;
    use candle_core::{Device, Var};

    #[test]
    fn im2col_then_matmul_equals_a_direct_convolution_loop() -> Result<()> {
        let (b, h, w, c, k, oc) = (2, 5, 4, 3, 3, 2);
        let x = random(b * h * w * c, 1);
        let wt = random(k * k * c * oc, 2);
        let xt = Tensor::from_vec(x.clone(), (b, h, w, c), &Device::Cpu)?;
        let wtt = Tensor::from_vec(wt.clone(), (k * k * c, oc), &Device::Cpu)?;
        let got = crate::kernels::matmul(&im2col(&xt, k)?, &wtt)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let (oh, ow) = (h - k + 1, w - k + 1);
        let mut want = Vec::new();
        for bi in 0..b {
            for y in 0..oh {
                for xx in 0..ow {
                    for o in 0..oc {
                        let mut acc = 0f32;
                        for dy in 0..k {
                            for dx in 0..k {
                                for ch in 0..c {
                                    let p = (dy * k + dx) * c + ch;
                                    acc = acc
                                        + x[((bi * h + y + dy) * w + xx + dx) * c + ch]
                                            * wt[p * oc + o];
                                }
                            }
                        }
                        want.push(acc);
                    }
                }
            }
        }
        assert_eq!(
            crate::kernels::tests::bits(&got),
            crate::kernels::tests::bits(&want)
        );
        Ok(())
    }

    #[test]
    fn im2col_gradient_counts_how_often_each_pixel_is_used() -> Result<()> {
        let x = Var::from_vec(random(16, 3), (1, 4, 4, 1), &Device::Cpu)?;
        let g = im2col(x.as_tensor(), 3)?.backward()?;
        let g = g
            .get(x.as_tensor())
            .unwrap()
            .flatten_all()?
            .to_vec1::<f32>()?;
        // Corner pixels are in one 3x3 patch of a 4x4 image, the centre ones in all four.
        assert_eq!(
            g,
            vec![1., 2., 2., 1., 2., 4., 4., 2., 2., 4., 4., 2., 1., 2., 2., 1.]
        );
        Ok(())
    }

    #[test]
    fn max_pool_picks_window_maxima_and_routes_gradient_to_them() -> Result<()> {
        let data: Vec<f32> = vec![
            1., 5., 2., 0., 3., 4., 9., 1., 0., 0., 0., 0., 0., 7., 0., 8.,
        ];
        let x = Var::from_vec(data, (1, 4, 4, 1), &Device::Cpu)?;
        let y = max_pool2(x.as_tensor())?;
        assert_eq!(y.flatten_all()?.to_vec1::<f32>()?, vec![5., 9., 7., 8.]);
        let g = y
            .backward()?
            .get(x.as_tensor())
            .unwrap()
            .flatten_all()?
            .to_vec1::<f32>()?;
        assert_eq!(
            g,
            vec![0., 1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 0., 1., 0., 1.]
        );
        Ok(())
    }
}
