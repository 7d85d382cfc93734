//! The training loop: one step at a time, checkpoints every K steps, the run's commitment.
use crate::checkpoint::{save_model, Checkpoint, Entry};
use crate::data::{order::DataOrder, Dataset};
use crate::error::{Error, Result};
use crate::kernels::{cross_entropy, mse};
use crate::model::{Mode, Model};
use crate::optim::Optimizer;
use candle_core::{Device, Tensor};
use mlchain_primitives::{merkle_root, Hash, Loss, TaskSpec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A model, its optimiser state and the data, positioned after `step` steps.
pub struct Trainer {
    pub spec: TaskSpec,
    pub model: Model,
    pub optimizer: Optimizer,
    pub step: u64,
    data: Arc<Dataset>,
    order: DataOrder,
    /// Seed of the data order and dropout (the initial weights come from `spec.seed`).
    run_seed: u64,
}

/// The spec's initial weights (from `spec.seed`) with a zero optimiser state.
fn initial_state(spec: &TaskSpec) -> Result<(Model, Optimizer)> {
    let model = Model::new(spec)?;
    let sizes: Vec<usize> = model
        .params()
        .entries
        .iter()
        .map(|(_, v)| v.elem_count())
        .collect();
    let optimizer = Optimizer::new(spec.optimizer.clone(), &sizes);
    Ok((model, optimizer))
}

/// Checkpoint 0 of every run of `spec`: the initial weights its seed defines, a zero optimiser
/// state, step 0. Leaf 0 of a committed run must be its hash, whoever trained it.
pub fn initial_checkpoint(spec: &TaskSpec) -> Result<Checkpoint> {
    let (model, optimizer) = initial_state(spec)?;
    state_checkpoint(&model, &optimizer, 0)
}

impl Trainer {
    /// A fresh run seeded by `spec.seed` alone (local runs and tests): initial weights, zero
    /// optimiser state, step 0.
    pub fn new(spec: &TaskSpec, data: Arc<Dataset>) -> Result<Self> {
        Self::for_run(spec, data, spec.seed)
    }

    /// A fresh run of a task: the spec's initial weights, data order and dropout from
    /// `run_seed` ([`mlchain_primitives::training::run_seed`] of the task, worker and attempt).
    pub fn for_run(spec: &TaskSpec, data: Arc<Dataset>, run_seed: u64) -> Result<Self> {
        data.check_fits(spec)?;
        let (model, optimizer) = initial_state(spec)?;
        let order = DataOrder::new(run_seed, data.len(), spec.batch_size as usize);
        Ok(Self {
            spec: spec.clone(),
            model,
            optimizer,
            step: 0,
            data,
            order,
            run_seed,
        })
    }

    /// Resumes a run seeded by `spec.seed` from a checkpoint.
    pub fn from_checkpoint(spec: &TaskSpec, data: Arc<Dataset>, ck: &Checkpoint) -> Result<Self> {
        Self::resume(spec, data, ck, spec.seed)
    }

    /// Resumes the run of `run_seed` from a checkpoint; every tensor the model needs must be
    /// there with its shape.
    pub fn resume(spec: &TaskSpec, data: Arc<Dataset>, ck: &Checkpoint, run_seed: u64) -> Result<Self> {
        let mut t = Self::for_run(spec, data, run_seed)?;
        let adam = !t.optimizer.v.is_empty();
        let expected = t.model.params().entries.len() * if adam { 3 } else { 2 };
        if ck.tensors.len() != expected {
            return Err(Error::checkpoint(
                format!("at step {}", ck.step),
                format!(
                    "has {} tensors, this spec's model and optimiser need {expected}",
                    ck.tensors.len()
                ),
            ));
        }
        for (i, (name, var)) in t.model.params().entries.iter().enumerate() {
            let get = |key: String| -> Result<&Entry> {
                let e = ck.tensors.get(&key).ok_or_else(|| {
                    Error::checkpoint(
                        format!("at step {}", ck.step),
                        format!("missing tensor {key:?}"),
                    )
                })?;
                if e.shape != var.dims() {
                    return Err(Error::checkpoint(
                        format!("at step {}", ck.step),
                        format!(
                            "tensor {key:?} has shape {:?}, expected {:?}",
                            e.shape,
                            var.dims()
                        ),
                    ));
                }
                Ok(e)
            };
            var.set(&Tensor::from_vec(
                get(format!("param.{name}"))?.values.clone(),
                var.dims(),
                &Device::Cpu,
            )?)?;
            t.optimizer.m[i] = get(format!("optim.m.{name}"))?.values.clone();
            if adam {
                t.optimizer.v[i] = get(format!("optim.v.{name}"))?.values.clone();
            }
        }
        t.step = ck.step;
        Ok(t)
    }

    /// The current state as a checkpoint.
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        state_checkpoint(&self.model, &self.optimizer, self.step)
    }

    /// Model parameters only (the final model file).
    pub fn model_params(&self) -> Result<BTreeMap<String, Entry>> {
        let mut out = BTreeMap::new();
        for (name, var) in &self.model.params().entries {
            out.insert(
                name.clone(),
                Entry {
                    shape: var.dims().to_vec(),
                    values: var.flatten_all()?.to_vec1::<f32>()?,
                },
            );
        }
        Ok(out)
    }

    /// Learning rate and batch of the next step, as the spec prescribes.
    pub fn next_step_inputs(&mut self) -> (f32, Vec<usize>) {
        let lr = crate::spec::learning_rate(
            &self.spec.schedule,
            self.step,
            self.spec.total_steps as u64,
        );
        (lr, self.order.batch(self.step))
    }

    /// One honest step.
    pub fn step(&mut self) -> Result<f32> {
        let (lr, rows) = self.next_step_inputs();
        self.step_with(lr, &rows)
    }

    /// One step with the given learning rate and batch rows; returns the batch loss.
    /// (Public so tests can play a cheating worker.)
    pub fn step_with(&mut self, lr: f32, rows: &[usize]) -> Result<f32> {
        let x = Tensor::from_vec(
            self.data.gather_features(rows),
            (rows.len(), self.data.example_size()),
            &Device::Cpu,
        )?;
        let out = self.model.forward(
            &x,
            Mode::Train {
                seed: self.run_seed,
                step: self.step,
            },
        )?;
        let loss = batch_loss(&self.spec, &self.data, &out, rows)?;
        let grads = loss.backward()?;
        let step = self.step + 1;
        for (i, (name, var)) in self.model.params().entries.iter().enumerate() {
            let mut w = var.flatten_all()?.to_vec1::<f32>()?;
            let g = match grads.get(var.as_tensor()) {
                Some(g) => g.flatten_all()?.to_vec1::<f32>()?,
                None => {
                    return Err(Error::Other(format!(
                        "parameter {name} received no gradient"
                    )))
                }
            };
            self.optimizer.update(i, &mut w, &g, lr, step);
            var.set(&Tensor::from_vec(w, var.dims(), &Device::Cpu)?)?;
        }
        self.step = step;
        Ok(loss.to_scalar::<f32>()?)
    }
}

