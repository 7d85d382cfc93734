//! The same numbers give the same dataset and content hash in every file format; corrupted
//! files are refused with a message naming the file.
mod common;

use mlchain_worker::data::{idx, load, npy};
use std::collections::HashMap;

#[test]
fn csv_npy_idx_and_safetensors_of_the_same_data_hash_identically() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();
    // Small integers, so that u8 IDX files can hold them exactly.
    let features: Vec<f32> = (0..12).map(|i| (i * 7 % 11) as f32).collect();
    let labels = vec![0f32, 1., 1.];

    let mut csv = String::from("f0,f1,label,f2,f3\n");
    for (row, y) in features.chunks(4).zip(&labels) {
        csv += &format!("{},{},{},{},{}\n", row[0], row[1], y, row[2], row[3]);
    }
    std::fs::write(p("d.csv"), csv).unwrap();
    std::fs::write(p("x.npy"), npy::encode_f32(&[3, 4], &features)).unwrap();
    std::fs::write(p("y.npy"), npy::encode_f32(&[3], &labels)).unwrap();
    let as_u8 = |v: &[f32]| v.iter().map(|&x| x as u8).collect::<Vec<u8>>();
    std::fs::write(p("x.idx"), idx::encode_u8(&[3, 4], &as_u8(&features))).unwrap();
    std::fs::write(p("y.idx"), idx::encode_u8(&[3], &as_u8(&labels))).unwrap();
    let fb: Vec<u8> = features.iter().flat_map(|v| v.to_le_bytes()).collect();
    let lb: Vec<u8> = labels.iter().flat_map(|v| v.to_le_bytes()).collect();
    let tensors = HashMap::from([
        (
            "features".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![3, 4], &fb).unwrap(),
        ),
        (
            "labels".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![3], &lb).unwrap(),
        ),
    ]);
    std::fs::write(
        p("d.safetensors"),
        safetensors::serialize(tensors, None).unwrap(),
    )
    .unwrap();

    let reference = load(&p("d.csv"), "label").unwrap();
    assert_eq!(reference.features, features);
    for arg in [
        format!("{},{}", p("x.npy"), p("y.npy")),
        format!("{},{}", p("x.idx"), p("y.idx")),
        p("d.safetensors"),
    ] {
        let d = load(&arg, "label").unwrap();
        assert_eq!(d, reference, "{arg}");
        assert_eq!(d.content_hash(), reference.content_hash(), "{arg}");
    }
    // A one-value change changes the hash.
    let mut changed = features.clone();
    changed[5] += 1.0;
    std::fs::write(p("x2.npy"), npy::encode_f32(&[3, 4], &changed)).unwrap();
    assert_ne!(
        load(&format!("{},{}", p("x2.npy"), p("y.npy")), "label")
            .unwrap()
            .content_hash(),
        reference.content_hash()
    );
}

#[test]
fn corrupted_or_mismatched_files_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();
    let good = npy::encode_f32(&[3, 4], &[0.0; 12]);
    std::fs::write(p("trunc.npy"), &good[..good.len() - 2]).unwrap();
    std::fs::write(p("y.npy"), npy::encode_f32(&[2], &[0.0; 2])).unwrap();
    std::fs::write(p("x.npy"), &good).unwrap();
    std::fs::write(
        p("bad.safetensors"),
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}",
    )
    .unwrap();
    let cases = [
        (format!("{},{}", p("trunc.npy"), p("y.npy")), "trunc.npy"),
        (
            format!("{},{}", p("x.npy"), p("y.npy")),
            "labels have shape",
        ),
        (p("bad.safetensors"), "safetensors"),
        (p("missing.csv"), "missing.csv"),
        (p("data.txt"), "unknown format"),
    ];
    for (arg, needle) in cases {
        let err = load(&arg, "label").unwrap_err().to_string();
        assert!(err.contains(needle), "{arg}: {err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }
}
