//! The worker's content-addressed artifact store (RocksDB).
//!
//! Layout: one RocksDB database with three column families:
//! * `chunks`: chunk hash (32 bytes) -> chunk bytes (at most [`MAX_CHUNK_SIZE`]);
//! * `manifests`: artifact root (32 bytes) -> SCALE-encoded [`Manifest`];
//! * `pins`: artifact root -> empty; pinned artifacts survive [`Store::gc`].
//!
//! Invariants, and how they survive a crash:
//! * A manifest is written only after every chunk it lists is in the store, and with its pin in
//!   one `WriteBatch`. RocksDB's write-ahead log is replayed in order after a crash, so a
//!   recovered store that has a manifest also has its chunks; an import or fetch that dies
//!   half-way leaves only unreferenced chunks, which a later fetch reuses and `gc` deletes.
//! * Every chunk is checked against its hash whenever it is read (and every manifest against
//!   its root), so bytes corrupted on disk are reported, naming artifact and chunk, never
//!   returned.
//!
//! One process at a time: RocksDB locks the directory, so `store gc` cannot run beside a
//! `serve` on the same store. Inside a process, `gc` waits for running imports.
pub mod error;
pub mod manifest;

pub use error::{ChunkRef, StoreError};
pub use manifest::{
    ArtifactId, ArtifactKind, Manifest, CHUNK_SIZE, MAX_CHUNKS, MAX_CHUNK_SIZE, ROOT_DOMAIN,
};

use codec::Encode;
use mlchain_primitives::{blake2_256, Hash};
use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, IteratorMode, Options, WriteBatch, WriteOptions, DB,
};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

const CF_CHUNKS: &str = "chunks";
const CF_MANIFESTS: &str = "manifests";
const CF_PINS: &str = "pins";

/// Manifests kept decoded in memory for serving chunks by (root, index).
const MANIFEST_CACHE: usize = 64;

/// One stored artifact, as listed by [`Store::list`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactInfo {
    pub root: ArtifactId,
    pub manifest: Manifest,
    pub pinned: bool,
}

/// What [`Store::gc`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    pub manifests_removed: usize,
    pub chunks_removed: usize,
    pub bytes_freed: u64,
}

/// A content-addressed artifact store in one directory.
pub struct Store {
    db: DB,
    path: PathBuf,
    chunk_size: u32,
    /// Imports hold it shared, `gc` exclusively: gc must not delete the chunks of an import
    /// whose manifest is not written yet.
    gc_lock: RwLock<()>,
    manifests: Mutex<HashMap<ArtifactId, Arc<Manifest>>>,
}

