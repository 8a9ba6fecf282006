import { ParleyError } from '../errors';
import { Compression, type EncodedContent } from './encodedContent';
import { MAX_DECOMPRESSED_BYTES } from './limits';

/**
 * RFC 1950 §2.2: a zlib stream starts CMF FLG with CM = 8 and (CMF·256 + FLG) a multiple
 * of 31. XMTP's JS SDK wrote zlib-wrapped deflate, but some Android builds wrote raw
 * deflate (java.util.zip.Deflater nowrap), so the header decides.
 */
function deflateFormat(bytes: Uint8Array): CompressionFormat {
  const cmf = bytes[0];
  const flg = bytes[1];
  if (cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0) {
    return 'deflate';
  }
  return 'deflate-raw';
}

function formatFor(compression: Compression, bytes: Uint8Array): CompressionFormat {
  switch (compression) {
    case Compression.COMPRESSION_DEFLATE:
      return deflateFormat(bytes);
    case Compression.COMPRESSION_GZIP:
      return 'gzip';
    default:
      throw new ParleyError('Content.Unsupported', 'Unknown content compression.', {
        details: `compression ${String(compression)}`,
      });
  }
}

/**
 * Inflates with the platform's DecompressionStream, stopping as soon as the output passes
 * `maxBytes` so a small bomb cannot fill memory.
 */
export async function inflate(
  compression: Compression,
  bytes: Uint8Array,
  maxBytes: number = MAX_DECOMPRESSED_BYTES,
): Promise<Uint8Array> {
  const stream = new DecompressionStream(formatFor(compression, bytes));
  const writer = stream.writable.getWriter();
  // Errors surface on the reader; these promises only need a handler. The copy gives the
  // stream an ArrayBuffer-backed view of its own.
  writer.write(new Uint8Array(bytes)).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new ParleyError('Codec.TooLarge', 'Decompressed content is too large.', {
          details: `more than ${maxBytes} bytes`,
        });
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof ParleyError) throw cause;
    throw new ParleyError('Codec.Malformed', 'Compressed content does not inflate.', { cause });
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The same EncodedContent with its content inflated and `compression` cleared. */
export async function decompressEncodedContent(encoded: EncodedContent): Promise<EncodedContent> {
  if (encoded.compression === undefined) return encoded;
  const content = await inflate(encoded.compression, encoded.content);
  const { compression: _compression, ...rest } = encoded;
  return { ...rest, content };
}
