//! mlchain's deterministic training engine.
//!
//! Same spec + same data + same seed gives bit-identical checkpoints on any machine and any
//! thread count (see `docs/determinism.md`). The pieces:
//! * [`spec`]: loading and checking the task spec; fixed-point hyper-parameters to `f32`.
//! * [`data`]: CSV / `.npy` / IDX / safetensors loaders, the layout-independent dataset hash and
//!   the counter-based data order.
//! * [`kernels`]: fixed-order candle `CustomOp`s (matmul, bias, activations, losses, conv, pool).
//! * [`model`]: the model families built from those kernels.
//! * [`optim`], [`train`], [`checkpoint`], [`replay`], [`eval`]: the run itself.
//! * [`synthetic`]: generated datasets and specs (tests, benchmarks, self-test, demo).
//! * [`selftest`]: checks this machine against the golden hashes of every family.
//! * [`store`]: the content-addressed artifact store (RocksDB) and the root that names an
//!   artifact; [`p2p`]: serving and fetching artifacts between workers over libp2p.
//! * [`cli`]: the `mlchain-worker` command line.
pub mod chain;
pub mod checkpoint;
pub mod cli;
pub mod data;
pub mod error;
pub mod eval;
pub mod kernels;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod p2p;
pub mod replay;
pub mod roles;
pub mod rng;
pub mod selftest;
pub mod spec;
pub mod store;
pub mod synthetic;
pub mod train;

pub use error::{Error, Result};