impl Store {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        // Chunks are large and mostly incompressible (weights, images): keep them out of the
        // LSM tree in blob files, uncompressed, so compaction does not rewrite them.
        let mut chunk_opts = Options::default();
        chunk_opts.set_compression_type(rocksdb::DBCompressionType::None);
        chunk_opts.set_enable_blob_files(true);
        chunk_opts.set_min_blob_size(4096);
        chunk_opts.set_enable_blob_gc(true);
        let cfs = vec![
            ColumnFamilyDescriptor::new(CF_CHUNKS, chunk_opts),
            ColumnFamilyDescriptor::new(CF_MANIFESTS, Options::default()),
            ColumnFamilyDescriptor::new(CF_PINS, Options::default()),
        ];
        let db = DB::open_cf_descriptors(&opts, &path, cfs).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        Ok(Store {
            db,
            path,
            chunk_size: CHUNK_SIZE,
            gc_lock: RwLock::new(()),
            manifests: Mutex::new(HashMap::new()),
        })
    }

    /// Uses `chunk_size` (clamped to `1..=MAX_CHUNK_SIZE`) for artifacts added from now on;
    /// tests use small chunks to get many of them cheaply.
    pub fn with_chunk_size(mut self, chunk_size: u32) -> Self {
        self.chunk_size = chunk_size.clamp(1, MAX_CHUNK_SIZE);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cf(&self, name: &str) -> &ColumnFamily {
        // The three families are created in `open`; a missing one is a bug, not bad input.
        self.db
            .cf_handle(name)
            .unwrap_or_else(|| panic!("column family {name} is created in Store::open"))
    }

    /// Adds `bytes` as an artifact of `kind`, pinned; returns its root.
    pub fn put_bytes(&self, kind: ArtifactKind, bytes: &[u8]) -> Result<ArtifactId> {
        self.put_reader(kind, bytes, Path::new("<memory>"))
    }

    /// Adds the file at `path` as an artifact of `kind`, pinned, reading it one chunk at a
    /// time; returns its root.
    pub fn put_file(&self, kind: ArtifactKind, path: &Path) -> Result<ArtifactId> {
        let file = std::fs::File::open(path).map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.put_reader(kind, file, path)
    }

    /// Adds everything `reader` yields; `path` only names the source in errors.
    pub fn put_reader(
        &self,
        kind: ArtifactKind,
        mut reader: impl Read,
        path: &Path,
    ) -> Result<ArtifactId> {
        let _guard = self.gc_lock.read().unwrap_or_else(|e| e.into_inner());
        let mut manifest = Manifest {
            kind,
            size: 0,
            chunk_size: self.chunk_size,
            chunks: Vec::new(),
        };
        let mut buf = vec![0u8; self.chunk_size as usize];
        loop {
            let filled = read_full(&mut reader, &mut buf).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            if filled == 0 {
                break;
            }
            let chunk = &buf[..filled];
            let hash = blake2_256(chunk);
            if !self.chunk_is_intact(&hash)? {
                self.db.put_cf(self.cf(CF_CHUNKS), hash, chunk)?;
            }
            manifest.chunks.push(hash);
            manifest.size += filled as u64;
            if filled < buf.len() {
                break;
            }
        }
        let root = manifest.root();
        manifest
            .check()
            .map_err(|reason| StoreError::InvalidManifest { root, reason })?;
        self.write_manifest(&manifest, true)
    }

    /// Stores a manifest whose chunks are all present (checked), with its pin if `pin`, in one
    /// atomic batch. This is the last step of a fetch.
    pub fn put_manifest(&self, manifest: &Manifest, pin: bool) -> Result<ArtifactId> {
        let _guard = self.gc_lock.read().unwrap_or_else(|e| e.into_inner());
        let root = manifest.root();
        manifest
            .check()
            .map_err(|reason| StoreError::InvalidManifest { root, reason })?;
        let missing = self.missing_chunks(manifest)?.len();
        if missing > 0 {
            return Err(StoreError::Incomplete { root, missing });
        }
        self.write_manifest(manifest, pin)
    }

    fn write_manifest(&self, manifest: &Manifest, pin: bool) -> Result<ArtifactId> {
        let root = manifest.root();
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_MANIFESTS), root.0, manifest.encode());
        if pin {
            batch.put_cf(self.cf(CF_PINS), root.0, b"");
        }
        // Synced: once a root is reported, it survives a power cut.
        let mut sync = WriteOptions::default();
        sync.set_sync(true);
        self.db.write_opt(batch, &sync)?;
        Ok(root)
    }

    /// Whether the store holds the complete artifact `root`.
    pub fn has(&self, root: &ArtifactId) -> Result<bool> {
        Ok(self
            .db
            .get_pinned_cf(self.cf(CF_MANIFESTS), root.0)?
            .is_some())
    }

    /// The manifest of `root`, checked against the root, if the artifact is stored.
    pub fn manifest(&self, root: &ArtifactId) -> Result<Option<Manifest>> {
        Ok(self.cached_manifest(root)?.map(|m| (*m).clone()))
    }

    /// The manifest of `root` as stored (encoded), checked against the root; what `serve`
    /// sends, so the receiver hashes exactly these bytes.
    pub fn manifest_bytes(&self, root: &ArtifactId) -> Result<Option<Vec<u8>>> {
        let Some(bytes) = self.db.get_cf(self.cf(CF_MANIFESTS), root.0)? else {
            return Ok(None);
        };
        Manifest::decode_checked(&bytes, root).map_err(|reason| StoreError::CorruptManifest {
            root: *root,
            reason,
        })?;
        Ok(Some(bytes))
    }

    fn cached_manifest(&self, root: &ArtifactId) -> Result<Option<Arc<Manifest>>> {
        if let Some(m) = self.lock_cache().get(root) {
            return Ok(Some(m.clone()));
        }
        let Some(bytes) = self.db.get_cf(self.cf(CF_MANIFESTS), root.0)? else {
            return Ok(None);
        };
        let manifest = Arc::new(Manifest::decode_checked(&bytes, root).map_err(|reason| {
            StoreError::CorruptManifest {
                root: *root,
                reason,
            }
        })?);
        let mut cache = self.lock_cache();
        if cache.len() >= MANIFEST_CACHE {
            cache.clear();
        }
        cache.insert(*root, manifest.clone());
        Ok(Some(manifest))
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<ArtifactId, Arc<Manifest>>> {
        self.manifests.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every stored artifact, in root order.
    pub fn list(&self) -> Result<Vec<ArtifactInfo>> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(CF_MANIFESTS), IteratorMode::Start)
        {
            let (key, value) = item?;
            let root = root_from_key(&key)?;
            let manifest = Manifest::decode_checked(&value, &root)
                .map_err(|reason| StoreError::CorruptManifest { root, reason })?;
            out.push(ArtifactInfo {
                root,
                pinned: self.is_pinned(&root)?,
                manifest,
            });
        }
        Ok(out)
    }

    /// Chunk `index` of artifact `root`, checked against its hash.
    pub fn read_chunk(&self, root: &ArtifactId, index: u32) -> Result<Vec<u8>> {
        let manifest = self
            .cached_manifest(root)?
            .ok_or(StoreError::NotFound(*root))?;
        let hash = *manifest
            .chunks
            .get(index as usize)
            .ok_or(StoreError::NotFound(*root))?;
        self.read_verified(ChunkRef {
            artifact: Some(*root),
            index: Some(index),
            hash,
        })
    }

    fn read_verified(&self, chunk: ChunkRef) -> Result<Vec<u8>> {
        let bytes = self
            .db
            .get_cf(self.cf(CF_CHUNKS), chunk.hash)?
            .ok_or(StoreError::MissingChunk { chunk })?;
        let actual = blake2_256(&bytes);
        if actual != chunk.hash {
            return Err(StoreError::CorruptChunk { chunk, actual });
        }
        Ok(bytes)
    }

    /// A reader over the artifact's bytes; each chunk is checked as it is reached (a corrupt
    /// chunk is an `io::Error` wrapping [`StoreError::CorruptChunk`]).
    pub fn get(&self, root: &ArtifactId) -> Result<ArtifactReader<'_>> {
        let manifest = self
            .cached_manifest(root)?
            .ok_or(StoreError::NotFound(*root))?;
        Ok(ArtifactReader {
            store: self,
            root: *root,
            manifest,
            next: 0,
            buf: Vec::new(),
            pos: 0,
        })
    }

    /// The whole artifact in memory, every chunk checked.
    pub fn get_bytes(&self, root: &ArtifactId) -> Result<Vec<u8>> {
        let manifest = self
            .cached_manifest(root)?
            .ok_or(StoreError::NotFound(*root))?;
        let mut out = Vec::with_capacity(manifest.size as usize);
        for index in 0..manifest.chunks.len() as u32 {
            out.extend_from_slice(&self.read_chunk(root, index)?);
        }
        Ok(out)
    }

    /// Writes the artifact to `out` (through a temporary file beside it, renamed at the end,
    /// so a corrupt chunk never leaves a truncated file at `out`); returns the bytes written.
    pub fn export(&self, root: &ArtifactId, out: &Path) -> Result<u64> {
        use std::io::Write;
        let manifest = self
            .cached_manifest(root)?
            .ok_or(StoreError::NotFound(*root))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let part = out.with_file_name(format!(".{name}.part"));
        let io = |source| StoreError::Io {
            path: part.clone(),
            source,
        };
        let result = (|| {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&part).map_err(io)?);
            for index in 0..manifest.chunks.len() as u32 {
                file.write_all(&self.read_chunk(root, index)?).map_err(io)?;
            }
            file.into_inner()
                .map_err(|e| io(e.into_error()))?
                .sync_all()
                .map_err(io)?;
            std::fs::rename(&part, out).map_err(|source| StoreError::Io {
                path: out.to_path_buf(),
                source,
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        result.map(|()| manifest.size)
    }

    pub fn pin(&self, root: &ArtifactId) -> Result<()> {
        if !self.has(root)? {
            return Err(StoreError::NotFound(*root));
        }
        Ok(self.db.put_cf(self.cf(CF_PINS), root.0, b"")?)
    }

    pub fn unpin(&self, root: &ArtifactId) -> Result<()> {
        Ok(self.db.delete_cf(self.cf(CF_PINS), root.0)?)
    }

    pub fn is_pinned(&self, root: &ArtifactId) -> Result<bool> {
        Ok(self.db.get_pinned_cf(self.cf(CF_PINS), root.0)?.is_some())
    }

    /// Deletes every unpinned manifest, then every chunk no remaining manifest lists
    /// (including chunks left by interrupted imports and fetches).
    pub fn gc(&self) -> Result<GcReport> {
        let _guard = self.gc_lock.write().unwrap_or_else(|e| e.into_inner());
        let mut report = GcReport::default();
        let mut live: HashSet<Hash> = HashSet::new();
        let mut batch = WriteBatch::default();
        for info in self.list()? {
            if info.pinned {
                live.extend(info.manifest.chunks.iter().copied());
            } else {
                batch.delete_cf(self.cf(CF_MANIFESTS), info.root.0);
                report.manifests_removed += 1;
            }
        }
        // Manifests go first: if we crash before the chunks are deleted, they are merely
        // orphans for the next gc.
        self.db.write(batch)?;
        self.lock_cache().clear();
        let mut batch = WriteBatch::default();
        for item in self.db.iterator_cf(self.cf(CF_CHUNKS), IteratorMode::Start) {
            let (key, value) = item?;
            let keep = <Hash>::try_from(&key[..]).is_ok_and(|h| live.contains(&h));
            if !keep {
                batch.delete_cf(self.cf(CF_CHUNKS), &key);
                report.chunks_removed += 1;
                report.bytes_freed += value.len() as u64;
            }
        }
        self.db.write(batch)?;
        if report.chunks_removed > 0 {
            self.db
                .compact_range_cf(self.cf(CF_CHUNKS), None::<&[u8]>, None::<&[u8]>);
        }
        Ok(report)
    }

    /// Indices of the chunks of `manifest` the store lacks (or holds corrupted): what a
    /// resumed fetch still has to download.
    pub fn missing_chunks(&self, manifest: &Manifest) -> Result<Vec<u32>> {
        let mut missing = Vec::new();
        for (index, hash) in manifest.chunks.iter().enumerate() {
            if !self.chunk_is_intact(hash)? {
                missing.push(index as u32);
            }
        }
        Ok(missing)
    }

    /// Whether the chunk is stored and its bytes match its hash.
    pub fn chunk_is_intact(&self, hash: &Hash) -> Result<bool> {
        Ok(self
            .db
            .get_pinned_cf(self.cf(CF_CHUNKS), hash)?
            .is_some_and(|bytes| blake2_256(&bytes) == *hash))
    }

    /// Stores a received chunk after checking it against `expected`.
    pub fn put_chunk(&self, expected: &Hash, bytes: &[u8]) -> Result<()> {
        if bytes.len() > MAX_CHUNK_SIZE as usize {
            return Err(StoreError::ChunkTooLarge {
                size: bytes.len(),
                max: MAX_CHUNK_SIZE,
            });
        }
        let actual = blake2_256(bytes);
        if actual != *expected {
            return Err(StoreError::ChunkMismatch {
                expected: *expected,
                actual,
            });
        }
        Ok(self.db.put_cf(self.cf(CF_CHUNKS), expected, bytes)?)
    }
}

fn root_from_key(key: &[u8]) -> Result<ArtifactId> {
    <Hash>::try_from(key)
        .map(ArtifactId)
        .map_err(|_| StoreError::CorruptManifest {
            root: ArtifactId([0; 32]),
            reason: format!("a manifest key of {} bytes is not a root", key.len()),
        })
}

/// Reads until `buf` is full or the reader ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Streams an artifact's bytes out of the store, checking each chunk as it is reached.
pub struct ArtifactReader<'a> {
    store: &'a Store,
    root: ArtifactId,
    manifest: Arc<Manifest>,
    next: u32,
    buf: Vec<u8>,
    pos: usize,
}

impl ArtifactReader<'_> {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
}

impl Read for ArtifactReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            if self.next as usize == self.manifest.chunks.len() {
                return Ok(0);
            }
            self.buf = self
                .store
                .read_chunk(&self.root, self.next)
                .map_err(std::io::Error::other)?;
            self.pos = 0;
            self.next += 1;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
