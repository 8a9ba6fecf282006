import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { UploadKeyPackageRequest } from '@xmtp/proto/mls/api/v1/mls.pb';
import { encodeMlsMessage } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { groupMessageFraming, keyPackageInstallationKey } from './referenceNode';
import { repoRoot } from './testEnv';

// The two readers the reference node needs to route what it relays.
describe('reference node: reading group messages and key packages', () => {
  it('reads the group id and the commit flag of any PrivateMessage', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.constantFrom('application', 'proposal', 'commit' as const),
        fc.uint8Array({ maxLength: 200 }),
        (groupId, epoch, contentType, ciphertext) => {
          const wire = encodeMlsMessage({
            version: 'mls10',
            wireformat: 'mls_private_message',
            privateMessage: { groupId, epoch, contentType, authenticatedData: new Uint8Array(), encryptedSenderData: new Uint8Array(12), ciphertext },
          });
          const framing = groupMessageFraming(wire);
          expect(framing.groupId).toEqual(groupId);
          expect(framing.isCommit).toBe(contentType === 'commit');
        },
      ),
    );
  });

  it('refuses random bytes with an Error and nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const read of [groupMessageFraming, keyPackageInstallationKey]) {
          try {
            read(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
          }
        }
      }),
    );
  });

  it('finds the installation key of the key package node-sdk 6.0.0 uploaded', () => {
    // The node-sdk capture, copied from shared/fixtures as test data (its README gives the facts).
    const frame = readFileSync(join(repoRoot, 'test/fixtures/xmtp-node-sdk-6.0.0/dump-4-UploadKeyPackage.bin'));
    const request = UploadKeyPackageRequest.decode(frame.subarray(5, 5 + frame.readUInt32BE(1)));
    const tls = request.keyPackage!.keyPackageTlsSerialized;
    expect(Buffer.from(keyPackageInstallationKey(tls)).toString('hex'))
      .toBe('a14103cfd54577f08d8412033b767309410c0a0ea19f7c3a1188b058a9930522');
  });
});
