//! [`Node`]: one libp2p swarm on tokio, driven by a background task.
//!
//! The task answers inbound requests from an [`ArtifactSource`] on tokio's blocking pool and
//! sends our requests. It dials a peer itself, once, and holds the requests for that peer
//! until the connection is up: libp2p's request-response dials on every request to an
//! unconnected peer, and when several are sent at once the second dial is refused
//! ("already dialing"), which fails *all* of that peer's queued requests.
use super::protocol::ArtifactCodec;
use super::{ArtifactSource, P2pError, Request, RequestError, Response, PROTOCOL, REQUEST_TIMEOUT};
use futures::StreamExt;
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, OutboundFailure, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{DialError, NetworkBehaviour, SwarmEvent};
use libp2p::{identify, noise, tcp, yamux, Multiaddr, PeerId, Swarm};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Connections without requests are closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long [`Node::start`] waits for its listeners to come up.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// After the first address of a listener on all interfaces, how long to collect the others.
const INTERFACES_SETTLE: Duration = Duration::from_millis(250);

type Reply = oneshot::Sender<Result<Response, RequestError>>;

/// A response computed on the blocking pool, on its way back to the swarm.
type Answer = (request_response::ResponseChannel<Response>, Response);

#[derive(NetworkBehaviour)]
struct Behaviour {
    artifacts: request_response::Behaviour<ArtifactCodec>,
    identify: identify::Behaviour,
}

enum Command {
    Request {
        peer: PeerId,
        addr: Option<Multiaddr>,
        request: Request,
        reply: Reply,
    },
    Disconnect(PeerId),
}

/// A running libp2p node; dropping it stops the network task.
pub struct Node {
    peer_id: PeerId,
    listen_addrs: Vec<Multiaddr>,
    commands: mpsc::Sender<Command>,
}

impl Node {
    /// Builds the swarm, starts listening on `listen` (waiting until each listener has an
    /// address, so `/tcp/0` reports its port) and spawns the network task on the current tokio
    /// runtime. With a `source`, inbound requests are answered from it; without one, every
    /// request is answered `NotFound`.
    pub async fn start(
        keypair: Keypair,
        listen: &[Multiaddr],
        source: Option<Arc<dyn ArtifactSource>>,
    ) -> Result<Node, P2pError> {
        let (answered, answers) = mpsc::unbounded_channel();
        let mut driver = Driver {
            swarm: build_swarm(keypair)?,
            source,
            pending: HashMap::new(),
            dialing: HashMap::new(),
            dial_errors: HashMap::new(),
            known_addrs: HashSet::new(),
            answered,
        };
        let peer_id = *driver.swarm.local_peer_id();
        let mut waiting = HashMap::new();
        for addr in listen {
            let id = driver
                .swarm
                .listen_on(addr.clone())
                .map_err(|e| P2pError::Listen {
                    addr: addr.clone(),
                    reason: e.to_string(),
                })?;
            waiting.insert(id, addr.clone());
        }
        // 0.0.0.0 or :: yields one address per interface, reported one after the other.
        let all_interfaces = listen.iter().any(|a| {
            a.iter().any(|p| match p {
                Protocol::Ip4(ip) => ip.is_unspecified(),
                Protocol::Ip6(ip) => ip.is_unspecified(),
                _ => false,
            })
        });
        let mut listen_addrs = Vec::new();
        let mut deadline = tokio::time::Instant::now() + LISTEN_TIMEOUT;
        while !waiting.is_empty() || all_interfaces {
            let Ok(event) =
                tokio::time::timeout_at(deadline, driver.swarm.select_next_some()).await
            else {
                match waiting.values().next() {
                    None => break,
                    Some(addr) => {
                        return Err(P2pError::Listen {
                            addr: addr.clone(),
                            reason: format!("no listen address within {LISTEN_TIMEOUT:?}"),
                        })
                    }
                }
            };
            match event {
                SwarmEvent::NewListenAddr {
                    listener_id,
                    address,
                } => {
                    if waiting.remove(&listener_id).is_some() && waiting.is_empty() {
                        deadline = tokio::time::Instant::now() + INTERFACES_SETTLE;
                    }
                    listen_addrs.push(address);
                }
                SwarmEvent::ListenerClosed {
                    listener_id,
                    reason,
                    ..
                } if waiting.contains_key(&listener_id) => {
                    let reason = match reason {
                        Ok(()) => "listener closed".into(),
                        Err(e) => e.to_string(),
                    };
                    let addr = waiting
                        .remove(&listener_id)
                        .unwrap_or_else(Multiaddr::empty);
                    return Err(P2pError::Listen { addr, reason });
                }
                SwarmEvent::ListenerError { listener_id, error }
                    if waiting.contains_key(&listener_id) =>
                {
                    let addr = waiting
                        .remove(&listener_id)
                        .unwrap_or_else(Multiaddr::empty);
                    return Err(P2pError::Listen {
                        addr,
                        reason: error.to_string(),
                    });
                }
                // Nothing is lost while we wait: a peer may already be asking.
                other => driver.on_event(other),
            }
        }
        let (commands, receiver) = mpsc::channel(256);
        tokio::spawn(run(driver, receiver, answers));
        Ok(Node {
            peer_id,
            listen_addrs,
            commands,
        })
    }

    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The addresses the node listens on, without the `/p2p/` suffix.
    pub fn listen_addrs(&self) -> &[Multiaddr] {
        &self.listen_addrs
    }

