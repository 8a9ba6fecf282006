import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EncodedContent, PlaintextEnvelope } from '@xmtp/proto/mls/message_contents/content.pb';
import {
  applicationMessageId,
  decodeApplicationMessage,
  encodeApplicationMessage,
  encodeContent,
  encodeEncodedContent,
  idempotencyKeyFromNs,
} from '../../../src/core/content';
import { ParleyError } from '../../../src/core/errors';
import { sendableArb } from './arbitraries';

const key = '1735689600000000000';

describe('application messages', () => {
  it('wraps the EncodedContent bytes in PlaintextEnvelope V1 with the idempotency key', () => {
    const bytes = encodeApplicationMessage({ type: 'text', text: 'gm' }, key);
    const envelope = PlaintextEnvelope.decode(bytes);
    expect(envelope.v1?.idempotencyKey).toBe(key);
    expect(EncodedContent.decode(envelope.v1!.content)).toMatchObject({
      type: { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 },
      parameters: { encoding: 'UTF-8' },
    });
  });

  it('decodes what it encodes, with the content type and the exact content bytes', async () => {
    await fc.assert(
      fc.asyncProperty(sendableArb, fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), async (content, ns) => {
        const idempotencyKey = idempotencyKeyFromNs(ns);
        const decoded = await decodeApplicationMessage(encodeApplicationMessage(content, idempotencyKey));
        const encoded = encodeContent(content);
        expect(decoded).toMatchObject({ kind: 'content', idempotencyKey, content, contentBytes: encodeEncodedContent(encoded) });
        expect(decoded.kind).toBe('content');
        if (decoded.kind === 'content') expect(decoded.fallback).toBe(encoded.fallback);
      }),
      { numRuns: 300 },
    );
  });

  it('reports the content type and fallback of an unknown type', async () => {
    const content = EncodedContent.encode({
      type: { authorityId: 'example.org', typeId: 'poll', versionMajor: 1, versionMinor: 2 },
      parameters: {},
      fallback: 'a poll',
      content: new Uint8Array([1]),
    }).finish();
    const bytes = PlaintextEnvelope.encode({ v1: { content, idempotencyKey: '1' } }).finish();
    expect(await decodeApplicationMessage(bytes)).toMatchObject({
      kind: 'content',
      contentType: 'example.org/poll:1.2',
      content: { type: 'unknown', contentType: 'example.org/poll:1.2', fallback: 'a poll' },
      fallback: 'a poll',
    });
  });

  it('recognises a V2 envelope and marks it ignored, as libxmtp 1.10 does', async () => {
    const bytes = PlaintextEnvelope.encode(PlaintextEnvelope.fromPartial({ v2: { idempotencyKey: '9', deviceSyncRequest: { pin: '1' } } })).finish();
    expect(await decodeApplicationMessage(bytes)).toEqual({ kind: 'ignored', idempotencyKey: '9', payload: 'deviceSyncRequest' });
  });

  it('wants a nanosecond timestamp as the idempotency key', () => {
    for (const bad of ['', 'abc', '-1', '01', '9223372036854775808', '1.5']) {
      expect(() => encodeApplicationMessage({ type: 'readReceipt' }, bad)).toThrowError(expect.objectContaining({ code: 'Content.Invalid' }));
    }
    expect(idempotencyKeyFromNs(1735689600123456789n)).toBe('1735689600123456789');
    expect(() => idempotencyKeyFromNs(-1n)).toThrowError(expect.objectContaining({ code: 'Content.Invalid' }));
  });

  it('computes the message id as libxmtp does: sha256(group id, tab, key, tab, content bytes)', () => {
    const groupId = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
    const contentBytes = encodeEncodedContent(encodeContent({ type: 'text', text: 'gm' }));
    const expected = createHash('sha256')
      .update(Buffer.from(groupId))
      .update('\t')
      .update(key)
      .update('\t')
      .update(Buffer.from(contentBytes))
      .digest('hex');
    expect(Buffer.from(applicationMessageId(groupId, contentBytes, key)).toString('hex')).toBe(expected);
  });

  it('gives only typed errors for random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        try {
          await decodeApplicationMessage(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect(['Codec.Malformed', 'Codec.TooLarge']).toContain((e as ParleyError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives only typed errors for random EncodedContent inside a valid envelope', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (content) => {
        const bytes = PlaintextEnvelope.encode({ v1: { content, idempotencyKey: '1' } }).finish();
        try {
          await decodeApplicationMessage(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect((e as ParleyError).code).toBe('Codec.Malformed');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