/// The state of `model` and `optimizer` after `step` steps, as a checkpoint.
fn state_checkpoint(model: &Model, optimizer: &Optimizer, step: u64) -> Result<Checkpoint> {
    let mut tensors = BTreeMap::new();
    for (i, (name, var)) in model.params().entries.iter().enumerate() {
        let shape = var.dims().to_vec();
        tensors.insert(
            format!("param.{name}"),
            Entry {
                shape: shape.clone(),
                values: var.flatten_all()?.to_vec1::<f32>()?,
            },
        );
        tensors.insert(
            format!("optim.m.{name}"),
            Entry {
                shape: shape.clone(),
                values: optimizer.m[i].clone(),
            },
        );
        if let Some(v) = optimizer.v.get(i) {
            tensors.insert(
                format!("optim.v.{name}"),
                Entry {
                    shape,
                    values: v.clone(),
                },
            );
        }
    }
    Ok(Checkpoint { step, tensors })
}

/// The spec's loss of model outputs on dataset `rows`.
pub fn batch_loss(spec: &TaskSpec, data: &Dataset, out: &Tensor, rows: &[usize]) -> Result<Tensor> {
    Ok(match spec.loss {
        Loss::CrossEntropy => cross_entropy(out, Arc::new(data.class_labels(rows)))?,
        Loss::Mse => {
            let target = Tensor::from_vec(
                data.gather_labels(rows),
                (rows.len(), data.label_width),
                &Device::Cpu,
            )?;
            mse(out, &target)?
        }
    })
}

