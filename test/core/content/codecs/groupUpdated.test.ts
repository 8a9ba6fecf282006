import { describe, expect, it } from 'vitest';
import { GroupUpdated } from '@xmtp/proto/mls/message_contents/transcript_messages.pb';
import { ContentTypes, decodeUncompressedContent, encodeContent } from './helpers';

describe('group_updated content', () => {
  it('decodes the transcript GroupUpdated message libxmtp derives from a commit', () => {
    const wire = GroupUpdated.encode(
      GroupUpdated.fromPartial({
        initiatedByInboxId: 'aa',
        addedInboxes: [{ inboxId: 'bb' }, { inboxId: 'cc' }],
        leftInboxes: [{ inboxId: 'dd' }],
        metadataFieldChanges: [{ fieldName: 'group_name', newValue: 'Frens' }],
        addedSuperAdminInboxes: [{ inboxId: 'ee' }],
      }),
    ).finish();
    expect(decodeUncompressedContent({ type: { ...ContentTypes.groupUpdated }, parameters: {}, content: wire })).toEqual({
      type: 'groupUpdated',
      initiatedByInboxId: 'aa',
      addedInboxes: ['bb', 'cc'],
      removedInboxes: [],
      leftInboxes: ['dd'],
      metadataFieldChanges: [{ fieldName: 'group_name', newValue: 'Frens' }],
      addedAdminInboxes: [],
      removedAdminInboxes: [],
      addedSuperAdminInboxes: ['ee'],
      removedSuperAdminInboxes: [],
    });
  });

  it('encodes the local message as xmtp.org/group_updated:1.0 with no fallback', () => {
    const encoded = encodeContent({
      type: 'groupUpdated',
      initiatedByInboxId: 'aa',
      addedInboxes: [],
      removedInboxes: ['bb'],
      leftInboxes: [],
      metadataFieldChanges: [],
      addedAdminInboxes: [],
      removedAdminInboxes: [],
      addedSuperAdminInboxes: [],
      removedSuperAdminInboxes: [],
    });
    expect(encoded.type).toEqual({ authorityId: 'xmtp.org', typeId: 'group_updated', versionMajor: 1, versionMinor: 0 });
    expect(encoded.fallback).toBeUndefined();
    expect(GroupUpdated.decode(encoded.content)).toMatchObject({ initiatedByInboxId: 'aa', removedInboxes: [{ inboxId: 'bb' }] });
  });
});
