import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import {
  decodeUncompressedContent,
  encodeContent,
  type EncodedContent,
  type KnownContent,
} from '../../../src/core/content';

/**
 * Known answers from libxmtp itself: fixtures/generateLibxmtpVectors.mjs ran each input
 * through @xmtp/node-bindings 1.10.0's encoders (the binding node-sdk 6.0.0 uses).
 */
interface Vector {
  name: string;
  input: unknown;
  encoded: {
    type: EncodedContent['type'];
    parameters: Record<string, string>;
    fallback?: string;
    compression?: number;
    content: string;
  };
}

const { vectors } = JSON.parse(
  readFileSync(new URL('./fixtures/libxmtp-1.10.0-content.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

type Input = Record<string, unknown>;
const s = (v: unknown): string => v as string;

/** The same input in Parley's Content shape. */
function parleyContent(v: Vector): KnownContent {
  const i = v.input as Input;
  switch (v.name.split(' ')[0]) {
    case 'text':
      return { type: 'text', text: s(v.input) };
    case 'markdown':
      return { type: 'markdown', markdown: s(v.input) };
    case 'reaction': {
      const c: KnownContent = {
        type: 'reaction',
        reference: s(i.reference),
        action: i.action === 1 ? 'added' : 'removed',
        schema: i.schema === 1 ? 'unicode' : i.schema === 2 ? 'shortcode' : 'custom',
        content: s(i.content),
      };
      if (i.referenceInboxId) c.referenceInboxId = s(i.referenceInboxId);
      return c;
    }
    case 'readReceipt':
      return { type: 'readReceipt' };
    case 'attachment': {
      const c: KnownContent = { type: 'attachment', mimeType: s(i.mimeType), data: base64.encode(hexToBytes(s(i.content))) };
      if (i.filename !== undefined) c.filename = s(i.filename);
      return c;
    }
    case 'remoteStaticAttachment':
      return { type: 'remoteStaticAttachment', ...(i as object) } as KnownContent;
    case 'transactionReference':
    case 'walletSendCalls':
      return { type: v.name.split(' ')[0], ...(i as object) } as KnownContent;
    default:
      throw new Error(`no mapping for ${v.name}`);
  }
}

function fromFixture(e: Vector['encoded']): EncodedContent {
  const out: EncodedContent = { type: e.type, parameters: e.parameters, content: hexToBytes(e.content) };
  if (e.fallback !== undefined) out.fallback = e.fallback;
  if (e.compression !== undefined) out.compression = e.compression;
  return out;
}

describe('content as libxmtp 1.10.0 writes it', () => {
  it('has a vector for every type libxmtp can encode outside a conversation', () => {
    const types = new Set(vectors.map((v) => parleyContent(v).type));
    expect([...types].sort()).toEqual(
      ['attachment', 'markdown', 'reaction', 'readReceipt', 'remoteStaticAttachment', 'text', 'transactionReference', 'walletSendCalls'],
    );
  });

  for (const v of vectors) {
    it(`encodes ${v.name} exactly as libxmtp does, fallback included`, () => {
      const mine = encodeContent(parleyContent(v));
      expect(mine.type).toEqual(v.encoded.type);
      expect(mine.parameters).toEqual(v.encoded.parameters);
      expect(mine.fallback).toBe(v.encoded.fallback);
      expect(mine.compression).toBe(v.encoded.compression);
      expect(bytesToHex(mine.content)).toBe(v.encoded.content);
    });

    it(`decodes libxmtp's ${v.name}`, () => {
      expect(decodeUncompressedContent(fromFixture(v.encoded))).toEqual(parleyContent(v));
    });
  }
});
