use super::*;
use std::io::Read;

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

fn open(dir: &Path) -> Store {
    Store::open(dir).expect("open store").with_chunk_size(1024)
}

#[test]
fn bytes_round_trip_through_put_get_reader_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let data = bytes(5 * 1024 + 17, 1);
    let root = store.put_bytes(ArtifactKind::Dataset, &data).unwrap();
    assert!(store.has(&root).unwrap());
    let manifest = store.manifest(&root).unwrap().unwrap();
    assert_eq!(
        (manifest.size, manifest.chunks.len()),
        (data.len() as u64, 6)
    );
    assert_eq!(manifest.root(), root);
    assert_eq!(store.get_bytes(&root).unwrap(), data);
    let mut streamed = Vec::new();
    store
        .get(&root)
        .unwrap()
        .read_to_end(&mut streamed)
        .unwrap();
    assert_eq!(streamed, data);
    let out = dir.path().join("out.bin");
    assert_eq!(store.export(&root, &out).unwrap(), data.len() as u64);
    assert_eq!(std::fs::read(&out).unwrap(), data);
    assert!(store.is_pinned(&root).unwrap());
}

#[test]
fn file_and_empty_artifacts_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let file = dir.path().join("in.bin");
    let data = bytes(3000, 2);
    std::fs::write(&file, &data).unwrap();
    let root = store.put_file(ArtifactKind::Model, &file).unwrap();
    assert_eq!(
        root,
        Manifest::of_bytes(ArtifactKind::Model, &data, 1024).root()
    );
    assert_eq!(store.get_bytes(&root).unwrap(), data);
    let empty = store.put_bytes(ArtifactKind::Run, &[]).unwrap();
    assert_eq!(store.get_bytes(&empty).unwrap(), Vec::<u8>::new());
    let missing = dir.path().join("nope.bin");
    assert!(matches!(
        store.put_file(ArtifactKind::Model, &missing),
        Err(StoreError::Io { .. })
    ));
}

#[test]
fn identical_chunks_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // Four identical chunks, then the same bytes again under another kind.
    let data = [
        bytes(1024, 3),
        bytes(1024, 3),
        bytes(1024, 3),
        bytes(1024, 3),
    ]
    .concat();
    let a = store.put_bytes(ArtifactKind::Dataset, &data).unwrap();
    let b = store.put_bytes(ArtifactKind::Model, &data).unwrap();
    assert_ne!(a, b, "the kind is part of the root");
    let chunks = store
        .db
        .iterator_cf(store.cf(CF_CHUNKS), IteratorMode::Start)
        .count();
    assert_eq!(chunks, 1);
    assert_eq!(store.list().unwrap().len(), 2);
}

#[test]
fn gc_keeps_pinned_artifacts_and_deletes_unpinned_and_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let shared = bytes(1024, 4);
    let kept_data = [shared.clone(), bytes(1024, 5)].concat();
    let dropped_data = [shared.clone(), bytes(1024, 6), bytes(10, 7)].concat();
    let kept = store.put_bytes(ArtifactKind::Dataset, &kept_data).unwrap();
    let dropped = store
        .put_bytes(ArtifactKind::Dataset, &dropped_data)
        .unwrap();
    let orphan = bytes(1024, 8);
    store.put_chunk(&blake2_256(&orphan), &orphan).unwrap();
    store.unpin(&dropped).unwrap();

    let report = store.gc().unwrap();
    assert_eq!(report.manifests_removed, 1);
    assert_eq!(report.chunks_removed, 3, "two of `dropped` and the orphan");
    assert_eq!(report.bytes_freed, 1024 + 10 + 1024);
    assert_eq!(store.get_bytes(&kept).unwrap(), kept_data);
    assert!(!store.has(&dropped).unwrap());
    assert!(matches!(
        store.get_bytes(&dropped),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.gc().unwrap(), GcReport::default());
}

