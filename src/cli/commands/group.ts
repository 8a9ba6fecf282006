import type { AgentClient } from '../../agent/agentClient';
import type { Group } from '../../core/client';
import { ParleyError } from '../../core/errors';
import { isEthereumAddress } from '../../core/identity/inboxId';
import { isInboxId } from '../../core/mls/credential';
import { isConversationId } from '../listener/protocol';
import {
  PERMISSION_METADATA_FIELDS,
  PERMISSION_OPTIONS,
  PERMISSION_UPDATE_TYPES,
  POLICY_PRESETS,
  type PermissionOption,
  type PermissionUpdateType,
  type PolicyPreset,
} from '../../core/mls/policyUpdate';

/** What `parley group …` asks, as it crosses the listener socket. */
export type GroupAction =
  | { op: 'create'; name: string; members: string[]; permissions?: PolicyPreset }
  | { op: 'permissions'; conversationId: string }
  | { op: 'members'; conversationId: string }
  | { op: 'add' | 'remove'; conversationId: string; members: string[] }
  | { op: 'rename'; conversationId: string; name: string }
  | { op: 'admin' | 'superAdmin'; change: 'add' | 'remove'; conversationId: string; inboxId: string }
  | { op: 'permission'; conversationId: string; update: PermissionUpdateType; option: PermissionOption; field?: string };

const MAX_MEMBERS = 250;
const MAX_NAME_CHARS = 100;

function bad(details: string): ParleyError {
  return new ParleyError('Cli.BadArguments', 'Bad `group` arguments.', { details });
}

function oneOf<T extends string>(values: readonly T[], value: unknown, what: string): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) throw bad(`${what} must be one of ${values.join(', ')}`);
  return value as T;
}

function groupId(value: unknown): string {
  if (typeof value !== 'string' || !isConversationId(value)) throw bad('the conversation id must be lowercase hex');
  return value;
}

function groupName(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_NAME_CHARS) throw bad(`the name must be a string of at most ${MAX_NAME_CHARS} characters`);
  return value;
}

function memberList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_MEMBERS) throw bad(`give 1 to ${MAX_MEMBERS} members`);
  for (const m of value) if (typeof m !== 'string' || (!isEthereumAddress(m) && !isInboxId(m))) throw bad('a member must be a 0x address or an inbox id');
  return value as string[];
}

function inboxId(value: unknown): string {
  if (typeof value !== 'string' || !isInboxId(value)) throw bad('the inbox id must be 64 hex digits');
  return value;
}

/** `group <sub> …` positionals to an action; bad input is Cli.BadArguments naming the problem. */
export function parseGroupArgs(args: readonly string[], permissions: string | undefined): GroupAction {
  const [sub, ...rest] = args;
  if (permissions !== undefined && sub !== 'create') throw bad('--permissions is an option of `group create` only');
  switch (sub) {
    case 'create': {
      const [name, ...members] = rest;
      if (name === undefined || members.length === 0) throw bad('`group create` takes a name and at least one member');
      return checkedAction({ op: 'create', name, members, ...(permissions === undefined ? {} : { permissions }) });
    }
    case 'permissions':
    case 'members':
      if (rest.length !== 1) throw bad(`\`group ${sub}\` takes a conversation id`);
      return checkedAction({ op: sub, conversationId: rest[0] });
    case 'add':
    case 'remove': {
      const [conversationId, ...members] = rest;
      if (conversationId === undefined || members.length === 0) throw bad(`\`group ${sub}\` takes a conversation id and at least one member`);
      return checkedAction({ op: sub, conversationId, members });
    }
    case 'rename':
      if (rest.length !== 2) throw bad('`group rename` takes a conversation id and the new name');
      return checkedAction({ op: 'rename', conversationId: rest[0], name: rest[1] });
    case 'admin':
    case 'super-admin':
      if (rest.length !== 3) throw bad(`\`group ${sub}\` takes add|remove, a conversation id and an inbox id`);
      return checkedAction({ op: sub === 'admin' ? 'admin' : 'superAdmin', change: rest[0], conversationId: rest[1], inboxId: rest[2] });
    case 'permission': {
      if (rest.length !== 3 && rest.length !== 4) throw bad('`group permission` takes a conversation id, an update, an option and, for updateMetadata, a field');
      const [conversationId, update, option, field] = rest;
      return checkedAction({ op: 'permission', conversationId, update, option, ...(field === undefined ? {} : { field }) });
    }
    default:
      throw bad(`unknown group command ${JSON.stringify(String(sub).slice(0, 40))}: create, add, remove, rename, members, permissions, admin, super-admin or permission`);
  }
}

