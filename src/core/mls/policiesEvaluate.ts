import { ParleyError } from '../errors';
import type { DmMembers } from './extensionsGroupMetadata';
import type { MembershipPolicy, MetadataPolicy, PermissionsPolicy, Policy, PolicySet } from './policies';

/** A member's standing before the commit (libxmtp CommitParticipant / Inbox). */
export interface InboxRole {
  inboxId: string;
  isAdmin: boolean;
  isSuperAdmin: boolean;
}

/**
 * What one commit changes, in the terms libxmtp judges it by (groups/validated_commit.rs,
 * ValidatedCommit and MutableMetadataValidationInfo). Roles are those before the commit.
 */
export interface GroupChanges {
  addedInboxes: readonly InboxRole[];
  removedInboxes: readonly InboxRole[];
  /** Attribute keys whose value was added, changed or removed. */
  metadataFieldsChanged: readonly string[];
  adminsAdded: readonly string[];
  adminsRemoved: readonly string[];
  superAdminsAdded: readonly string[];
  superAdminsRemoved: readonly string[];
  /** Length of the super-admin list after the commit. */
  superAdminCountAfter: number;
  permissionsChanged: boolean;
}

export const NO_CHANGES: GroupChanges = {
  addedInboxes: [],
  removedInboxes: [],
  metadataFieldsChanged: [],
  adminsAdded: [],
  adminsRemoved: [],
  superAdminsAdded: [],
  superAdminsRemoved: [],
  superAdminCountAfter: 1,
  permissionsChanged: false,
};

export type DenialRule =
  | 'addMember'
  | 'removeMember'
  | 'removeSuperAdminMember'
  | 'updateMetadata'
  | 'addAdmin'
  | 'removeAdmin'
  | 'addSuperAdmin'
  | 'removeSuperAdmin'
  | 'updatePermissions';

export interface Denial {
  rule: DenialRule;
  /** The inbox or attribute key the rule refused, where there is one. */
  subject?: string;
}

export interface PolicyDecision {
  allowed: boolean;
  denials: Denial[];
}

/** libxmtp group_permissions.rs SUPER_ADMIN_METADATA_PREFIX. */
const SUPER_ADMIN_PREFIX = '_';

function evaluatePolicy<B extends string>(policy: Policy<B>, base: (b: B) => boolean): boolean {
  if ('base' in policy) return base(policy.base);
  if ('and' in policy) return policy.and.every((p) => evaluatePolicy(p, base));
  return policy.any.some((p) => evaluatePolicy(p, base));
}

function roleRule(actor: InboxRole) {
  return (b: string): boolean => {
    switch (b) {
      case 'allow':
        return true;
      case 'allowIfAdmin':
        return actor.isAdmin || actor.isSuperAdmin;
      case 'allowIfSuperAdmin':
        return actor.isSuperAdmin;
      default:
        return false;
    }
  };
}

function membershipAllows(policy: MembershipPolicy, actor: InboxRole): boolean {
  return evaluatePolicy(policy, roleRule(actor));
}

function metadataAllows(policy: MetadataPolicy, actor: InboxRole): boolean {
  return evaluatePolicy(policy, roleRule(actor));
}

function permissionsAllows(policy: PermissionsPolicy, actor: InboxRole): boolean {
  return evaluatePolicy(policy, roleRule(actor));
}

/**
 * The policy for an attribute key: its own entry, else super-admin only for "_"-prefixed keys
 * and admin only for the rest (PolicySet::evaluate_metadata_policy).
 */
export function metadataPolicyFor(policies: PolicySet, field: string): MetadataPolicy {
  return (
    policies.updateMetadata.get(field) ??
    (field.startsWith(SUPER_ADMIN_PREFIX) ? { base: 'allowIfSuperAdmin' } : { base: 'allowIfAdmin' })
  );
}

/**
 * Would an honest libxmtp 1.10 client accept these changes from this actor?
 * PolicySet::evaluate_commit, rule for rule; a commit is judged as a whole.
 */
export function evaluateGroupChanges(
  policies: PolicySet,
  actor: InboxRole,
  changes: GroupChanges,
  dmMembers?: DmMembers,
): PolicyDecision {
  const denials: Denial[] = [];

  // A DM's add policy is deny, but the one peer may always be (re)added by the other member.
  const addedDmPeer =
    dmMembers !== undefined &&
    changes.addedInboxes.length === 1 &&
    changes.addedInboxes.every(
      ({ inboxId }) =>
        (inboxId === dmMembers.memberOne || inboxId === dmMembers.memberTwo) && inboxId !== actor.inboxId,
    );
  if (!addedDmPeer) {
    for (const added of changes.addedInboxes) {
      if (!membershipAllows(policies.addMember, actor)) denials.push({ rule: 'addMember', subject: added.inboxId });
    }
  }

  for (const removed of changes.removedInboxes) {
    if (!membershipAllows(policies.removeMember, actor)) denials.push({ rule: 'removeMember', subject: removed.inboxId });
    // Nobody, not even another super admin, removes a super admin from the group.
    if (removed.isSuperAdmin) denials.push({ rule: 'removeSuperAdminMember', subject: removed.inboxId });
  }

  for (const field of changes.metadataFieldsChanged) {
    if (!metadataAllows(metadataPolicyFor(policies, field), actor)) denials.push({ rule: 'updateMetadata', subject: field });
  }

  if (changes.adminsAdded.length > 0 && !permissionsAllows(policies.addAdmin, actor)) {
    denials.push({ rule: 'addAdmin' });
  }
  if (changes.adminsRemoved.length > 0 && !permissionsAllows(policies.removeAdmin, actor)) {
    denials.push({ rule: 'removeAdmin' });
  }
  if (changes.superAdminsAdded.length > 0 && !actor.isSuperAdmin) denials.push({ rule: 'addSuperAdmin' });
  // The last super admin stays: a group without one could never change its policies again.
  if (changes.superAdminsRemoved.length > 0 && !(actor.isSuperAdmin && changes.superAdminCountAfter > 0)) {
    denials.push({ rule: 'removeSuperAdmin' });
  }
  // libxmtp 1.10 ignores update_permissions_policy here: only a super admin changes policies.
  if (changes.permissionsChanged && !actor.isSuperAdmin) denials.push({ rule: 'updatePermissions' });

  return { allowed: denials.length === 0, denials };
}

export function assertAllowed(decision: PolicyDecision, actorInboxId: string): void {
  if (decision.allowed) return;
  throw new ParleyError('Mls.PolicyDenied', 'The group permissions do not allow this change.', {
    details: `actor ${actorInboxId}: ${decision.denials
      .map((d) => (d.subject === undefined ? d.rule : `${d.rule} (${d.subject})`))
      .join(', ')}`,
  });
}
