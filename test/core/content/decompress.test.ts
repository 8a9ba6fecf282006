import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Compression,
  MAX_DECOMPRESSED_BYTES,
  decodeContent,
  decompressEncodedContent,
  encodeContent,
  inflate,
  type EncodedContent,
} from '../../../src/core/content';
import { ParleyError } from '../../../src/core/errors';

const compressors = {
  gzip: (b: Uint8Array) => new Uint8Array(gzipSync(b)),
  'zlib deflate': (b: Uint8Array) => new Uint8Array(deflateSync(b)),
  'raw deflate': (b: Uint8Array) => new Uint8Array(deflateRawSync(b)),
} as const;

const compressionOf = (name: keyof typeof compressors): Compression =>
  name === 'gzip' ? Compression.COMPRESSION_GZIP : Compression.COMPRESSION_DEFLATE;

function compressedText(text: string, name: keyof typeof compressors): EncodedContent {
  const plain = encodeContent({ type: 'text', text });
  return { ...plain, compression: compressionOf(name), content: compressors[name](plain.content) };
}

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (e) {
    if (e instanceof ParleyError) return e.code;
    throw e;
  }
}

describe('compressed content', () => {
  for (const name of Object.keys(compressors) as (keyof typeof compressors)[]) {
    it(`decodes ${name}-compressed text`, async () => {
      expect(await decodeContent(compressedText('gm, compressed', name))).toEqual({ type: 'text', text: 'gm, compressed' });
    });
  }

  it('clears the compression field once inflated', async () => {
    const inflated = await decompressEncodedContent(compressedText('x', 'gzip'));
    expect(inflated.compression).toBeUndefined();
    expect(new TextDecoder().decode(inflated.content)).toBe('x');
  });

  it('inflates to exactly what was compressed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.constantFrom(...(Object.keys(compressors) as (keyof typeof compressors)[])),
        async (bytes, name) => {
          expect(await inflate(compressionOf(name), compressors[name](bytes))).toEqual(bytes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops inflating past the cap', async () => {
    const bomb = compressors.gzip(new Uint8Array(1000));
    expect(await codeOf(() => inflate(Compression.COMPRESSION_GZIP, bomb, 999))).toBe('Codec.TooLarge');
    expect(await inflate(Compression.COMPRESSION_GZIP, bomb, 1000)).toHaveLength(1000);
  });

  it('refuses a deflate bomb larger than the default cap', async () => {
    const bomb = compressors['zlib deflate'](new Uint8Array(MAX_DECOMPRESSED_BYTES + 1));
    const encoded: EncodedContent = { ...encodeContent({ type: 'text', text: '' }), compression: Compression.COMPRESSION_DEFLATE, content: bomb };
    expect(await codeOf(() => decompressEncodedContent(encoded))).toBe('Codec.TooLarge');
  });

  it('names an unknown compression as unsupported', async () => {
    expect(await codeOf(() => inflate(7 as Compression, new Uint8Array([1])))).toBe('Content.Unsupported');
  });

  it('gives only Codec errors for random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(Compression.COMPRESSION_DEFLATE, Compression.COMPRESSION_GZIP),
        async (bytes, compression) => {
          const code = await codeOf(() => inflate(compression, bytes));
          expect([undefined, 'Codec.Malformed', 'Codec.TooLarge']).toContain(code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('shows content that does not inflate as unknown, with its fallback', async () => {
    const broken: EncodedContent = {
      ...encodeContent({ type: 'text', text: 'x' }),
      compression: Compression.COMPRESSION_GZIP,
      content: new Uint8Array([1, 2, 3]),
      fallback: 'gm',
    };
    expect(await decodeContent(broken)).toEqual({ type: 'unknown', contentType: 'xmtp.org/text:1.0', fallback: 'gm' });
  });
});
