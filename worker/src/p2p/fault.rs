//! Misbehaving providers, for end-to-end tests of fetching (the hidden `--fault` flag of
//! `serve` and `run`): a process serves its store through a [`FaultySource`] that corrupts or
//! slows down every chunk it sends.
use super::{ArtifactSource, Request, Response};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a faulty provider misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Flip a bit of every chunk sent (the manifest stays correct, so the fetcher only
    /// finds out when a chunk fails its hash).
    CorruptChunks,
    /// Send chunks one at a time, whoever asks, each after this delay: a slow link, so that
    /// a fetch can be interrupted half way.
    SlowChunks(Duration),
}

impl FromStr for Fault {
    type Err = String;
    /// `corrupt-chunks` or `slow-chunks=MILLISECONDS`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('=') {
            None if s == "corrupt-chunks" => Ok(Fault::CorruptChunks),
            Some(("slow-chunks", ms)) => ms
                .parse()
                .map(|ms| Fault::SlowChunks(Duration::from_millis(ms)))
                .map_err(|_| format!("{ms:?} is not a number of milliseconds")),
            _ => Err(format!("unknown fault {s:?}: corrupt-chunks or slow-chunks=MS")),
        }
    }
}

/// `source`, misbehaving as `fault` says (if at all).
pub fn with_fault(source: Arc<dyn ArtifactSource>, fault: Option<Fault>) -> Arc<dyn ArtifactSource> {
    match fault {
        None => source,
        Some(fault) => {
            tracing::warn!("serving with the injected fault {fault:?}");
            Arc::new(FaultySource::new(source, fault))
        }
    }
}

/// An [`ArtifactSource`] that answers like `inner`, except for chunks.
pub struct FaultySource {
    inner: Arc<dyn ArtifactSource>,
    fault: Fault,
    /// Held while a slow chunk waits: chunks leave one at a time.
    pace: Mutex<()>,
}

impl FaultySource {
    pub fn new(inner: Arc<dyn ArtifactSource>, fault: Fault) -> Self {
        FaultySource { inner, fault, pace: Mutex::new(()) }
    }
}

impl ArtifactSource for FaultySource {
    fn answer(&self, request: &Request) -> Response {
        let response = self.inner.answer(request);
        let Response::Chunk(mut bytes) = response else { return response };
        match self.fault {
            Fault::CorruptChunks => {
                if let Some(first) = bytes.first_mut() {
                    *first ^= 1;
                }
            }
            Fault::SlowChunks(delay) => {
                // Answers run on tokio's blocking pool, so sleeping here stalls no network task.
                let _one_at_a_time = self.pace.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                std::thread::sleep(delay);
            }
        }
        Response::Chunk(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p2p::FixedChunk;
    use crate::store::ArtifactId;

    #[test]
    fn faults_parse_and_corrupt_only_chunks() {
        assert_eq!("corrupt-chunks".parse(), Ok(Fault::CorruptChunks));
        assert_eq!("slow-chunks=250".parse(), Ok(Fault::SlowChunks(Duration::from_millis(250))));
        assert!("slow-chunks=soon".parse::<Fault>().is_err());
        assert!("flaky".parse::<Fault>().is_err());
        let source = FaultySource::new(Arc::new(FixedChunk(vec![0b1010; 4])), Fault::CorruptChunks);
        let chunk = source.answer(&Request::Chunk { root: ArtifactId([0; 32]), index: 0 });
        assert_eq!(chunk, Response::Chunk(vec![0b1011, 0b1010, 0b1010, 0b1010]));
        assert_eq!(source.answer(&Request::Resolve { name: [0; 32] }), Response::NotFound);
    }
}
