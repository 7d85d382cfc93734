//! The engine actually learns.
mod common;

use mlchain_primitives::TaskSpec;
use mlchain_worker::eval::evaluate;
use mlchain_worker::train::Trainer;
use std::sync::Arc;

fn train_and_evaluate(
    mut spec: TaskSpec,
    train: mlchain_worker::data::Dataset,
    eval: &mlchain_worker::data::Dataset,
) -> f64 {
    spec.total_steps = 150;
    spec.checkpoint_interval = 50;
    spec.schedule = mlchain_primitives::LrSchedule::WarmupCosine {
        peak_ppb: 30_000_000,
        final_ppb: 1_000_000,
        warmup_steps: 10,
    };
    let mut t = Trainer::new(&spec, Arc::new(train)).unwrap();
    while t.step < spec.total_steps as u64 {
        t.step().unwrap();
    }
    let result = evaluate(&spec, &t.model, eval).unwrap();
    assert_eq!(result.passes, result.metric_ppb >= spec.threshold_ppb);
    result.accuracy.unwrap()
}

#[test]
fn mlp_learns_a_separable_dataset_to_at_least_95_percent() {
    let eval = common::separable(200, 77);
    let before = evaluate(
        &common::mlp_spec(),
        &mlchain_worker::model::Model::new(&common::mlp_spec()).unwrap(),
        &eval,
    )
    .unwrap();
    let acc = train_and_evaluate(common::mlp_spec(), common::separable(400, 5), &eval);
    assert!(
        acc >= 0.95,
        "accuracy {acc} (untrained: {:?})",
        before.accuracy
    );
}

#[test]
fn transformer_learns_to_count() {
    let eval = common::counting(50, 79, 8, 6);
    let acc = train_and_evaluate(
        common::transformer_spec(),
        common::counting(200, 7, 8, 6),
        &eval,
    );
    assert!(acc >= 0.9, "accuracy {acc}");
}

#[test]
fn cnn_learns_which_half_of_the_image_is_bright() {
    let eval = common::images(100, 78);
    let acc = train_and_evaluate(common::cnn_spec(), common::images(200, 6), &eval);
    assert!(acc >= 0.9, "accuracy {acc}");
}
