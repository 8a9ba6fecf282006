import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PlaintextEnvelope,
  PlaintextEnvelope_V2,
  type DeepPartial,
} from '@xmtp/proto/mls/message_contents/content.pb';
import {
  decodePlaintextEnvelope,
  encodePlaintextEnvelope,
  type PlaintextEnvelopeV2Payload,
} from '../../../src/core/content';
import { ParleyError } from '../../../src/core/errors';
import { unicode } from './arbitraries';

type PlaintextEnvelopeV2Input = DeepPartial<PlaintextEnvelope_V2> & { idempotencyKey: string };

describe('PlaintextEnvelope', () => {
  it('writes V1 {content, idempotency_key} as the proto codec does', () => {
    const content = new Uint8Array([0x0a, 0x00]);
    const expected = PlaintextEnvelope.encode({ v1: { content, idempotencyKey: '1700000000000000000' } }).finish();
    expect(encodePlaintextEnvelope(content, '1700000000000000000')).toEqual(new Uint8Array(expected));
    // field 1 (v1) { field 1 content, field 2 idempotency_key }
    expect(Buffer.from(encodePlaintextEnvelope(content, '7')).toString('hex')).toBe('0a070a020a00120137');
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), unicode(25), (content, idempotencyKey) => {
        expect(decodePlaintextEnvelope(encodePlaintextEnvelope(content, idempotencyKey))).toEqual({
          version: 1,
          content,
          idempotencyKey,
        });
      }),
    );
  });

  it('recognises each V2 payload, which receivers drop', () => {
    const cases: [PlaintextEnvelopeV2Input, PlaintextEnvelopeV2Payload][] = [
      [{ idempotencyKey: '1', content: new Uint8Array([1]) }, 'content'],
      [{ idempotencyKey: '2', deviceSyncRequest: { pin: '1234', serverUrl: '' } }, 'deviceSyncRequest'],
      [{ idempotencyKey: '3', deviceSyncReply: { requestId: 'r', url: 'u' } }, 'deviceSyncReply'],
      [{ idempotencyKey: '4', userPreferenceUpdate: { contents: [new Uint8Array([1])] } }, 'userPreferenceUpdate'],
      [{ idempotencyKey: '5' }, 'none'],
    ];
    for (const [v2, payload] of cases) {
      const bytes = PlaintextEnvelope.encode({ v2: PlaintextEnvelope_V2.fromPartial(v2) }).finish();
      expect(decodePlaintextEnvelope(bytes)).toEqual({ version: 2, idempotencyKey: v2.idempotencyKey, payload });
    }
  });

  it('rejects an envelope with neither version, as libxmtp does', () => {
    expect(() => decodePlaintextEnvelope(new Uint8Array(0))).toThrowError(expect.objectContaining({ code: 'Codec.Malformed' }));
  });

  it('gives only Codec errors for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodePlaintextEnvelope(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect(['Codec.Malformed', 'Codec.TooLarge']).toContain((e as ParleyError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
