import type { Extension } from 'ts-mls';
import { ParleyError } from '../errors';
import { checkGroupContextChange } from './groupContextDiff';
import type { Denial, DenialRule } from './policiesEvaluate';

/** What the user is told for each rule libxmtp's evaluate_commit would refuse. */
const REFUSAL: Record<DenialRule, string> = {
  addMember: 'add members',
  removeMember: 'remove members',
  removeSuperAdminMember: 'remove a super admin from the group',
  updateMetadata: 'change this group setting',
  addAdmin: 'make admins',
  removeAdmin: 'remove admins',
  addSuperAdmin: 'make super admins',
  removeSuperAdmin: 'remove super admins (and the last super admin always stays)',
  updatePermissions: 'change the group’s permissions',
};

function describe(d: Denial): string {
  return d.subject === undefined ? d.rule : `${d.rule} (${d.subject})`;
}

/**
 * Our own change, checked by the rules every receiving client applies (the same evaluator), so a
 * commit the others would refuse is never built: Group.PermissionDenied, saying which right is
 * missing. Structural faults (Mls.InvalidGroupContextChange) pass through unchanged.
 */
export function assertOwnChangePermitted(before: readonly Extension[], after: readonly Extension[], ownInboxId: string): void {
  const decision = checkGroupContextChange(before, after, ownInboxId);
  const first = decision.denials[0];
  if (first === undefined) return;
  throw new ParleyError('Group.PermissionDenied', `This group’s permissions do not let you ${REFUSAL[first.rule]}.`, {
    details: `inbox ${ownInboxId}: ${decision.denials.map(describe).join(', ')}`,
  });
}