/// What a finished run commits to.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct RunRecord {
    pub model_hash: String,
    pub checkpoints_root: String,
    /// Checkpoint hashes at steps 0, K, 2K, ..., S (hex).
    pub leaves: Vec<String>,
    pub train_dataset: String,
    pub steps: u64,
    pub checkpoint_interval: u64,
}

pub fn checkpoint_path(run: &Path, index: usize) -> PathBuf {
    run.join("checkpoints")
        .join(format!("ckpt-{index:05}.safetensors"))
}

/// Builds a rayon pool with `threads` threads (0: rayon's default) for the kernels.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Other(format!("thread pool: {e}")))
}

/// Trains a whole run into `out`: checkpoint files, `model.safetensors` and `run.json`.
/// `on_step` is called after every step with the step number and the batch loss.
pub fn train_run(
    spec: &TaskSpec,
    data: Arc<Dataset>,
    out: &Path,
    on_step: impl FnMut(u64, f32),
) -> Result<RunRecord> {
    train_run_seeded(spec, data, out, spec.seed, on_step)
}

/// [`train_run`] of a task's run, whose data order and dropout come from `run_seed`.
pub fn train_run_seeded(
    spec: &TaskSpec,
    data: Arc<Dataset>,
    out: &Path,
    run_seed: u64,
    mut on_step: impl FnMut(u64, f32),
) -> Result<RunRecord> {
    check_dataset_hash(spec.train_dataset, &data, "training")?;
    let mkdir = |p: &Path| {
        std::fs::create_dir_all(p).map_err(|source| Error::Io {
            path: p.to_path_buf(),
            source,
        })
    };
    mkdir(&out.join("checkpoints"))?;
    let mut trainer = Trainer::for_run(spec, data.clone(), run_seed)?;
    let interval = spec.checkpoint_interval as u64;
    let mut leaves: Vec<Hash> = Vec::new();
    let first = trainer.checkpoint()?;
    first.save(&checkpoint_path(out, 0))?;
    leaves.push(first.hash());
    while trainer.step < spec.total_steps as u64 {
        let loss = trainer.step()?;
        on_step(trainer.step, loss);
        if trainer.step % interval == 0 {
            let ck = trainer.checkpoint()?;
            ck.save(&checkpoint_path(out, leaves.len()))?;
            leaves.push(ck.hash());
        }
    }
    let model_hash = save_model(&out.join("model.safetensors"), &trainer.model_params()?)?;
    let root = merkle_root(&leaves).map_err(|e| Error::Other(format!("merkle root: {e:?}")))?;
    let hex = mlchain_primitives::hash::to_hex;
    let record = RunRecord {
        model_hash: hex(&model_hash),
        checkpoints_root: hex(&root),
        leaves: leaves.iter().map(hex).collect(),
        train_dataset: hex(&data.content_hash()),
        steps: trainer.step,
        checkpoint_interval: interval,
    };
    let json = serde_json::to_vec_pretty(&record).map_err(|e| Error::Other(e.to_string()))?;
    let path = out.join("run.json");
    std::fs::write(&path, json).map_err(|source| Error::Io { path, source })?;
    Ok(record)
}

/// A spec's dataset id must match the data given (all zeros: the spec does not pin it).
pub fn check_dataset_hash(expected: Hash, data: &Dataset, role: &str) -> Result<()> {
    let actual = data.content_hash();
    if expected != [0; 32] && expected != actual {
        let hex = mlchain_primitives::hash::to_hex;
        return Err(Error::Mismatch(format!(
            "the {role} data hashes to {}, the spec expects {}",
            hex(&actual),
            hex(&expected)
        )));
    }
    Ok(())
}
