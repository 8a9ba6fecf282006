import { IdentifierKind, IdentityUpdate } from '@xmtp/proto/identity/associations/association.pb';
import { ParleyError, isParleyError } from '../../core/errors';
import { identityUpdateFromProto, MAX_IDENTITY_UPDATE_BYTES } from '../../core/identity/codec';
import type { NodeHandlers } from '../rpc/handlers';
import type { MemberKey } from '../storage/types';
import type { ServiceDeps } from './deps';
import { fromU64, u64 } from './wire';

export const IDENTITY_LIMITS = {
  inboxesPerQuery: 10_000,
  identifiersPerQuery: 10_000,
  signaturesPerVerify: 1000,
  /** Attempts to append against a log another writer keeps moving. */
  appendAttempts: 5,
} as const;

function invalid(message: string, details?: string): never {
  throw new ParleyError('Api.InvalidArgument', message, details === undefined ? {} : { details });
}

type IdentityHandlers = Pick<
  NodeHandlers,
  'publishIdentityUpdate' | 'getIdentityUpdates' | 'getInboxIds' | 'verifySmartContractWalletSignatures'
>;

/** xmtp.identity.api.v1.IdentityApi (xmtp-node-go pkg/identity/api/v1/identity_service.go). */
export function identityHandlers(deps: ServiceDeps): IdentityHandlers {
  const { store, validators } = deps;

  return {
    async publishIdentityUpdate(req) {
      if (!req.identityUpdate) invalid('No identity update.');
      // Stored as re-encoded from the decoded message, as xmtp-node-go stores proto.Marshal(update);
      // validated from the message as the request's decode left it, not from a decode of these bytes.
      const bytes = IdentityUpdate.encode(req.identityUpdate).finish();
      if (bytes.length > MAX_IDENTITY_UPDATE_BYTES) {
        throw new ParleyError('Codec.TooLarge', 'Identity update is too large.', {
          details: `${bytes.length} bytes, at most ${MAX_IDENTITY_UPDATE_BYTES}`,
        });
      }
      const update = identityUpdateFromProto(req.identityUpdate);
      const inboxId = req.identityUpdate.inboxId;
      // Validate against the log as read, then append only if it has not moved meanwhile
      // (another request or node process); on a conflict, read and validate again.
      for (let attempt = 1; ; attempt++) {
        const log = await store.identityLog(inboxId);
        const checked = await validators.identityUpdate(log, update);
        try {
          await store.appendIdentityUpdate({
            inboxId: checked.inboxId,
            update: bytes,
            expectedLastSequenceId: log[log.length - 1]?.sequenceId ?? 0n,
            added: checked.added,
            removed: checked.removed,
          });
          return {};
        } catch (e) {
          if (!isParleyError(e, 'Node.StoreConflict') || attempt >= IDENTITY_LIMITS.appendAttempts) throw e;
        }
      }
    },

    async getIdentityUpdates(req) {
      const n = req.requests.length;
      if (n > IDENTITY_LIMITS.inboxesPerQuery) invalid('Too many inboxes in one request.', `${n}, at most ${IDENTITY_LIMITS.inboxesPerQuery}`);
      const logs = await store.identityUpdatesAfter(
        req.requests.map((r) => ({ inboxId: r.inboxId, afterSequenceId: fromU64(r.sequenceId) })),
      );
      return {
        responses: req.requests.map((r, i) => ({
          inboxId: r.inboxId,
          updates: (logs[i] ?? []).map((u) => ({
            sequenceId: u64(u.sequenceId),
            serverTimestampNs: u64(u.serverTimestampNs),
            update: IdentityUpdate.decode(u.update),
          })),
        })),
      };
    },

    async getInboxIds(req) {
      const n = req.requests.length;
      if (n > IDENTITY_LIMITS.identifiersPerQuery) invalid('Too many identifiers in one request.', `${n}, at most ${IDENTITY_LIMITS.identifiersPerQuery}`);
      const members: MemberKey[] = req.requests.map((r) =>
        r.identifierKind === IdentifierKind.IDENTIFIER_KIND_PASSKEY
          ? { kind: 'passkey', key: r.identifier }
          : // UNSPECIFIED is Ethereum on old clients (association.proto).
            { kind: 'ethereum', address: r.identifier },
      );
      const inboxIds = await store.inboxIdsFor(members);
      return {
        responses: req.requests.map((r, i) => {
          const inboxId = inboxIds[i];
          return inboxId === undefined
            ? { identifier: r.identifier, identifierKind: r.identifierKind }
            : { identifier: r.identifier, identifierKind: r.identifierKind, inboxId };
        }),
      };
    },

    async verifySmartContractWalletSignatures(req) {
      const n = req.signatures.length;
      if (n > IDENTITY_LIMITS.signaturesPerVerify) invalid('Too many signatures in one request.', `${n}, at most ${IDENTITY_LIMITS.signaturesPerVerify}`);
      const responses = await Promise.all(
        req.signatures.map(async (s) => {
          try {
            const isValid = await deps.smartWalletVerifier.verify({
              accountId: s.accountId,
              ...(s.blockNumber ? { blockNumber: fromU64(s.blockNumber) } : {}),
              hash: s.hash,
              signature: s.signature,
            });
            return s.blockNumber ? { isValid, blockNumber: s.blockNumber } : { isValid };
          } catch (e) {
            // Answered per signature, as libxmtp's verifier service does, so one bad entry does
            // not fail the batch. Without a configured verifier every entry lands here.
            return { isValid: false, error: isParleyError(e) ? (e.details ?? e.shortMessage) : 'verification failed' };
          }
        }),
      );
      return { responses };
    },
  };
}
