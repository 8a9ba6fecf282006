/**
 * Size caps for message content. XMTP itself caps only the transport (libxmtp
 * xmtp_configuration common/api.rs GRPC_PAYLOAD_LIMIT = 25 MiB) and documents inline
 * attachments as "smaller than 1MB"; the rest are Parley's choices, sized for chat.
 */

/** Largest EncodedContent or PlaintextEnvelope we will parse: nothing bigger fits a gRPC payload. */
export const MAX_WIRE_CONTENT_BYTES = 25 * 1024 * 1024;

/** Largest decompressed content: a sender could have sent it uncompressed, no more. */
export const MAX_DECOMPRESSED_BYTES = MAX_WIRE_CONTENT_BYTES;

/** Text and markdown a dApp may send, in UTF-8 bytes (XMTP sets no text cap). */
export const MAX_TEXT_BYTES = 100 * 1024;

/** Inline attachment data a dApp may send (XMTP: use a remote attachment above 1 MB). */
export const MAX_ATTACHMENT_BYTES = 1024 * 1024;

/** Any short string field a dApp may send: ids, URLs, file names, MIME types, hex keys. */
export const MAX_FIELD_CHARS = 2048;

/** Calls in one walletSendCalls request, and entries in its string records. */
export const MAX_WALLET_CALLS = 64;
export const MAX_RECORD_ENTRIES = 32;