#[test]
fn put_chunk_refuses_bytes_that_do_not_match_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let good = bytes(100, 9);
    let err = store
        .put_chunk(&blake2_256(&good), &bytes(100, 10))
        .unwrap_err();
    assert!(matches!(err, StoreError::ChunkMismatch { .. }), "{err}");
    assert!(!store.chunk_is_intact(&blake2_256(&good)).unwrap());
    let huge = vec![0u8; MAX_CHUNK_SIZE as usize + 1];
    assert!(matches!(
        store.put_chunk(&blake2_256(&huge), &huge),
        Err(StoreError::ChunkTooLarge { .. })
    ));
}

/// Overwrites a value through RocksDB itself, as disk corruption would, with the store closed.
fn corrupt_on_disk(dir: &Path, cf: &str, key: &[u8], value: &[u8]) {
    let db = DB::open_cf(&Options::default(), dir, [CF_CHUNKS, CF_MANIFESTS, CF_PINS, CF_NAMES]).unwrap();
    db.put_cf(db.cf_handle(cf).unwrap(), key, value).unwrap();
}

#[test]
fn corrupted_chunk_on_disk_is_an_error_naming_artifact_and_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let data = bytes(3 * 1024, 11);
    let (root, manifest) = {
        let store = open(dir.path());
        let root = store.put_bytes(ArtifactKind::Checkpoint, &data).unwrap();
        (root, store.manifest(&root).unwrap().unwrap())
    };
    let mut flipped = data[1024..2048].to_vec();
    flipped[5] ^= 0x40;
    corrupt_on_disk(dir.path(), CF_CHUNKS, &manifest.chunks[1], &flipped);

    let store = open(dir.path());
    let err = store.get_bytes(&root).unwrap_err();
    assert!(matches!(
        err,
        StoreError::CorruptChunk {
            chunk: ChunkRef { index: Some(1), .. },
            ..
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains(&root.to_string()) && text.contains("chunk #1"),
        "{text}"
    );
    // The streaming reader stops at the same chunk, after handing out only chunk 0.
    let mut reader = store.get(&root).unwrap();
    let mut out = Vec::new();
    let io_err = reader.read_to_end(&mut out).unwrap_err();
    assert!(io_err.to_string().contains("chunk #1"), "{io_err}");
    assert_eq!(out, data[..1024]);
    // Export leaves nothing behind, and a corrupt chunk counts as missing so a fetch repairs it.
    let target = dir.path().join("x.bin");
    assert!(store.export(&root, &target).is_err());
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| {
        let name = e.unwrap().file_name();
        !name.to_string_lossy().contains("x.bin")
    }));
    assert_eq!(store.missing_chunks(&manifest).unwrap(), vec![1]);
    store
        .put_chunk(&manifest.chunks[1], &data[1024..2048])
        .unwrap();
    assert_eq!(store.get_bytes(&root).unwrap(), data);
}

#[test]
fn corrupted_manifest_on_disk_is_reported_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mut encoded) = {
        let store = open(dir.path());
        let root = store
            .put_bytes(ArtifactKind::Dataset, &bytes(2048, 12))
            .unwrap();
        (root, store.manifest_bytes(&root).unwrap().unwrap())
    };
    let last = encoded.len() - 1;
    encoded[last] ^= 1;
    corrupt_on_disk(dir.path(), CF_MANIFESTS, &root.0, &encoded);
    let store = open(dir.path());
    assert!(matches!(
        store.get_bytes(&root),
        Err(StoreError::CorruptManifest { .. })
    ));
    // gc must not guess which chunks a corrupt pinned manifest needs.
    assert!(matches!(
        store.gc(),
        Err(StoreError::CorruptManifest { .. })
    ));
}

/// A reader that fails after `left` bytes, like a crash or a disk error mid-import.
struct FailingReader {
    data: Vec<u8>,
    pos: usize,
    fail_at: usize,
}

