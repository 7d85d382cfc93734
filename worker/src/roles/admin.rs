//! Root's settings of a network: the verification windows of training tasks, which the
//! runtime keeps as `pallet-parameters` values so they change without an upgrade.
use crate::chain::runtime::{
    self,
    runtime_types,
    runtime_types::mlchain_runtime::{
        configs::parameters::{
            dynamic_params::training::{
                AppealWindow, CommitWindow, Parameters as TrainingParameters, RevealWindow,
            },
            RuntimeParameters,
        },
        RuntimeCall,
    },
};
use crate::chain::Chain;
use crate::error::{Error, Result};

/// Lengths in blocks of a committee's commit and reveal windows and of the appeal window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    pub commit: u32,
    pub reveal: u32,
    pub appeal: u32,
}

/// Sets all three windows in one sudo call signed by `chain`'s account (the sudo key).
pub async fn set_windows(chain: &Chain, windows: Windows) -> Result<()> {
    let set = |value: TrainingParameters| {
        RuntimeCall::Parameters(runtime_types::pallet_parameters::pallet::Call::set_parameter {
            key_value: RuntimeParameters::Training(value),
        })
    };
    let calls = vec![
        set(TrainingParameters::CommitWindow(CommitWindow, Some(windows.commit))),
        set(TrainingParameters::RevealWindow(RevealWindow, Some(windows.reveal))),
        set(TrainingParameters::AppealWindow(AppealWindow, Some(windows.appeal))),
    ];
    let batch = RuntimeCall::Utility(runtime_types::pallet_utility::pallet::Call::batch_all { calls });
    let events = chain
        .submit(&runtime::transactions().sudo().sudo(batch))
        .await?;
    // Sudo succeeds as a transaction even when the call it wraps fails: look at its result.
    match events.find_first::<runtime::sudo::events::Sudid>() {
        Some(Ok(sudid)) => match sudid.sudo_result {
            Ok(()) => Ok(()),
            Err(e) => Err(Error::Other(format!("root could not set the windows: {e:?}"))),
        },
        _ => Err(Error::Other("no Sudid event: is this account the sudo key?".into())),
    }
}


