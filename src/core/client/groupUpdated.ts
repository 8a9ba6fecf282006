import type { Extension } from 'ts-mls';
import type { GroupUpdatedContent, MetadataFieldChange } from '../content';
import { membershipOf } from '../mls/extensionsMembership';
import { mutableMetadataOf } from '../mls/extensionsMutableMetadata';

/**
 * The group_updated content every member derives locally from a commit (libxmtp
 * validated_commit.rs `GroupUpdated::from_with(ValidatedCommit)`): inboxes that entered or left
 * the membership extension, changed metadata attributes, admin list changes. Undefined when the
 * commit changes none of these (libxmtp `ValidatedCommit::is_empty`: no transcript message), as
 * for a key update or a member's new installation.
 */
export function groupUpdatedFor(
  before: readonly Extension[],
  after: readonly Extension[],
  actorInboxId: string,
): GroupUpdatedContent | undefined {
  const oldMembers = membershipOf(before).members;
  const newMembers = membershipOf(after).members;
  const addedInboxes = [...newMembers.keys()].filter((id) => !oldMembers.has(id));
  const removedInboxes = [...oldMembers.keys()].filter((id) => !newMembers.has(id));

  const oldMeta = mutableMetadataOf(before);
  const newMeta = mutableMetadataOf(after);
  const metadataFieldChanges: MetadataFieldChange[] = [];
  for (const fieldName of new Set([...oldMeta.attributes.keys(), ...newMeta.attributes.keys()])) {
    const oldValue = oldMeta.attributes.get(fieldName);
    const newValue = newMeta.attributes.get(fieldName);
    if (oldValue === newValue) continue;
    const change: MetadataFieldChange = { fieldName };
    if (oldValue !== undefined) change.oldValue = oldValue;
    if (newValue !== undefined) change.newValue = newValue;
    metadataFieldChanges.push(change);
  }
  const added = (a: readonly string[], b: readonly string[]) => b.filter((id) => !a.includes(id));
  const content: GroupUpdatedContent = {
    type: 'groupUpdated',
    initiatedByInboxId: actorInboxId,
    addedInboxes,
    removedInboxes,
    leftInboxes: [],
    metadataFieldChanges,
    addedAdminInboxes: added(oldMeta.adminList, newMeta.adminList),
    removedAdminInboxes: added(newMeta.adminList, oldMeta.adminList),
    addedSuperAdminInboxes: added(oldMeta.superAdminList, newMeta.superAdminList),
    removedSuperAdminInboxes: added(newMeta.superAdminList, oldMeta.superAdminList),
  };
  const empty =
    addedInboxes.length === 0 &&
    removedInboxes.length === 0 &&
    metadataFieldChanges.length === 0 &&
    content.addedAdminInboxes.length === 0 &&
    content.removedAdminInboxes.length === 0 &&
    content.addedSuperAdminInboxes.length === 0 &&
    content.removedSuperAdminInboxes.length === 0;
  return empty ? undefined : content;
}