impl Read for FailingReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.fail_at {
            return Err(std::io::Error::other("simulated failure"));
        }
        let n = out
            .len()
            .min(self.fail_at - self.pos)
            .min(self.data.len() - self.pos);
        out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn import_interrupted_midway_leaves_no_manifest_and_reopens_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = bytes(4 * 1024, 13);
    let expected = Manifest::of_bytes(ArtifactKind::Dataset, &data, 1024);
    {
        let store = open(dir.path());
        let reader = FailingReader {
            data: data.clone(),
            pos: 0,
            fail_at: 2 * 1024 + 100,
        };
        let err = store
            .put_reader(ArtifactKind::Dataset, reader, Path::new("in.bin"))
            .unwrap_err();
        assert!(err.to_string().contains("simulated failure"), "{err}");
        // Dropped here without any cleanup, as a killed process would.
    }
    let store = open(dir.path());
    assert!(!store.has(&expected.root()).unwrap());
    assert!(store.list().unwrap().is_empty());
    assert_eq!(store.missing_chunks(&expected).unwrap(), vec![2, 3]);
    // The same import finishes later, reusing the two chunks already written...
    let root = store.put_bytes(ArtifactKind::Dataset, &data).unwrap();
    assert_eq!(root, expected.root());
    assert_eq!(store.get_bytes(&root).unwrap(), data);
}

#[test]
fn manifest_is_refused_until_every_chunk_is_present() {
    let dir = tempfile::tempdir().unwrap();
    let data = bytes(3 * 1024, 14);
    let manifest = Manifest::of_bytes(ArtifactKind::Model, &data, 1024);
    {
        let store = open(dir.path());
        store.put_chunk(&manifest.chunks[0], &data[..1024]).unwrap();
        store.put_chunk(&manifest.chunks[2], &data[2048..]).unwrap();
        let err = store.put_manifest(&manifest, true).unwrap_err();
        assert!(
            matches!(err, StoreError::Incomplete { missing: 1, .. }),
            "{err}"
        );
    }
    let store = open(dir.path());
    assert_eq!(store.missing_chunks(&manifest).unwrap(), vec![1]);
    store
        .put_chunk(&manifest.chunks[1], &data[1024..2048])
        .unwrap();
    let root = store.put_manifest(&manifest, false).unwrap();
    assert_eq!(store.get_bytes(&root).unwrap(), data);
    assert!(!store.is_pinned(&root).unwrap());
    // Unpinned and unreferenced chunks are gone after gc, orphans of a fetch included.
    assert_eq!(store.gc().unwrap().chunks_removed, 3);
}

#[test]
fn second_open_of_a_store_in_use_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let _first = open(dir.path());
    let err = Store::open(dir.path()).err().expect("second open fails");
    assert!(err.to_string().contains("another mlchain-worker"), "{err}");
}

#[test]
fn names_resolve_to_stored_artifacts_and_are_answered_over_the_protocol() {
    use crate::p2p::{ArtifactSource, Request, Response};
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let root = store.put_bytes(ArtifactKind::Run, &bytes(100, 3)).unwrap();
    let name = [7u8; 32];
    assert_eq!(store.resolve(&name).unwrap(), None);
    assert_eq!(store.answer(&Request::Resolve { name }), Response::NotFound);
    store.set_name(&name, &root).unwrap();
    assert_eq!(store.resolve(&name).unwrap(), Some(root));
    assert_eq!(store.answer(&Request::Resolve { name }), Response::Resolved(root));
    // A name can only point at something the store holds.
    let absent = ArtifactId([9; 32]);
    assert!(matches!(store.set_name(&[8; 32], &absent), Err(StoreError::NotFound(_))));
    // After the artifact is collected, the name is no longer answered.
    store.unpin(&root).unwrap();
    store.gc().unwrap();
    assert_eq!(store.answer(&Request::Resolve { name }), Response::NotFound);
}
