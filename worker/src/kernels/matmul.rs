//! Matrix product with a fixed summation order.
//!
//! `c[i][j] = (((0 + a[i][0]*b[0][j]) + a[i][1]*b[1][j]) + ...)`, with each product rounded
//! to `f32` before it is added. That order is all that fixes the result, so the kernel is free
//! in everything else:
//! * it computes a tile of `ROWS x COLS` outputs at once, keeping their sums in registers while
//!   `p` runs from 0 to k; every output still adds its products one by one in `p` order;
//! * the tile loops vectorise *across* outputs `j` (never inside one sum), with 8-lane AVX when
//!   the CPU has it and 4-lane SSE2 otherwise. Lane width cannot change a result: each lane
//!   does the same IEEE multiply, then the same IEEE add. FMA is never enabled, and Rust never
//!   contracts `a * b + c` on its own;
//! * threads split the rows of `c` into blocks; no sum is ever split.
//!
//! The tests compare it bit for bit with the textbook loop, for shapes that hit the tiles and
//! every kind of edge.
use super::f32_slice;
use candle_core::{bail, CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

struct MatMul;

/// Rows of `c` computed together: each `b` value loaded is used this many times.
const ROWS: usize = 4;
/// Columns of `c` computed together: two 8-lane AVX registers (or four SSE2 ones) per row.
const COLS: usize = 16;

/// Rows, inner and columns of `(batch, m, k) x (batch, k, n)` or `(m, k) x (k, n)`.
fn dims(a: &Layout, b: &Layout) -> Result<(usize, usize, usize, usize, Shape)> {
    match (a.dims(), b.dims()) {
        (&[m, k], &[k2, n]) if k == k2 => Ok((1, m, k, n, Shape::from((m, n)))),
        (&[bt, m, k], &[bt2, k2, n]) if k == k2 && bt == bt2 => {
            Ok((bt, m, k, n, Shape::from((bt, m, n))))
        }
        (x, y) => bail!("matmul: incompatible shapes {x:?} x {y:?}"),
    }
}

/// The kernel on plain slices (also what the benchmarks and the reference test call).
pub fn matmul_slices(
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
) {
    debug_assert_eq!(out.len(), batch * m * n);
    if n == 0 || m == 0 {
        return;
    }
    // Blocks of up to ROWS rows of one batch entry; blocks are independent outputs.
    let blocks_per_batch = m.div_ceil(ROWS);
    let blocks: Vec<(usize, usize, usize)> = (0..batch)
        .flat_map(|bi| (0..blocks_per_batch).map(move |blk| (bi, blk * ROWS, (m - blk * ROWS).min(ROWS))))
        .collect();
    let mut chunks: Vec<&mut [f32]> = Vec::with_capacity(blocks.len());
    let mut rest = out;
    for &(_, _, rows) in &blocks {
        let (head, tail) = rest.split_at_mut(rows * n);
        chunks.push(head);
        rest = tail;
    }
    chunks.into_par_iter().zip(blocks).for_each(|(c, (bi, i0, rows))| {
        let a_rows = &a[(bi * m + i0) * k..(bi * m + i0 + rows) * k];
        let b_mat = &b[bi * k * n..(bi + 1) * k * n];
        row_block(a_rows, b_mat, c, rows, k, n);
    });
}

/// `rows` rows of `c` from the matching rows of `a`, choosing the widest vector unit.
fn row_block(a: &[f32], b: &[f32], c: &mut [f32], rows: usize, k: usize, n: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, the only feature the function is compiled for.
        unsafe { row_block_avx(a, b, c, rows, k, n) };
        return;
    }
    row_block_portable(a, b, c, rows, k, n)
}

/// [`row_block_portable`] compiled with 8-lane AVX available (multiplies and adds only).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn row_block_avx(a: &[f32], b: &[f32], c: &mut [f32], rows: usize, k: usize, n: usize) {
    row_block_portable(a, b, c, rows, k, n)
}

#[inline(always)]
fn row_block_portable(a: &[f32], b: &[f32], c: &mut [f32], rows: usize, k: usize, n: usize) {
    let full_cols = n - n % COLS;
    if rows == ROWS {
        for j0 in (0..full_cols).step_by(COLS) {
            let mut acc = [[0f32; COLS]; ROWS];
            for p in 0..k {
                let b_tile: &[f32; COLS] =
                    b[p * n + j0..p * n + j0 + COLS].try_into().expect("tile is COLS wide");
                for (r, acc_row) in acc.iter_mut().enumerate() {
                    let a_rp = a[r * k + p];
                    for (acc_rj, &b_pj) in acc_row.iter_mut().zip(b_tile) {
                        *acc_rj += a_rp * b_pj;
                    }
                }
            }
            for (r, acc_row) in acc.iter().enumerate() {
                c[r * n + j0..r * n + j0 + COLS].copy_from_slice(acc_row);
            }
        }
    } else {
        edge(a, b, c, rows, k, n, 0, full_cols);
    }
    edge(a, b, c, rows, k, n, full_cols, n);
}