    /// The addresses to give to fetchers: each listen address with `/p2p/<peer id>`.
    pub fn dial_addrs(&self) -> Vec<Multiaddr> {
        self.listen_addrs
            .iter()
            .map(|a| a.clone().with(Protocol::P2p(self.peer_id)))
            .collect()
    }

    /// Sends `request` to `peer` (dialling `addr` if not connected) and waits for the answer.
    pub async fn request(
        &self,
        peer: PeerId,
        addr: Option<Multiaddr>,
        request: Request,
    ) -> Result<Response, RequestError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Request {
                peer,
                addr,
                request,
                reply,
            })
            .await
            .map_err(|_| RequestError::NodeStopped)?;
        answer.await.map_err(|_| RequestError::NodeStopped)?
    }

    /// Closes every connection to `peer` (used when it sent bad data).
    pub async fn disconnect(&self, peer: PeerId) {
        // A stopped node has no connection left to close.
        let _ = self.commands.send(Command::Disconnect(peer)).await;
    }
}

fn build_swarm(keypair: Keypair) -> Result<Swarm<Behaviour>, P2pError> {
    let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| P2pError::Transport(e.to_string()))?
        .with_behaviour(|key| Behaviour {
            artifacts: request_response::Behaviour::with_codec(
                ArtifactCodec,
                [(PROTOCOL, ProtocolSupport::Full)],
                request_response::Config::default().with_request_timeout(REQUEST_TIMEOUT),
            ),
            identify: identify::Behaviour::new(
                identify::Config::new("/mlchain/1".into(), key.public())
                    .with_agent_version(format!("mlchain-worker/{}", env!("CARGO_PKG_VERSION"))),
            ),
        })
        .map_err(|e| P2pError::Transport(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_TIMEOUT))
        .build();
    Ok(swarm)
}

/// The network task's state: owns the swarm until the [`Node`] is dropped.
struct Driver {
    swarm: Swarm<Behaviour>,
    source: Option<Arc<dyn ArtifactSource>>,
    /// Requests sent, by id, waiting for their answer.
    pending: HashMap<OutboundRequestId, Reply>,
    /// Requests for peers we are dialling, sent once the connection is up.
    dialing: HashMap<PeerId, Vec<(Request, Reply)>>,
    /// Why the last dial to a peer failed: request-response itself only says `DialFailure`.
    dial_errors: HashMap<PeerId, String>,
    known_addrs: HashSet<(PeerId, Multiaddr)>,
    answered: mpsc::UnboundedSender<Answer>,
}

async fn run(
    mut driver: Driver,
    mut commands: mpsc::Receiver<Command>,
    mut answers: mpsc::UnboundedReceiver<Answer>,
) {
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None => break,
                Some(command) => driver.on_command(command),
            },
            Some((channel, response)) = answers.recv() => {
                // The requester may have gone away meanwhile; nothing to do then.
                let _ = driver.swarm.behaviour_mut().artifacts.send_response(channel, response);
            },
            event = driver.swarm.select_next_some() => driver.on_event(event),
        }
    }
}

