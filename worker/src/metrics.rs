//! Prometheus metrics of the worker and verifier daemons.
//!
//! `run --prometheus-port PORT` serves them at `http://127.0.0.1:PORT/metrics` with the same
//! exporter the node uses (`substrate-prometheus-endpoint`), so one Prometheus scrape config
//! covers both. Every name starts with `mlchain_worker_` and carries a `role` label
//! (`worker` or `verifier`).
use crate::error::{Error, Result};
use crate::p2p::{ArtifactSource, Request, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use substrate_prometheus_endpoint::{
    exponential_buckets, register, Counter, CounterVec, Gauge, Histogram, HistogramOpts, Opts,
    Registry, U64,
};

/// The daemons' counters, gauges and histograms.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Best block number last seen.
    pub best_block: Gauge<U64>,
    /// Ticks (one per new best block) that failed and will be retried.
    pub tick_errors: Counter<U64>,
    /// Tasks this worker claimed, trained, submitted, and saw settle.
    pub tasks_claimed: Counter<U64>,
    pub tasks_trained: Counter<U64>,
    pub tasks_submitted: Counter<U64>,
    pub tasks_settled: Counter<U64>,
    /// Wall time of a whole training run (fetching excluded).
    pub training_seconds: Histogram,
    /// Segments this verifier replayed.
    pub segments_replayed: Counter<U64>,
    /// Wall time of judging one seat: every assigned segment's replay plus the evaluation.
    pub verification_seconds: Histogram,
    /// Verdicts committed, by verdict (`accept`, `reject_segment`, `reject_metric`).
    pub verdicts_committed: CounterVec<U64>,
    pub verdicts_revealed: Counter<U64>,
    /// Artifacts fetched from peers, and their bytes.
    pub artifacts_fetched: Counter<U64>,
    pub fetched_bytes: Counter<U64>,
    /// Providers given up on during a fetch (unreachable, lacking the artifact, or banned for
    /// sending bytes that do not match their hash).
    pub providers_dropped: Counter<U64>,
    /// Requests answered to peers, by kind (`manifest`, `chunk`, `resolve`), and chunk bytes sent.
    pub requests_served: CounterVec<U64>,
    pub served_bytes: Counter<U64>,
}

