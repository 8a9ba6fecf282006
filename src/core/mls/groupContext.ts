import { encodeRequiredCapabilities, type Extension } from 'ts-mls';
import { ParleyError } from '../errors';
import {
  EXTENSION_APPLICATION_ID,
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  EXTENSION_LAST_RESORT,
  EXTENSION_MUTABLE_METADATA,
  replaceExtension,
} from './extensions';
import { groupMetadataExtension } from './extensionsGroupMetadata';
import { membershipExtension, membershipOf } from './extensionsMembership';
import {
  METADATA_FIELD,
  mutableMetadataExtension,
  mutableMetadataOf,
  overlongAttribute,
  type GroupMutableMetadata,
} from './extensionsMutableMetadata';
import { permissionsExtension } from './extensionsPermissions';
import { defaultGroupPolicySet, dmPolicySet, type PolicySet } from './policies';

/**
 * Building the group-context extension list of an XMTP group, and the whole new list a
 * GroupContextExtensions proposal carries: RFC 9420 §12.1.7 replaces the entire list, so every
 * change here is "current list + one change → new full list" (libxmtp groups/mod.rs
 * build_extensions_for_*). Removing a member is a Remove plus the membership change in one
 * commit, as libxmtp does it (it refuses removed installations the membership does not explain).
 * Unpatched ts-mls 1.6.4 breaks on that pair (ts-mls issue #742); patches/ts-mls+1.6.4.patch is
 * the fix, so never run these commits on an unpatched ts-mls.
 */

/** Disappearing messages: delete messages sent after `fromNs` once `inNs` has passed. */
export interface DisappearingSettings {
  fromNs: bigint;
  inNs: bigint;
}

export interface NewGroupOptions {
  creatorInboxId: string;
  /** The creator's latest identity-update sequence id, for the membership map. */
  creatorSequenceId: bigint;
  name?: string;
  description?: string;
  imageUrlSquare?: string;
  appData?: string;
  disappearing?: DisappearingSettings;
  policies?: PolicySet;
}

export interface NewDmOptions {
  creatorInboxId: string;
  creatorSequenceId: bigint;
  peerInboxId: string;
  appData?: string;
  disappearing?: DisappearingSettings;
}

/**
 * libxmtp build_group_config: members must support the four XMTP extensions, last_resort and
 * application_id, and GroupContextExtensions proposals (7), with basic credentials.
 */
export function xmtpRequiredCapabilities(): Extension {
  return {
    extensionType: 'required_capabilities',
    extensionData: encodeRequiredCapabilities({
      extensionTypes: [
        EXTENSION_GROUP_MEMBERSHIP,
        EXTENSION_MUTABLE_METADATA,
        EXTENSION_GROUP_PERMISSIONS,
        EXTENSION_IMMUTABLE_METADATA,
        EXTENSION_LAST_RESORT,
        EXTENSION_APPLICATION_ID,
      ],
      proposalTypes: [7],
      credentialTypes: ['basic'],
    }),
  };
}

function checkedAttributes(entries: [string, string | undefined][]): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    const max = overlongAttribute(key, value);
    if (max !== undefined) {
      throw new ParleyError('Mls.BadInput', 'A group attribute is too long.', {
        details: `${key} is longer than ${max} bytes`,
      });
    }
    attributes.set(key, value);
  }
  return attributes;
}

function disappearingEntries(settings: DisappearingSettings | undefined): [string, string | undefined][] {
  // libxmtp writes the i64 nanosecond values as decimal strings.
  return [
    [METADATA_FIELD.messageDisappearFromNs, settings?.fromNs.toString()],
    [METADATA_FIELD.messageDisappearInNs, settings?.inNs.toString()],
  ];
}

/**
 * The extensions of a new group, in libxmtp's order: immutable metadata, mutable metadata (the
 * creator as sole super admin; name, description and image default to ""), membership (the
 * creator alone: members join by Add + membership commits), policies (default: "All Members"),
 * required capabilities. libxmtp also stores a random commit-log signing key under
 * `_commit_log_signer`; it is optional and Parley leaves it out.
 */
export function newGroupExtensions(options: NewGroupOptions): Extension[] {
  const attributes = checkedAttributes([
    [METADATA_FIELD.groupName, options.name ?? ''],
    [METADATA_FIELD.description, options.description ?? ''],
    [METADATA_FIELD.groupImageUrlSquare, options.imageUrlSquare ?? ''],
    [METADATA_FIELD.appData, options.appData ?? ''],
    ...disappearingEntries(options.disappearing),
  ]);
  return [
    groupMetadataExtension({ conversationType: 'group', creatorInboxId: options.creatorInboxId }),
    mutableMetadataExtension({ attributes, adminList: [], superAdminList: [options.creatorInboxId] }),
    membershipExtension({
      members: new Map([[options.creatorInboxId, options.creatorSequenceId]]),
      failedInstallations: [],
    }),
    permissionsExtension(options.policies ?? defaultGroupPolicySet()),
    xmtpRequiredCapabilities(),
  ];
}

/**
 * The extensions of a new DM (libxmtp new_dm_default and build_dm_protected_metadata_extension):
 * both inboxes fixed in the immutable metadata, no admins at all, the DM policy set. The peer
 * joins by the usual Add + membership commit, which the DM policy allows for the peer alone.
 */
