//! Parameters root may change without a runtime upgrade: the verification windows of training
//! tasks, declared for both runtimes by [`mlchain_runtime_common::training_parameters!`] (the
//! same five, two and two minutes as on the solochain, in 6-second blocks).

use crate::{constants::time::MINUTES, Runtime, RuntimeEvent};

mlchain_runtime_common::training_parameters!(runtime: Runtime, minutes: MINUTES);
