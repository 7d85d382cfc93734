//! Deterministic evaluation: accuracy and mean loss of a model on a dataset.
use crate::checkpoint::Entry;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::kernels::loss::{cross_entropy_value, mse_value};
use crate::model::{Mode, Model};
use candle_core::{Device, Tensor};
use mlchain_primitives::{Loss, Metric, TaskSpec, PPB};
use std::collections::BTreeMap;

/// Evaluation results; `metric_ppb` is the spec's metric in parts per billion.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// Correct predictions / examples (cross-entropy models only).
    pub accuracy: Option<f64>,
    pub loss: f32,
    pub metric_ppb: u64,
    pub passes: bool,
}

/// Examples evaluated per forward pass; does not affect results (rows are independent).
const EVAL_BATCH: usize = 256;

pub fn evaluate(spec: &TaskSpec, model: &Model, data: &Dataset) -> Result<Evaluation> {
    data.check_fits(spec)?;
    let n = data.len();
    let mut outputs = Vec::new();
    let mut width = 0;
    for start in (0..n).step_by(EVAL_BATCH) {
        let rows: Vec<usize> = (start..(start + EVAL_BATCH).min(n)).collect();
        let x = Tensor::from_vec(
            data.gather_features(&rows),
            (rows.len(), data.example_size()),
            &Device::Cpu,
        )?;
        let out = model.forward(&x, Mode::Eval)?;
        width = out.dim(1)?;
        outputs.extend(out.flatten_all()?.to_vec1::<f32>()?);
    }
    let all: Vec<usize> = (0..n).collect();
    let (accuracy, loss) = match spec.loss {
        Loss::CrossEntropy => {
            let labels = data.class_labels(&all);
            let correct = outputs
                .chunks(width)
                .zip(&labels)
                .filter(|&(row, &y)| argmax(row) == y as usize)
                .count();
            (
                Some(correct as u64),
                cross_entropy_value(&outputs, &labels, width),
            )
        }
        Loss::Mse => (None, mse_value(&outputs, &data.gather_labels(&all))),
    };
    let (metric_ppb, passes) = match spec.metric {
        Metric::Accuracy => {
            let correct = accuracy.ok_or_else(|| {
                Error::Mismatch("accuracy needs a cross-entropy (classification) spec".into())
            })?;
            // Integer maths: the chain compares this number, so no float rounding enters it.
            let ppb = correct * PPB as u64 / n as u64;
            (ppb, ppb >= spec.threshold_ppb)
        }
        Metric::Loss => {
            // NaN or infinite: the worst loss, never a pass (a cast would make NaN 0).
            let ppb = mlchain_primitives::loss_to_ppb(loss as f64);
            (ppb, ppb <= spec.threshold_ppb)
        }
    };
    Ok(Evaluation {
        accuracy: accuracy.map(|c| c as f64 / n as f64),
        loss,
        metric_ppb,
        passes,
    })
}

/// Index of the first largest value.
fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold(0, |best, (i, &v)| if v > row[best] { i } else { best })
}

/// Builds the spec's model with the given parameters.
pub fn model_from_params(spec: &TaskSpec, params: &BTreeMap<String, Entry>) -> Result<Model> {
    let model = Model::new(spec)?;
    if params.len() != model.params().entries.len() {
        return Err(Error::Mismatch(format!(
            "the model file has {} tensors, the spec's model has {}",
            params.len(),
            model.params().entries.len()
        )));
    }
    for (name, var) in &model.params().entries {
        let e = params
            .get(name)
            .ok_or_else(|| Error::Mismatch(format!("the model file has no tensor {name:?}")))?;
        if e.shape != var.dims() {
            return Err(Error::Mismatch(format!(
                "tensor {name:?} has shape {:?}, the spec's model needs {:?}",
                e.shape,
                var.dims()
            )));
        }
        var.set(&Tensor::from_vec(
            e.values.clone(),
            var.dims(),
            &Device::Cpu,
        )?)?;
    }
    Ok(model)
}
