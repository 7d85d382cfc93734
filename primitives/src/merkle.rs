//! Binary Merkle tree over a run's checkpoint hashes.
//!
//! Leaf `i` is the hash of the checkpoint after `i * K` steps (leaf 0 is the initial weights),
//! so verifying segment `i` means checking leaves `i` and `i + 1` against the committed root.
//!
//! Construction:
//! * leaves and inner nodes are domain separated (`0x00 || leaf`, `0x01 || left || right`), so
//!   an inner node can never be presented as a leaf (second-preimage attack on plain trees);
//! * an odd node at the end of a level is promoted unchanged to the next level instead of being
//!   paired with a copy of itself, so two different leaf lists never share a root (the
//!   duplicate-last-node ambiguity of CVE-2012-2459);
//! * a proof states the leaf count, which fixes the tree's shape for the verifier, and the
//!   published root commits to that count (`0x02 || count_le32 || top`), so a proof that lies
//!   about the count cannot reach the same root.

use crate::hash::{blake2_256, Hash};
use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The deepest proof accepted: 2^32 leaves is beyond any run.
pub const MAX_PROOF_DEPTH: u32 = 32;

/// Sibling hashes from a leaf up to the root.
#[derive(
    Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MerkleProof {
    /// Index of the proven leaf.
    pub leaf_index: u32,
    /// Number of leaves in the tree; fixes which levels have a sibling.
    pub leaf_count: u32,
    /// Sibling hashes, lowest level first; levels where the node is promoted have none.
    pub siblings: BoundedVec<Hash, ConstU32<MAX_PROOF_DEPTH>>,
}

/// Why a root or proof could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MerkleError {
    /// A tree needs at least one leaf.
    NoLeaves,
    /// The requested leaf index is not below the leaf count.
    IndexOutOfRange,
    /// More than 2^32 leaves.
    TooManyLeaves,
}

fn hash_leaf(leaf: &Hash) -> Hash {
    let mut buf = [0u8; 33];
    buf[1..].copy_from_slice(leaf);
    blake2_256(&buf)
}

fn hash_node(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    blake2_256(&buf)
}

/// The published root: the top of the tree bound to the number of leaves.
fn seal_root(top: &Hash, leaf_count: u32) -> Hash {
    let mut buf = [0u8; 37];
    buf[0] = 2;
    buf[1..5].copy_from_slice(&leaf_count.to_le_bytes());
    buf[5..].copy_from_slice(top);
    blake2_256(&buf)
}

fn next_level(level: &[Hash]) -> Vec<Hash> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [l, r] => hash_node(l, r),
            [only] => *only,
            _ => unreachable!("chunks(2) yields one or two items"),
        })
        .collect()
}

/// Root over `leaves` (in order).
pub fn merkle_root(leaves: &[Hash]) -> Result<Hash, MerkleError> {
    if leaves.is_empty() {
        return Err(MerkleError::NoLeaves);
    }
    if leaves.len() > u32::MAX as usize {
        return Err(MerkleError::TooManyLeaves);
    }
    let mut level: Vec<Hash> = leaves.iter().map(hash_leaf).collect();
    while level.len() > 1 {
        level = next_level(&level);
    }
    Ok(seal_root(&level[0], leaves.len() as u32))
}

/// Proof that `leaves[index]` is under `merkle_root(leaves)`.
pub fn merkle_proof(leaves: &[Hash], index: usize) -> Result<MerkleProof, MerkleError> {
    if leaves.is_empty() {
        return Err(MerkleError::NoLeaves);
    }
    if leaves.len() > u32::MAX as usize {
        return Err(MerkleError::TooManyLeaves);
    }
    if index >= leaves.len() {
        return Err(MerkleError::IndexOutOfRange);
    }
    let mut level: Vec<Hash> = leaves.iter().map(hash_leaf).collect();
    let mut idx = index;
    let mut siblings = Vec::new();
    while level.len() > 1 {
        let sibling = idx ^ 1;
        if sibling < level.len() {
            siblings.push(level[sibling]);
        }
        level = next_level(&level);
        idx /= 2;
    }
    Ok(MerkleProof {
        leaf_index: index as u32,
        leaf_count: leaves.len() as u32,
        // Depth is at most 32 because the leaf count fits in a u32.
        siblings: BoundedVec::truncate_from(siblings),
    })
}

