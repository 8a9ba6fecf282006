import { isParleyError } from '../errors';
import type { GroupLeaf } from './groupLeaves';
import type { GroupRecord, MessageKind, RefusedMessage } from './store';

/**
 * How many refused messages a group keeps for diagnostics: the newest, so a flood of garbage on
 * the group's topic (anyone may publish there) costs a bounded record, not a row per envelope.
 */
export const MAX_REFUSED_PER_GROUP = 16;

/** The diagnostics entry for a group message that is not shown; `sender` only when authenticated. */
export function refusedMessage(input: {
  sequenceId: bigint;
  sentAtNs: bigint;
  wireId: string;
  kind: MessageKind;
  error: unknown;
  sender?: GroupLeaf;
}): RefusedMessage {
  const error = isParleyError(input.error)
    ? { code: input.error.code, message: input.error.shortMessage }
    : { code: 'Mls.DecryptFailed', message: input.error instanceof Error ? input.error.message : String(input.error) };
  const entry: RefusedMessage = { sequenceId: input.sequenceId, sentAtNs: input.sentAtNs, wireId: input.wireId, kind: input.kind, error };
  if (input.sender !== undefined) {
    entry.senderInboxId = input.sender.inboxId;
    entry.senderInstallationId = input.sender.installationId;
  }
  return entry;
}

/** The record's refused list with `entries` appended, the oldest dropped past the bound. */
export function withRefused(record: GroupRecord, entries: readonly RefusedMessage[]): RefusedMessage[] {
  return [...(record.refused ?? []), ...entries].slice(-MAX_REFUSED_PER_GROUP);
}