/** Checks an action from the command line or the socket, field by field; no other fields pass. */
export function checkedAction(o: Record<string, unknown>): GroupAction {
  const allowed = (keys: string[]) => {
    const extra = Object.keys(o).find((k) => !keys.includes(k));
    if (extra !== undefined) throw bad(`unknown field ${JSON.stringify(extra.slice(0, 40))}`);
  };
  switch (o['op']) {
    case 'create': {
      allowed(['op', 'name', 'members', 'permissions']);
      const action: GroupAction = { op: 'create', name: groupName(o['name']), members: memberList(o['members']) };
      const { permissions } = o;
      if (permissions !== undefined) action.permissions = oneOf(POLICY_PRESETS, permissions, '--permissions');
      return action;
    }
    case 'permissions':
    case 'members':
      allowed(['op', 'conversationId']);
      return { op: o['op'], conversationId: groupId(o['conversationId']) };
    case 'add':
    case 'remove':
      allowed(['op', 'conversationId', 'members']);
      return { op: o['op'], conversationId: groupId(o['conversationId']), members: memberList(o['members']) };
    case 'rename':
      allowed(['op', 'conversationId', 'name']);
      return { op: 'rename', conversationId: groupId(o['conversationId']), name: groupName(o['name']) };
    case 'admin':
    case 'superAdmin':
      allowed(['op', 'change', 'conversationId', 'inboxId']);
      return { op: o['op'], change: oneOf(['add', 'remove'] as const, o['change'], 'the change'), conversationId: groupId(o['conversationId']), inboxId: inboxId(o['inboxId']) };
    case 'permission': {
      allowed(['op', 'conversationId', 'update', 'option', 'field']);
      const update = oneOf(PERMISSION_UPDATE_TYPES, o['update'], 'the update');
      const action: GroupAction = { op: 'permission', conversationId: groupId(o['conversationId']), update, option: oneOf(PERMISSION_OPTIONS, o['option'], 'the option') };
      if (update === 'updateMetadata') action.field = oneOf(PERMISSION_METADATA_FIELDS, o['field'], 'the field');
      else if (o['field'] !== undefined) throw bad('only updateMetadata names a field');
      return action;
    }
    default:
      throw bad(`unknown group op ${JSON.stringify(o['op'])?.slice(0, 40)}`);
  }
}

function rolesLine(group: Group): Record<string, unknown> {
  const { preset, ...policies } = group.permissions();
  return { conversationId: group.id, preset, adminInboxIds: [...group.adminInboxIds], superAdminInboxIds: [...group.superAdminInboxIds], policies };
}

async function groupOf(agent: AgentClient, id: string): Promise<Group> {
  await agent.client.conversations.sync();
  const conversation = await agent.client.conversations.getConversationById(id);
  if (conversation?.kind !== 'group') throw new ParleyError('Client.NotFound', 'No such group.', { details: id });
  await conversation.sync();
  return conversation;
}

async function membershipLine(group: Group): Promise<Record<string, unknown>> {
  return { conversationId: group.id, memberInboxIds: (await group.members()).map((m) => m.inboxId) };
}

/**
 * Runs a group action; prints the group (create), its members (one line each; after add or
 * remove, one line with their inbox ids), its new name, or its roles and policies after a change.
 */
export async function groupLines(agent: AgentClient, action: GroupAction): Promise<Record<string, unknown>[]> {
  if (action.op === 'create') {
    const options = action.permissions === undefined ? { name: action.name } : { name: action.name, permissions: action.permissions };
    const group = await agent.client.conversations.createGroup(action.members, options);
    return [{ id: group.id, name: group.name, ...rolesLine(group) }];
  }
  const group = await groupOf(agent, action.conversationId);
  switch (action.op) {
    case 'permissions':
      break;
    case 'members':
      return (await group.members()).map((m) => ({ conversationId: group.id, inboxId: m.inboxId, permissionLevel: m.permissionLevel, installationIds: m.installationIds }));
    case 'add':
      await group.addMembers(action.members);
      return [await membershipLine(group)];
    case 'remove':
      await group.removeMembers(action.members);
      return [await membershipLine(group)];
    case 'rename':
      await group.updateName(action.name);
      return [{ conversationId: group.id, name: group.name }];
    case 'admin':
      await (action.change === 'add' ? group.addAdmin(action.inboxId) : group.removeAdmin(action.inboxId));
      break;
    case 'superAdmin':
      await (action.change === 'add' ? group.addSuperAdmin(action.inboxId) : group.removeSuperAdmin(action.inboxId));
      break;
    case 'permission':
      await group.updatePermission(action.field === undefined ? { update: action.update, option: action.option } : { update: action.update, option: action.option, field: action.field });
      break;
  }
  return [rolesLine(group)];
}