export function newDmExtensions(options: NewDmOptions): Extension[] {
  const attributes = checkedAttributes([
    [METADATA_FIELD.groupName, ''],
    [METADATA_FIELD.description, ''],
    [METADATA_FIELD.groupImageUrlSquare, ''],
    [METADATA_FIELD.appData, options.appData],
    ...disappearingEntries(options.disappearing),
  ]);
  return [
    groupMetadataExtension({
      conversationType: 'dm',
      creatorInboxId: options.creatorInboxId,
      dmMembers: { memberOne: options.creatorInboxId, memberTwo: options.peerInboxId },
    }),
    mutableMetadataExtension({ attributes, adminList: [], superAdminList: [] }),
    membershipExtension({
      members: new Map([[options.creatorInboxId, options.creatorSequenceId]]),
      failedInstallations: [],
    }),
    permissionsExtension(dmPolicySet()),
    xmtpRequiredCapabilities(),
  ];
}

function withMutableMetadata(
  extensions: readonly Extension[],
  change: (current: GroupMutableMetadata) => GroupMutableMetadata,
): Extension[] {
  return replaceExtension(extensions, mutableMetadataExtension(change(mutableMetadataOf(extensions))));
}

/** Sets one attribute (build_extensions_for_metadata_update); the policies decide who may. */
export function withMetadataAttribute(extensions: readonly Extension[], key: string, value: string): Extension[] {
  const checked = checkedAttributes([[key, value]]);
  return withMutableMetadata(extensions, (m) => ({ ...m, attributes: new Map([...m.attributes, ...checked]) }));
}

export function withGroupName(extensions: readonly Extension[], name: string): Extension[] {
  return withMetadataAttribute(extensions, METADATA_FIELD.groupName, name);
}

export function withDescription(extensions: readonly Extension[], description: string): Extension[] {
  return withMetadataAttribute(extensions, METADATA_FIELD.description, description);
}

export function withImageUrlSquare(extensions: readonly Extension[], url: string): Extension[] {
  return withMetadataAttribute(extensions, METADATA_FIELD.groupImageUrlSquare, url);
}

export function withAppData(extensions: readonly Extension[], appData: string): Extension[] {
  return withMetadataAttribute(extensions, METADATA_FIELD.appData, appData);
}

/** Both disappearing-message attributes in one list, as libxmtp's settings update does. */
export function withDisappearingMessages(extensions: readonly Extension[], settings: DisappearingSettings): Extension[] {
  return withMutableMetadata(extensions, (m) => ({
    ...m,
    attributes: new Map([...m.attributes, ...checkedAttributes(disappearingEntries(settings))]),
  }));
}

type AdminList = 'adminList' | 'superAdminList';

function withListMember(extensions: readonly Extension[], list: AdminList, inboxId: string, present: boolean): Extension[] {
  return withMutableMetadata(extensions, (m) => {
    const current = m[list];
    if (present === current.includes(inboxId)) return m;
    return { ...m, [list]: present ? [...current, inboxId] : current.filter((id) => id !== inboxId) };
  });
}

export function withAdmin(extensions: readonly Extension[], inboxId: string): Extension[] {
  return withListMember(extensions, 'adminList', inboxId, true);
}

export function withoutAdmin(extensions: readonly Extension[], inboxId: string): Extension[] {
  return withListMember(extensions, 'adminList', inboxId, false);
}

export function withSuperAdmin(extensions: readonly Extension[], inboxId: string): Extension[] {
  return withListMember(extensions, 'superAdminList', inboxId, true);
}

export function withoutSuperAdmin(extensions: readonly Extension[], inboxId: string): Extension[] {
  return withListMember(extensions, 'superAdminList', inboxId, false);
}

/**
 * Adds an inbox to the membership map, or moves it to a newer identity-update sequence id; the
 * map entry is what makes peers expect (and accept) that inbox's installations in the commit.
 */
export function withMembership(extensions: readonly Extension[], inboxId: string, sequenceId: bigint): Extension[] {
  const membership = membershipOf(extensions);
  const current = membership.members.get(inboxId);
  // libxmtp validated_commit.rs: a member's sequence id never goes back (SequenceIdDecreased).
  if (current !== undefined && sequenceId < current) {
    throw new ParleyError('Mls.BadInput', 'A member’s identity sequence id cannot go back.', {
      details: `${inboxId}: ${current} → ${sequenceId}`,
    });
  }
  const members = new Map(membership.members).set(inboxId, sequenceId);
  return replaceExtension(extensions, membershipExtension({ ...membership, members }));
}

/** Drops an inbox from the membership map; the commit also removes all its leaves. */
export function withoutMember(extensions: readonly Extension[], inboxId: string): Extension[] {
  const membership = membershipOf(extensions);
  const members = new Map(membership.members);
  members.delete(inboxId);
  return replaceExtension(extensions, membershipExtension({ ...membership, members }));
}

/** Replaces the policy set (libxmtp lets only a super admin do this). */
export function withPolicySet(extensions: readonly Extension[], policies: PolicySet): Extension[] {
  return replaceExtension(extensions, permissionsExtension(policies));
}
