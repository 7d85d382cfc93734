//! Artifact transfer throughput over loopback, beside its baseline in the same run:
//! - `transfer/p2p-fetch`: one node fetches a 64 MiB artifact (1 MiB chunks) from another
//!   over TCP + noise + yamux on 127.0.0.1 into an empty store, checking every chunk's hash;
//! - `transfer/fs-copy`: `std::fs::copy` of the same 64 MiB file on the same file system;
//! - `transfer/store-add` and `transfer/store-get`: importing the file into a store and
//!   exporting it again, to show where the fetch's time goes.
//!
//!   cargo bench -p mlchain-worker --bench transfer
//!
//! Results are in docs/benchmarks.md ("Artifact transfer").
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use libp2p::identity::Keypair;
use mlchain_worker::p2p::{fetch, ArtifactSource, FetchOptions, Node, Provider};
use mlchain_worker::store::{ArtifactKind, Store};
use std::sync::Arc;
use std::time::Duration;

const SIZE: usize = 64 << 20;

fn payload() -> Vec<u8> {
    // Pseudo-random, so neither RocksDB nor the chunker can shortcut it.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..SIZE / 8)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()
        })
        .collect()
}

fn transfer(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("artifact.bin");
    std::fs::write(&file, payload()).expect("write payload");
    let source = Arc::new(Store::open(dir.path().join("source")).expect("source store"));
    let root = source.put_file(ArtifactKind::Model, &file).expect("add");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (server, client) = rt.block_on(async {
        let listen = "/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr");
        let served: Arc<dyn ArtifactSource> = source.clone();
        let server = Node::start(Keypair::generate_ed25519(), &[listen], Some(served))
            .await
            .expect("server");
        let client = Node::start(Keypair::generate_ed25519(), &[], None)
            .await
            .expect("client");
        (server, client)
    });
    let provider = Provider {
        peer: server.peer_id(),
        addr: server.listen_addrs()[0].clone(),
    };

    let mut group = c.benchmark_group("transfer");
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(3));
    group.measurement_time(Duration::from_secs(30));
    let fresh_store = || {
        let d = tempfile::tempdir_in(dir.path()).expect("temp dir");
        let store = Arc::new(Store::open(d.path()).expect("store"));
        (d, store)
    };
    group.bench_function("p2p-fetch", |b| {
        b.iter_batched(
            fresh_store,
            |(d, store)| {
                let report = rt
                    .block_on(fetch(
                        &client,
                        &store,
                        root,
                        std::slice::from_ref(&provider),
                        FetchOptions::default(),
                        |_| {},
                    ))
                    .expect("fetch");
                assert_eq!(report.fetched, 64);
                (d, store)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("fs-copy", |b| {
        b.iter_batched(
            || dir.path().join("copy.bin"),
            |to| {
                std::fs::copy(&file, &to).expect("copy");
                to
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("store-add", |b| {
        b.iter_batched(
            fresh_store,
            |(d, store)| {
                store.put_file(ArtifactKind::Model, &file).expect("add");
                (d, store)
            },
            BatchSize::PerIteration,
        )
    });
    let out = dir.path().join("exported.bin");
    group.bench_function("store-get", |b| {
        b.iter(|| source.export(&root, &out).expect("export"))
    });
    group.finish();
    drop((server, client));
}

criterion_group!(benches, transfer);
criterion_main!(benches);