impl Metrics {
    /// Metrics of a daemon in `role` (`worker` or `verifier`), registered in a fresh registry.
    pub fn new(role: &str) -> Result<Metrics> {
        let labels = [("role".to_string(), role.to_string())].into_iter().collect();
        let registry = Registry::new_custom(Some("mlchain_worker".into()), Some(labels)).map_err(prom)?;
        let counter = |name: &str, help: &str| register(Counter::new(name, help).map_err(prom)?, &registry).map_err(prom);
        let labelled = |name: &str, help: &str, label: &str| {
            register(CounterVec::new(Opts::new(name, help), &[label]).map_err(prom)?, &registry).map_err(prom)
        };
        // 0.1 s to about 27 min: a replayed segment of a tiny model up to a long training run.
        let seconds = |name: &str, help: &str| {
            let buckets = exponential_buckets(0.1, 2.0, 15).map_err(prom)?;
            register(Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).map_err(prom)?, &registry)
                .map_err(prom)
        };
        Ok(Metrics {
            best_block: register(Gauge::new("best_block", "Best block number last seen").map_err(prom)?, &registry)
                .map_err(prom)?,
            tick_errors: counter("tick_errors_total", "Per-block steps that failed and are retried at the next block")?,
            tasks_claimed: counter("tasks_claimed_total", "Tasks claimed")?,
            tasks_trained: counter("tasks_trained_total", "Training runs finished")?,
            tasks_submitted: counter("tasks_submitted_total", "Results submitted")?,
            tasks_settled: counter("tasks_settled_total", "Submitted tasks that settled")?,
            training_seconds: seconds("training_seconds", "Wall time of a training run")?,
            segments_replayed: counter("segments_replayed_total", "Training segments replayed")?,
            verification_seconds: seconds("verification_seconds", "Wall time of judging one seat (replays and evaluation)")?,
            verdicts_committed: labelled("verdicts_committed_total", "Verdicts committed, by verdict", "verdict")?,
            verdicts_revealed: counter("verdicts_revealed_total", "Verdicts revealed")?,
            artifacts_fetched: counter("artifacts_fetched_total", "Artifacts downloaded from peers")?,
            fetched_bytes: counter("fetched_bytes_total", "Bytes of artifacts downloaded from peers")?,
            providers_dropped: counter("providers_dropped_total", "Providers given up on during a fetch")?,
            requests_served: labelled("requests_served_total", "Requests answered to peers, by kind", "kind")?,
            served_bytes: counter("served_bytes_total", "Chunk bytes sent to peers")?,
            registry,
        })
    }

    /// Serves the metrics at `http://ADDR/metrics` until the process ends.
    pub async fn serve(&self, addr: SocketAddr) -> Result<()> {
        // Bind here, so that a port in use is an error of the command rather than of a task.
        let probe = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Other(format!("cannot serve metrics on {addr}: {e}")))?;
        drop(probe);
        let registry = self.registry.clone();
        tokio::spawn(async move {
            if let Err(e) = substrate_prometheus_endpoint::init_prometheus(addr, registry).await {
                tracing::error!("metrics endpoint on {addr} stopped: {e}");
            }
        });
        Ok(())
    }

    /// The metrics in Prometheus' text format, as a scrape would get them.
    pub fn render(&self) -> String {
        use substrate_prometheus_endpoint::prometheus::{Encoder, TextEncoder};
        let mut out = Vec::new();
        // Encoding into a Vec cannot fail for the metric types registered here.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn prom(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("metrics: {e}"))
}

/// Counts what an [`ArtifactSource`] answers to peers.
pub struct MeteredSource {
    pub inner: Arc<dyn ArtifactSource>,
    pub metrics: Metrics,
}

impl ArtifactSource for MeteredSource {
    fn answer(&self, request: &Request) -> Response {
        let kind = match request {
            Request::Manifest { .. } => "manifest",
            Request::Chunk { .. } => "chunk",
            Request::Resolve { .. } => "resolve",
        };
        self.metrics.requests_served.with_label_values(&[kind]).inc();
        let response = self.inner.answer(request);
        if let Response::Chunk(bytes) = &response {
            self.metrics.served_bytes.inc_by(bytes.len() as u64);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p2p::FixedChunk;
    use crate::store::ArtifactId;

    #[test]
    fn metrics_render_with_prefix_and_role() {
        let metrics = Metrics::new("verifier").unwrap();
        metrics.segments_replayed.inc_by(3);
        metrics.verdicts_committed.with_label_values(&["accept"]).inc();
        let text = metrics.render();
        assert!(text.contains("mlchain_worker_segments_replayed_total{role=\"verifier\"} 3"), "{text}");
        assert!(text.contains("mlchain_worker_verdicts_committed_total{verdict=\"accept\",role=\"verifier\"} 1"), "{text}");
    }

    #[test]
    fn served_requests_and_bytes_are_counted() {
        let metrics = Metrics::new("worker").unwrap();
        let source = MeteredSource { inner: Arc::new(FixedChunk(vec![7; 100])), metrics: metrics.clone() };
        source.answer(&Request::Chunk { root: ArtifactId([0; 32]), index: 0 });
        source.answer(&Request::Chunk { root: ArtifactId([0; 32]), index: 1 });
        source.answer(&Request::Resolve { name: [0; 32] });
        assert_eq!(metrics.served_bytes.get(), 200);
        assert_eq!(metrics.requests_served.with_label_values(&["chunk"]).get(), 2);
        assert_eq!(metrics.requests_served.with_label_values(&["resolve"]).get(), 1);
    }
}
