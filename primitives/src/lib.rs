//! Types shared by the mlchain runtime and the worker.
//!
//! * [`spec`]: the training task specification a requester posts on-chain and the worker
//!   trains from. Every hyper-parameter is a fixed-point integer (parts per billion), so the
//!   runtime reads and checks specs without ever doing float maths.
//! * [`hash`]: blake2b-256, the one hash function of artifacts, checkpoints and Merkle nodes.
//! * [`merkle`]: the binary Merkle tree over a run's checkpoint hashes, its proofs and their
//!   verification. The worker builds proofs with exactly the code the runtime verifies them with.
//! * [`training`]: verdicts, their commit-reveal commitments and verifier assignments, shared
//!   by the training pallet, its runtime API and the worker.
//!
//! The crate is `no_std` (with `alloc`); `std` is a default feature and `serde` adds JSON
//! (de)serialisation for the worker's command line.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod cost;
pub mod economics;
pub mod hash;
pub mod merkle;
pub mod spec;
pub mod training;

pub use hash::{blake2_256, Hash};
pub use merkle::{merkle_proof, merkle_root, verify_proof, MerkleError, MerkleProof};
pub use spec::*;