/// Columns `j_from..j_to` of `rows` rows, one row at a time, in the same order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn edge(a: &[f32], b: &[f32], c: &mut [f32], rows: usize, k: usize, n: usize, j_from: usize, j_to: usize) {
    for r in 0..rows {
        let c_row = &mut c[r * n + j_from..r * n + j_to];
        c_row.fill(0.0);
        for p in 0..k {
            let a_rp = a[r * k + p];
            for (c_j, &b_pj) in c_row.iter_mut().zip(&b[p * n + j_from..p * n + j_to]) {
                *c_j += a_rp * b_pj;
            }
        }
    }
}

impl CustomOp2 for MatMul {
    fn name(&self) -> &'static str {
        "fixed-order-matmul"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (batch, m, k, n, shape) = dims(l1, l2)?;
        let a = f32_slice(s1, l1, self.name())?;
        let b = f32_slice(s2, l2, self.name())?;
        let mut out = vec![0f32; batch * m * n];
        matmul_slices(a, b, &mut out, batch, m, k, n);
        Ok((CpuStorage::F32(out), shape))
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        // dA = dC . B^T and dB = A^T . dC, through the same fixed-order kernel.
        let rank = a.rank();
        let grad_a = matmul(grad, &b.transpose(rank - 2, rank - 1)?)?;
        let grad_b = matmul(&a.transpose(rank - 2, rank - 1)?, grad)?;
        Ok((Some(grad_a), Some(grad_b)))
    }
}

/// `a . b` for `(m, k) x (k, n)` or batched `(batch, m, k) x (batch, k, n)`.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.contiguous()?.apply_op2(&b.contiguous()?, MatMul)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::random;

    /// The textbook loop, in the documented order.
    fn reference(a: &[f32], b: &[f32], batch: usize, m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0f32; batch * m * n];
        for bi in 0..batch {
            for i in 0..m {
                for j in 0..n {
                    let mut acc = 0f32;
                    for p in 0..k {
                        acc = acc + a[(bi * m + i) * k + p] * b[(bi * k + p) * n + j];
                    }
                    out[(bi * m + i) * n + j] = acc;
                }
            }
        }
        out
    }

    #[test]
    fn matmul_matches_the_scalar_reference_bit_for_bit_including_k_above_512() {
        // Tiles only, tiles with row and column edges, edges only, K above 512, batches.
        for &(batch, m, k, n) in &[
            (1, 3, 5, 7),
            (2, 4, 9, 3),
            (1, 5, 600, 6),
            (1, 1, 1, 1),
            (1, 8, 40, 32),
            (3, 9, 17, 35),
            (2, 7, 700, 50),
        ] {
            let a = random(batch * m * k, 1);
            let b = random(batch * k * n, 2);
            let mut out = vec![0f32; batch * m * n];
            matmul_slices(&a, &b, &mut out, batch, m, k, n);
            let want = reference(&a, &b, batch, m, k, n);
            assert_eq!(
                crate::kernels::tests::bits(&out),
                crate::kernels::tests::bits(&want),
                "{batch}x{m}x{k}x{n}"
            );
        }
    }

    #[test]
    fn matmul_result_does_not_depend_on_thread_count() {
        let (m, k, n) = (33, 700, 17);
        let a = random(m * k, 3);
        let b = random(k * n, 4);
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut out = vec![0f32; m * n];
            pool.install(|| matmul_slices(&a, &b, &mut out, 1, m, k, n));
            crate::kernels::tests::bits(&out)
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn matmul_gradients_match_the_transposed_products() -> Result<()> {
        let dev = candle_core::Device::Cpu;
        let a = candle_core::Var::from_vec(random(6, 5), (2, 3), &dev)?;
        let b = candle_core::Var::from_vec(random(12, 6), (3, 4), &dev)?;
        let c = matmul(a.as_tensor(), b.as_tensor())?;
        let grads = c.backward()?;
        // d(sum C)/dA[i][p] = sum_j B[p][j]; d(sum C)/dB[p][j] = sum_i A[i][p].
        let ga = grads.get(a.as_tensor()).unwrap().to_vec2::<f32>()?;
        let bv = b.as_tensor().to_vec2::<f32>()?;
        for row in &ga {
            for (p, g) in row.iter().enumerate() {
                let want: f32 = bv[p].iter().fold(0.0, |s, x| s + x);
                assert_eq!(g.to_bits(), want.to_bits());
            }
        }
        let gb = grads.get(b.as_tensor()).unwrap().to_vec2::<f32>()?;
        let av = a.as_tensor().to_vec2::<f32>()?;
        for (p, row) in gb.iter().enumerate() {
            let want = av[0][p] + av[1][p];
            assert!(row.iter().all(|g| g.to_bits() == want.to_bits()));
        }
        Ok(())
    }

    #[test]
    fn matmul_refuses_mismatched_inner_dimensions() {
        let dev = candle_core::Device::Cpu;
        let a = Tensor::zeros((2, 3), candle_core::DType::F32, &dev).unwrap();
        let b = Tensor::zeros((4, 2), candle_core::DType::F32, &dev).unwrap();
        assert!(matmul(&a, &b).is_err());
    }
}
