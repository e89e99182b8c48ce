/**
 * The one error type of the protocol layers (handshake, chunk, message, session, server, client).
 * AMF and media have their own (`AmfError`, `MediaError`); the session wraps them into
 * `RTMP_ERR_AMF` / `RTMP_ERR_MEDIA` so a connection only ever closes on an `RtmpError`.
 *
 * Codes are stable strings (logged, matched in tests and by the edge); the message names the broken rule
 * with the offending values.
 */
export const RtmpErrorCode = {
  /** A bounded read went past the end of the available bytes. */
  Truncated: 'RTMP_ERR_TRUNCATED',
  /** C0/S0 carried a version other than 3 (RTMP 1.0 spec 5.2.2). */
  HandshakeVersion: 'RTMP_ERR_HANDSHAKE_VERSION',
  /** C0 version 6 or 8: RTMPE (encrypted), which we do not support. */
  HandshakeEncrypted: 'RTMP_ERR_HANDSHAKE_ENCRYPTED',
  /** A chunk of fmt 1, 2 or 3 arrived on a chunk stream that never had a fmt 0 header (spec 5.3.1.2). */
  ChunkNoPreviousHeader: 'RTMP_ERR_CHUNK_NO_PREVIOUS_HEADER',
  /** A fmt 0/1/2 chunk started a new message while the previous one on that chunk stream was incomplete. */
  ChunkInterrupted: 'RTMP_ERR_CHUNK_INTERRUPTED',
  /** SetChunkSize of 0 or with the top bit set (spec 5.4.1). */
  ChunkSizeInvalid: 'RTMP_ERR_CHUNK_SIZE_INVALID',
  /** A message header declared a length above the configured maximum. */
  MessageTooLong: 'RTMP_ERR_MESSAGE_TOO_LONG',
  /** More chunk streams opened than the configured maximum. */
  TooManyChunkStreams: 'RTMP_ERR_TOO_MANY_CHUNK_STREAMS',
  /** Bytes held for incomplete messages exceeded the per-connection budget. */
  BufferLimit: 'RTMP_ERR_BUFFER_LIMIT',
  /** A protocol control or user control message whose body does not match its type. */
  MalformedMessage: 'RTMP_ERR_MALFORMED_MESSAGE',
  /** AMF decoding of a command or data message failed (wraps `AmfError`). */
  Amf: 'RTMP_ERR_AMF',
  /** An aggregate message whose FLV tags do not parse (wraps `MediaError`). */
  Media: 'RTMP_ERR_MEDIA',
  /** A command arrived in a state where it is not allowed (names both). */
  State: 'RTMP_ERR_STATE',
  /** A per-connection limit (streams, pending media while authorising) was exceeded. */
  Limit: 'RTMP_ERR_LIMIT',
  /** Handshake or idle timeout. */
  Timeout: 'RTMP_ERR_TIMEOUT',
  /** The peer refused a command (client side: `_error` or an error-level onStatus). */
  Rejected: 'RTMP_ERR_REJECTED',
  /** The connection closed before the operation completed. */
  Closed: 'RTMP_ERR_CLOSED',
} as const;

export type RtmpErrorCode = (typeof RtmpErrorCode)[keyof typeof RtmpErrorCode];

export class RtmpError extends Error {
  override readonly name = 'RtmpError';

  constructor(
    readonly code: RtmpErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}
