import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../src/core/api';
import { keyPackageFor, newIdentity } from './fixtures';
import { GrpcCallError, call, startTestNode, type TestNode } from './helpers';

const DAY_MS = 86_400_000;

describe('key-package rollback against a real node', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  async function upload(tls: Uint8Array): Promise<void> {
    await call(node.client, 'uploadKeyPackage', { keyPackage: { keyPackageTlsSerialized: tls }, isInboxIdCredential: true });
  }

  it('alice uploads a newer key package; a re-upload of her older one is refused and fetch still serves the newer', async () => {
    const alice = await newIdentity();
    const older = await keyPackageFor(alice.inboxId, alice.installation, new Date(Date.now() - 2 * DAY_MS));
    await upload(older);
    await call(node.client, 'publishIdentityUpdate', { identityUpdate: alice.registration });
    const newer = await keyPackageFor(alice.inboxId, alice.installation);
    await upload(newer);

    const refused = await upload(older).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(GrpcCallError);
    expect((refused as GrpcCallError).code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect((refused as GrpcCallError).details).toMatch(/newer key package is stored/);

    const fetched = await call(node.client, 'fetchKeyPackages', { installationKeys: [alice.installation.publicKey] });
    expect(fetched.keyPackages[0]!.keyPackageTlsSerialized).toEqual(newer);
    // The same key package again is accepted (a client retrying a lost acknowledgement).
    await upload(newer);
  });
});
