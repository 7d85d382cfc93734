//! The data order: which examples form the batch of any step.
//!
//! Examples are drawn epoch by epoch; epoch `e` visits the dataset in a permutation that is a
//! pure function of `(seed, e)` (a Fisher–Yates shuffle driven by the counter-based RNG), and
//! step `t` takes positions `t * batch .. (t + 1) * batch` of the concatenated epochs. So the
//! batch of any step is computed directly, without replaying earlier steps.
use crate::rng::{below, u64_at, Stream};

pub struct DataOrder {
    seed: u64,
    len: usize,
    batch: usize,
    /// The last permutation computed, by epoch, since consecutive steps share epochs.
    cache: Option<(u64, Vec<usize>)>,
}

impl DataOrder {
    pub fn new(seed: u64, len: usize, batch: usize) -> Self {
        Self {
            seed,
            len,
            batch,
            cache: None,
        }
    }

    /// The permutation of `0..len` used in `epoch`.
    pub fn permutation(&self, epoch: u64) -> Vec<usize> {
        let mut perm: Vec<usize> = (0..self.len).collect();
        for i in (1..self.len).rev() {
            let j = below(
                u64_at(self.seed, Stream::DataOrder, epoch, i as u64),
                i as u64 + 1,
            ) as usize;
            perm.swap(i, j);
        }
        perm
    }

    /// Example indices of step `step`'s batch.
    pub fn batch(&mut self, step: u64) -> Vec<usize> {
        let start = step * self.batch as u64;
        (start..start + self.batch as u64)
            .map(|pos| {
                let (epoch, offset) = (pos / self.len as u64, (pos % self.len as u64) as usize);
                if self.cache.as_ref().map(|(e, _)| *e) != Some(epoch) {
                    self.cache = Some((epoch, self.permutation(epoch)));
                }
                self.cache
                    .as_ref()
                    .map(|(_, p)| p[offset])
                    .unwrap_or(offset)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_epoch_visits_every_example_once() {
        let order = DataOrder::new(3, 10, 4);
        for epoch in 0..3 {
            let mut p = order.permutation(epoch);
            p.sort();
            assert_eq!(p, (0..10).collect::<Vec<_>>());
        }
        assert_ne!(order.permutation(0), order.permutation(1));
    }

    #[test]
    fn any_step_is_computed_without_replaying_earlier_steps() {
        let mut sequential = DataOrder::new(9, 7, 3);
        let all: Vec<Vec<usize>> = (0..10).map(|t| sequential.batch(t)).collect();
        for t in (0..10).rev() {
            assert_eq!(
                DataOrder::new(9, 7, 3).batch(t),
                all[t as usize],
                "step {t}"
            );
        }
    }

    #[test]
    fn seed_changes_the_order() {
        assert_ne!(
            DataOrder::new(1, 50, 5).batch(0),
            DataOrder::new(2, 50, 5).batch(0)
        );
    }
}