impl Driver {
    fn on_command(&mut self, command: Command) {
        match command {
            Command::Request {
                peer,
                addr,
                request,
                reply,
            } => {
                if let Some(addr) = &addr {
                    if self.known_addrs.insert((peer, addr.clone())) {
                        self.swarm.add_peer_address(peer, addr.clone());
                    }
                }
                if self.swarm.is_connected(&peer) {
                    self.send(peer, request, reply);
                } else if let Some(queue) = self.dialing.get_mut(&peer) {
                    queue.push((request, reply));
                } else {
                    self.dialing.insert(peer, vec![(request, reply)]);
                    self.dial(peer, addr);
                }
            }
            Command::Disconnect(peer) => {
                let _ = self.swarm.disconnect_peer_id(peer);
            }
        }
    }

    fn dial(&mut self, peer: PeerId, addr: Option<Multiaddr>) {
        let opts = match addr {
            Some(addr) => DialOpts::peer_id(peer).addresses(vec![addr]).build(),
            None => DialOpts::peer_id(peer).build(),
        };
        match self.swarm.dial(opts) {
            Ok(()) => {}
            // Connected or dialling already (a dial of its own, or an inbound connection):
            // the queue is sent when `ConnectionEstablished` arrives, or now.
            Err(DialError::DialPeerConditionFalse(_)) => {
                if self.swarm.is_connected(&peer) {
                    self.flush(peer);
                }
            }
            Err(e) => self.fail_dialing(peer, e.to_string()),
        }
    }

    fn send(&mut self, peer: PeerId, request: Request, reply: Reply) {
        let id = self
            .swarm
            .behaviour_mut()
            .artifacts
            .send_request(&peer, request);
        self.pending.insert(id, reply);
    }

    /// Sends the requests held for `peer` now that it is connected.
    fn flush(&mut self, peer: PeerId) {
        for (request, reply) in self.dialing.remove(&peer).unwrap_or_default() {
            self.send(peer, request, reply);
        }
    }

    fn fail_dialing(&mut self, peer: PeerId, reason: String) {
        for (_, reply) in self.dialing.remove(&peer).unwrap_or_default() {
            let _ = reply.send(Err(RequestError::Unreachable(reason.clone())));
        }
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Artifacts(event)) => self.on_artifacts(event),
            SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                self.dial_errors.remove(&peer_id);
                self.flush(peer_id);
            }
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            } => {
                tracing::debug!(%peer, %error, "dial failed");
                let reason = error.to_string();
                self.dial_errors.insert(peer, reason.clone());
                if !self.swarm.is_connected(&peer) {
                    self.fail_dialing(peer, reason);
                }
            }
            SwarmEvent::NewListenAddr { address, .. } => tracing::info!(%address, "listening"),
            _ => {}
        }
    }

    fn on_artifacts(&mut self, event: request_response::Event<Request, Response>) {
        match event {
            request_response::Event::Message { peer, message } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    tracing::debug!(%peer, ?request, "inbound request");
                    if let Some(source) = self.source.clone() {
                        let answered = self.answered.clone();
                        tokio::task::spawn_blocking(move || {
                            let response = source.answer(&request);
                            let _ = answered.send((channel, response));
                        });
                    } else {
                        let artifacts = &mut self.swarm.behaviour_mut().artifacts;
                        let _ = artifacts.send_response(channel, Response::NotFound);
                    }
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(reply) = self.pending.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
            } => {
                tracing::debug!(%peer, %error, "request failed");
                let error = match error {
                    OutboundFailure::DialFailure => RequestError::Unreachable(
                        self.dial_errors
                            .get(&peer)
                            .cloned()
                            .unwrap_or_else(|| "dial failed".into()),
                    ),
                    OutboundFailure::Timeout => RequestError::Timeout,
                    OutboundFailure::ConnectionClosed => RequestError::ConnectionClosed,
                    OutboundFailure::UnsupportedProtocols => RequestError::UnsupportedProtocol,
                    OutboundFailure::Io(e) => RequestError::Stream(e.to_string()),
                };
                if let Some(reply) = self.pending.remove(&request_id) {
                    let _ = reply.send(Err(error));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "inbound request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }
}
