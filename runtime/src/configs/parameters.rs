//! Parameters that root (sudo today, governance later) may change without a runtime upgrade,
//! through `pallet-parameters`' `set_parameter`: the verification windows of training tasks,
//! declared for both runtimes by [`mlchain_runtime_common::training_parameters!`].
//!
//! Every other number stays a constant in its pallet's config file, where a change is reviewed
//! as code.

use crate::{constants::time::MINUTES, Runtime, RuntimeEvent};

mlchain_runtime_common::training_parameters!(runtime: Runtime, minutes: MINUTES);
