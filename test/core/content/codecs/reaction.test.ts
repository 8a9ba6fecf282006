import { describe, expect, it } from 'vitest';
import {
  ReactionAction,
  ReactionSchema,
  ReactionV2,
} from '@xmtp/proto/mls/message_contents/content_types/reaction.pb';
import { ContentTypes, decodeUncompressedContent, encodeContent, isContentError } from './helpers';

const reference = 'ab'.repeat(32);
const v1 = { ...ContentTypes.reaction, versionMajor: 1 };
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('reaction content', () => {
  it('writes reaction 2.0 as a protobuf ReactionV2', () => {
    const encoded = encodeContent({ type: 'reaction', reference, action: 'removed', schema: 'custom', content: 'https://x/y.png' });
    expect(encoded.type).toEqual({ authorityId: 'xmtp.org', typeId: 'reaction', versionMajor: 2, versionMinor: 0 });
    expect(ReactionV2.decode(encoded.content)).toEqual({
      reference,
      referenceInboxId: '',
      action: ReactionAction.REACTION_ACTION_REMOVED,
      content: 'https://x/y.png',
      schema: ReactionSchema.REACTION_SCHEMA_CUSTOM,
    });
  });

  it('reads reaction 1.0 JSON from older xmtp-js clients', () => {
    const decoded = decodeUncompressedContent({
      type: v1,
      parameters: {},
      content: json({ action: 'added', reference, referenceInboxId: 'cd'.repeat(32), schema: 'shortcode', content: ':+1:' }),
    });
    expect(decoded).toEqual({
      type: 'reaction',
      reference,
      referenceInboxId: 'cd'.repeat(32),
      action: 'added',
      schema: 'shortcode',
      content: ':+1:',
    });
  });

  it('reads the oldest reaction 1.0 form: the emoji as text, the rest in parameters', () => {
    const decoded = decodeUncompressedContent({
      type: v1,
      parameters: { action: 'removed', reference, schema: 'unicode', encoding: 'UTF-8' },
      content: new TextEncoder().encode('🔥'),
    });
    expect(decoded).toEqual({ type: 'reaction', reference, action: 'removed', schema: 'unicode', content: '🔥' });
  });

  it('rejects a reaction whose action is neither added nor removed', () => {
    const unspecified = ReactionV2.encode({ reference, referenceInboxId: '', action: ReactionAction.REACTION_ACTION_UNSPECIFIED, content: '👍', schema: 1 }).finish();
    expect(isContentError(() => decodeUncompressedContent({ type: { ...ContentTypes.reaction }, parameters: {}, content: unspecified }), 'Codec.Malformed')).toBe(true);
    expect(isContentError(() => decodeUncompressedContent({ type: v1, parameters: {}, content: json({ action: 'liked', reference, schema: 'unicode', content: 'x' }) }), 'Codec.Malformed')).toBe(true);
  });

  it('reads an unspecified schema as unicode', () => {
    const bytes = ReactionV2.encode({ reference, referenceInboxId: '', action: 1, content: '👍', schema: ReactionSchema.REACTION_SCHEMA_UNSPECIFIED }).finish();
    expect(decodeUncompressedContent({ type: { ...ContentTypes.reaction }, parameters: {}, content: bytes })).toMatchObject({ schema: 'unicode' });
  });
});
