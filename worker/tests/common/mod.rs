//! The generated datasets and specs of the library, shared by the integration tests.
#![allow(dead_code, unused_imports)]
pub use mlchain_worker::synthetic::*;
