//! The `mlchain-worker` binary end to end: spec new, train --json, replay (match and
//! mismatch exit codes), evaluate, and one-line errors for malformed input.
mod common;

use std::path::Path;
use std::process::Command;

fn worker(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mlchain-worker"))
        .args(args)
        .output()
        .unwrap()
}

fn write_csv(path: &Path, d: &mlchain_worker::data::Dataset) {
    let mut s = String::from("a,b,c,d,label\n");
    for (row, y) in d.features.chunks(4).zip(&d.labels) {
        s += &format!("{},{},{},{},{}\n", row[0], row[1], row[2], row[3], y);
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn train_replay_and_evaluate_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).display().to_string();
    write_csv(&dir.path().join("train.csv"), &common::separable(64, 1));
    write_csv(&dir.path().join("eval.csv"), &common::separable(32, 2));
    let out = worker(&[
        "spec",
        "new",
        "--family",
        "mlp",
        "--inputs",
        "4",
        "--outputs",
        "2",
        "--out",
        &path("spec.json"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Shorten the template so the test stays fast.
    let mut spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("spec.json")).unwrap()).unwrap();
    spec["total_steps"] = 6.into();
    spec["checkpoint_interval"] = 2.into();
    std::fs::write(path("spec.json"), spec.to_string()).unwrap();

    let out = worker(&[
        "train",
        "--json",
        "--spec",
        &path("spec.json"),
        "--data",
        &path("train.csv"),
        "--eval",
        &path("eval.csv"),
        "--out",
        &path("run"),
        "--threads",
        "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "model_hash",
        "checkpoints_root",
        "metric",
        "steps",
        "seconds",
    ] {
        assert!(summary.get(key).is_some(), "missing {key} in {summary}");
    }
    assert_eq!(summary["steps"], 6);

    for segment in ["0", "1", "2"] {
        let out = worker(&[
            "replay",
            "--spec",
            &path("spec.json"),
            "--data",
            &path("train.csv"),
            "--run",
            &path("run"),
            "--segment",
            segment,
            "--threads",
            "1",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "segment {segment}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("match"));
    }

    // A worker that commits a wrong final checkpoint is caught with exit code 3.
    let run_json = path("run/run.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&run_json).unwrap()).unwrap();
    record["leaves"][3] = "00".repeat(32).into();
    std::fs::write(&run_json, record.to_string()).unwrap();
    let out = worker(&[
        "replay",
        "--spec",
        &path("spec.json"),
        "--data",
        &path("train.csv"),
        "--run",
        &path("run"),
        "--segment",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("MISMATCH"));

    let out = worker(&[
        "evaluate",
        "--json",
        "--spec",
        &path("spec.json"),
        "--model",
        &path("run/model.safetensors"),
        "--data",
        &path("eval.csv"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eval: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(eval["metric_ppb"], summary["metric"]);
}

#[test]
fn malformed_inputs_give_one_error_line_and_a_nonzero_exit_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).display().to_string();
    std::fs::write(path("bad.json"), "{\"model\": ").unwrap();
    std::fs::write(path("bad.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(path("junk.safetensors"), "junk").unwrap();
    let spec = worker(&["spec", "new", "--out", &path("spec.json")]);
    assert!(spec.status.success());
    let cases: Vec<Vec<String>> = vec![
        vec![
            "train".into(),
            "--spec".into(),
            path("bad.json"),
            "--data".into(),
            path("bad.csv"),
            "--eval".into(),
            path("bad.csv"),
            "--out".into(),
            path("o"),
        ],
        vec![
            "train".into(),
            "--spec".into(),
            path("spec.json"),
            "--data".into(),
            path("bad.csv"),
            "--eval".into(),
            path("bad.csv"),
            "--out".into(),
            path("o"),
        ],
        vec![
            "evaluate".into(),
            "--spec".into(),
            path("spec.json"),
            "--model".into(),
            path("junk.safetensors"),
            "--data".into(),
            path("bad.csv"),
            "--label-column".into(),
            "b".into(),
        ],
        vec![
            "replay".into(),
            "--spec".into(),
            path("spec.json"),
            "--data".into(),
            path("bad.csv"),
            "--label-column".into(),
            "b".into(),
            "--run".into(),
            path("nope"),
            "--segment".into(),
            "0".into(),
        ],
        vec!["spec".into(), "new".into(), "--family".into(), "rnn".into()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = worker(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1,
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn the_signing_key_comes_from_a_suri_or_a_keystore_and_bad_ones_are_named() {
    let empty = tempfile::tempdir().unwrap();
    let empty = empty.path().to_str().unwrap();
    let windows = ["admin", "set-windows", "--node", "ws://127.0.0.1:1", "--commit", "1", "--reveal", "1", "--appeal", "1"];
    let with = |extra: &[&str]| worker(&[&windows[..], extra].concat());

    // The key is read before the node is contacted, so no node is needed here.
    let out = with(&["--keystore-path", empty]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no `mlcw` key") && stderr.contains("key insert --keystore-path"), "{stderr}");

    let keystore = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/keystore");
    let out = with(&["--keystore-path", keystore, "--password", "not the password"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("wrong password"), "{stderr}");

    // Exactly one of the two.
    for args in [&["--suri", "//Alice", "--keystore-path", keystore][..], &[][..]] {
        let out = with(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: clap's usage error");
    }
}
