import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GroupRecord, IdentityRecord, MessageRecord } from '../../src/core/client/store';
import { isParleyError, type ErrorCode } from '../../src/core/errors';

/** Temp directories made by one test file, removed by `cleanup()` in afterAll. */
export function tempDirs(prefix: string): { make(): string; cleanup(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Cheap scrypt for tests that open many stores; the default cost is tested on its own. */
export const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

/** The code of what `fn` threw, or 'no error'. */
export async function codeOf(fn: () => unknown): Promise<ErrorCode | string> {
  try {
    await fn();
  } catch (e) {
    return isParleyError(e) ? e.code : `not a ParleyError: ${String(e)}`;
  }
  return 'no error';
}

export function groupRecord(id: string, patch: Partial<GroupRecord> = {}): GroupRecord {
  return {
    id,
    kind: 'group',
    createdAtNs: 1n,
    addedByInboxId: 'ab',
    consentState: 'allowed',
    consentUpdatedAtNs: 1n,
    membershipState: 'allowed',
    active: true,
    cursor: 0n,
    lastMessageAtNs: 0n,
    ...patch,
  };
}

export function messageRecord(id: string, groupId: string, sentAtNs: bigint, patch: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id,
    groupId,
    kind: 'application',
    senderInboxId: 'ab',
    senderInstallationId: 'cd',
    sentAtNs,
    content: new Uint8Array([1]),
    contentType: 'xmtp.org/text:1.0',
    deliveryStatus: 'published',
    ...patch,
  };
}

export function identityRecord(privateKey: Uint8Array): IdentityRecord {
  return {
    inboxId: '82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c',
    accountAddress: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    nonce: 1n,
    installationPrivateKey: privateKey,
    installationPublicKey: new Uint8Array(32).fill(2),
    registered: true,
    createdAtNs: 5n,
  };
}

/** Whether `needle` occurs in `haystack`. */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle)) !== -1;
}
