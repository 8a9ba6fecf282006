import {
  GroupUpdated,
  type GroupUpdated_Inbox,
} from '@xmtp/proto/mls/message_contents/transcript_messages.pb';
import type { GroupUpdatedContent, MetadataFieldChange } from '../content';
import { ContentTypes } from '../contentTypeId';
import { ownBytes } from '../bytes';
import type { EncodedContent } from '../encodedContent';
import { malformed } from './wire';

const inboxes = (ids: readonly string[]): GroupUpdated_Inbox[] => ids.map((inboxId) => ({ inboxId }));
const inboxIds = (list: readonly GroupUpdated_Inbox[]): string[] => list.map((i) => i.inboxId);

/**
 * libxmtp group_updated.rs: the transcript message GroupUpdated, no fallback. libxmtp
 * builds it on receipt of a commit and stores it as a local message; so does Parley.
 */
export function encodeGroupUpdated(content: GroupUpdatedContent): EncodedContent {
  const wire: GroupUpdated = {
    initiatedByInboxId: content.initiatedByInboxId,
    addedInboxes: inboxes(content.addedInboxes),
    removedInboxes: inboxes(content.removedInboxes),
    metadataFieldChanges: content.metadataFieldChanges.map((c) => ({ ...c })),
    leftInboxes: inboxes(content.leftInboxes),
    addedAdminInboxes: inboxes(content.addedAdminInboxes),
    removedAdminInboxes: inboxes(content.removedAdminInboxes),
    addedSuperAdminInboxes: inboxes(content.addedSuperAdminInboxes),
    removedSuperAdminInboxes: inboxes(content.removedSuperAdminInboxes),
  };
  return {
    type: { ...ContentTypes.groupUpdated },
    parameters: {},
    content: ownBytes(GroupUpdated.encode(wire).finish()),
  };
}

export function decodeGroupUpdated(encoded: EncodedContent): GroupUpdatedContent {
  let wire: GroupUpdated;
  try {
    wire = GroupUpdated.decode(encoded.content);
  } catch (cause) {
    throw malformed('group_updated', cause);
  }
  return groupUpdatedFromProto(wire);
}

/** A GroupUpdated message (as decoded, or as the commit validator summarises a commit) as content. */
export function groupUpdatedFromProto(wire: GroupUpdated): GroupUpdatedContent {
  return {
    type: 'groupUpdated',
    initiatedByInboxId: wire.initiatedByInboxId,
    addedInboxes: inboxIds(wire.addedInboxes),
    removedInboxes: inboxIds(wire.removedInboxes),
    leftInboxes: inboxIds(wire.leftInboxes),
    metadataFieldChanges: wire.metadataFieldChanges.map((c) => {
      const change: MetadataFieldChange = { fieldName: c.fieldName };
      if (c.oldValue !== undefined) change.oldValue = c.oldValue;
      if (c.newValue !== undefined) change.newValue = c.newValue;
      return change;
    }),
    addedAdminInboxes: inboxIds(wire.addedAdminInboxes),
    removedAdminInboxes: inboxIds(wire.removedAdminInboxes),
    addedSuperAdminInboxes: inboxIds(wire.addedSuperAdminInboxes),
    removedSuperAdminInboxes: inboxIds(wire.removedSuperAdminInboxes),
  };
}