/// Whether `proof` shows that `leaf` is leaf `proof.leaf_index` of the tree with `root`.
/// Any extra or missing sibling makes the proof invalid.
pub fn verify_proof(root: &Hash, leaf: &Hash, proof: &MerkleProof) -> bool {
    if proof.leaf_count == 0 || proof.leaf_index >= proof.leaf_count {
        return false;
    }
    let mut hash = hash_leaf(leaf);
    let mut idx = proof.leaf_index;
    let mut width = proof.leaf_count;
    let mut siblings = proof.siblings.iter();
    while width > 1 {
        let promoted = idx == width - 1 && width % 2 == 1;
        if !promoted {
            let Some(sibling) = siblings.next() else {
                return false;
            };
            hash = if idx % 2 == 0 {
                hash_node(&hash, sibling)
            } else {
                hash_node(sibling, &hash)
            };
        }
        idx /= 2;
        width = width.div_ceil(2);
    }
    siblings.next().is_none() && &seal_root(&hash, proof.leaf_count) == root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| blake2_256(&(i as u64).to_le_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_of_trees_of_many_sizes_has_a_valid_proof() {
        for n in 1..=17 {
            let ls = leaves(n);
            let root = merkle_root(&ls).unwrap();
            for i in 0..n {
                let proof = merkle_proof(&ls, i).unwrap();
                assert!(verify_proof(&root, &ls[i], &proof), "n={n} i={i}");
            }
        }
    }

    #[test]
    fn tampered_leaf_is_rejected_at_every_position() {
        for n in 1..=9 {
            let ls = leaves(n);
            let root = merkle_root(&ls).unwrap();
            for i in 0..n {
                let proof = merkle_proof(&ls, i).unwrap();
                let mut bad = ls[i];
                bad[7] ^= 0x10;
                assert!(!verify_proof(&root, &bad, &proof), "n={n} i={i}");
                // Another real leaf is not accepted in this position either.
                let other = ls[(i + 1) % n];
                if n > 1 {
                    assert!(!verify_proof(&root, &other, &proof), "n={n} i={i}");
                }
            }
        }
    }

    #[test]
    fn tampered_path_is_rejected() {
        let ls = leaves(11);
        let root = merkle_root(&ls).unwrap();
        for i in 0..ls.len() {
            let proof = merkle_proof(&ls, i).unwrap();
            for s in 0..proof.siblings.len() {
                let mut bad = proof.clone();
                bad.siblings[s][0] ^= 1;
                assert!(!verify_proof(&root, &ls[i], &bad), "i={i} sibling={s}");
            }
            let mut wrong_index = proof.clone();
            wrong_index.leaf_index = (proof.leaf_index + 1) % proof.leaf_count;
            assert!(!verify_proof(&root, &ls[i], &wrong_index), "i={i} index");
            let mut wrong_count = proof.clone();
            wrong_count.leaf_count += 1;
            assert!(!verify_proof(&root, &ls[i], &wrong_count), "i={i} count");
            let mut short = proof.clone();
            short.siblings.pop();
            assert!(!verify_proof(&root, &ls[i], &short), "i={i} short");
            let mut long = proof.clone();
            let _ = long.siblings.try_push([0u8; 32]);
            assert!(!verify_proof(&root, &ls[i], &long), "i={i} long");
        }
    }

    #[test]
    fn different_leaf_lists_have_different_roots() {
        // With duplicate-last-node padding, [a, b, c] and [a, b, c, c] would collide.
        let ls = leaves(3);
        let mut padded = ls.clone();
        padded.push(ls[2]);
        assert_ne!(merkle_root(&ls).unwrap(), merkle_root(&padded).unwrap());
        // An inner node is not accepted as a leaf of a one-level-shorter tree.
        let two = leaves(2);
        let root = merkle_root(&two).unwrap();
        assert_ne!(merkle_root(&[root]).unwrap(), root);
    }

    #[test]
    fn empty_tree_and_out_of_range_index_are_errors() {
        assert_eq!(merkle_root(&[]), Err(MerkleError::NoLeaves));
        assert_eq!(
            merkle_proof(&leaves(3), 3),
            Err(MerkleError::IndexOutOfRange)
        );
    }

    #[test]
    fn proof_round_trips_through_scale() {
        let ls = leaves(5);
        let proof = merkle_proof(&ls, 4).unwrap();
        let decoded = MerkleProof::decode(&mut &proof.encode()[..]).unwrap();
        assert_eq!(decoded, proof);
    }
}
