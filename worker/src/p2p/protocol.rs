//! `/mlchain/artifacts/1`: the request-response protocol peers fetch artifacts with.
//!
//! Every message on a stream is a frame: a little-endian `u32` length, then that many bytes of
//! a SCALE-encoded [`Request`] or [`Response`]. One request and its response per stream
//! (libp2p request-response). A frame longer than the limit is refused before its body is
//! read, so a peer cannot make us buffer more than [`MAX_RESPONSE_BYTES`].
use crate::store::{ArtifactId, MAX_CHUNKS, MAX_CHUNK_SIZE};
use async_trait::async_trait;
use codec::{Decode, DecodeAll, Encode};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use std::io;

/// The protocol name negotiated on each stream.
pub const PROTOCOL: StreamProtocol = StreamProtocol::new("/mlchain/artifacts/1");

/// Largest request frame: a request is a tag, a root and an index (37 bytes).
pub const MAX_REQUEST_BYTES: u32 = 64;

/// Room for the response tag and length prefixes around a chunk or a manifest.
const RESPONSE_OVERHEAD: u32 = 64;

/// Largest response frame: a full chunk, or a manifest of [`MAX_CHUNKS`] hashes (which is
/// sized to fit the same bound), plus a few bytes of framing.
pub const MAX_RESPONSE_BYTES: u32 = MAX_CHUNK_SIZE + RESPONSE_OVERHEAD;

/// Longest reason text in [`Response::Failed`].
pub const MAX_REASON_BYTES: usize = 256;

const _: () = assert!(MAX_CHUNKS as u64 * 32 + 32 <= MAX_RESPONSE_BYTES as u64);

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Request {
    /// The encoded manifest of artifact `root`.
    Manifest { root: ArtifactId },
    /// Chunk `index` of artifact `root`.
    Chunk { root: ArtifactId, index: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Response {
    /// The manifest exactly as the provider stores it; the receiver hashes these bytes.
    Manifest(Vec<u8>),
    /// The chunk's bytes.
    Chunk(Vec<u8>),
    /// The provider does not have that artifact (or chunk index).
    NotFound,
    /// The provider has it but cannot serve it now (for example, its copy is corrupt).
    Failed(String),
}

/// Frames and (de)serialises [`Request`] and [`Response`] with the limits above.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArtifactCodec;

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T, limit: u32) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_le_bytes(len);
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("message of {len} bytes exceeds the limit of {limit}"),
        ));
    }
    let mut body = vec![0u8; len as usize];
    io.read_exact(&mut body).await?;
    Ok(body)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(
    io: &mut T,
    body: &[u8],
    limit: u32,
) -> io::Result<()> {
    if body.len() > limit as usize {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "refusing to send {} bytes: the limit is {limit}",
                body.len()
            ),
        ));
    }
    io.write_all(&(body.len() as u32).to_le_bytes()).await?;
    io.write_all(body).await?;
    io.flush().await
}

fn decode<M: Decode>(body: &[u8]) -> io::Result<M> {
    M::decode_all(&mut &body[..])
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

#[async_trait]
impl libp2p::request_response::Codec for ArtifactCodec {
    type Protocol = StreamProtocol;
    type Request = Request;
    type Response = Response;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Request> {
        decode(&read_frame(io, MAX_REQUEST_BYTES).await?)
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Response> {
        decode(&read_frame(io, MAX_RESPONSE_BYTES).await?)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Request,
    ) -> io::Result<()> {
        write_frame(io, &request.encode(), MAX_REQUEST_BYTES).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Response,
    ) -> io::Result<()> {
        write_frame(io, &response.encode(), MAX_RESPONSE_BYTES).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libp2p::request_response::Codec;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn frames_round_trip_and_oversized_frames_are_refused_before_reading() {
        let mut codec = ArtifactCodec;
        let request = Request::Chunk {
            root: ArtifactId([3; 32]),
            index: 7,
        };
        let mut wire = Vec::new();
        block_on(codec.write_request(&PROTOCOL, &mut wire, request.clone())).unwrap();
        assert!(wire.len() <= 4 + MAX_REQUEST_BYTES as usize);
        let read = block_on(codec.read_request(&PROTOCOL, &mut &wire[..])).unwrap();
        assert_eq!(read, request);

        let full = Response::Chunk(vec![1; MAX_CHUNK_SIZE as usize]);
        let mut wire = Vec::new();
        block_on(codec.write_response(&PROTOCOL, &mut wire, full.clone())).unwrap();
        assert_eq!(
            block_on(codec.read_response(&PROTOCOL, &mut &wire[..])).unwrap(),
            full
        );

        // A length prefix over the limit fails at once, whatever follows.
        let mut huge = (MAX_RESPONSE_BYTES + 1).to_le_bytes().to_vec();
        huge.extend_from_slice(&[0; 16]);
        let err = block_on(codec.read_response(&PROTOCOL, &mut &huge[..])).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"), "{err}");
        let too_big = Response::Chunk(vec![0; MAX_RESPONSE_BYTES as usize]);
        assert!(block_on(codec.write_response(&PROTOCOL, &mut Vec::new(), too_big)).is_err());
        let garbage = [3u8, 0, 0, 0, 9, 9, 9];
        assert!(block_on(codec.read_request(&PROTOCOL, &mut &garbage[..])).is_err());
    }
}
