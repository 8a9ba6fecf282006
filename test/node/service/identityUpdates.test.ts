import { GetIdentityUpdatesRequest, GetIdentityUpdatesResponse } from '@xmtp/proto/identity/api/v1/identity.pb';
import { IdentityUpdate } from '@xmtp/proto/identity/associations/association.pb';
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_INBOX_ID, fixtureRequestBytes } from '../../core/identity/helpers';
import { rawUnary, startTestNode, type TestNode } from '../helpers';

const PUBLISH = '/xmtp.identity.api.v1.IdentityApi/PublishIdentityUpdate';
const GET = '/xmtp.identity.api.v1.IdentityApi/GetIdentityUpdates';

/** Field 1 of the captured PublishIdentityUpdateRequest: the IdentityUpdate exactly as libxmtp encoded it. */
function capturedUpdateBytes(): Uint8Array {
  const reader = protobuf.Reader.create(fixtureRequestBytes());
  expect(reader.uint32()).toBe((1 << 3) | 2);
  const bytes = new Uint8Array(reader.bytes());
  expect(reader.pos).toBe(reader.len);
  return bytes;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

describe('identity updates on parley-node', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('serves the update node-sdk published byte for byte as it sent it', async () => {
    const sent = capturedUpdateBytes();
    await rawUnary(node.client, PUBLISH, fixtureRequestBytes());
    const request = GetIdentityUpdatesRequest.encode({ requests: [{ inboxId: FIXTURE_INBOX_ID, sequenceId: Long.UZERO }] }).finish();
    const answer = await rawUnary(node.client, GET, request);
    expect(indexOf(answer, sent)).toBeGreaterThan(0);
    const [log] = GetIdentityUpdatesResponse.decode(answer).responses;
    expect(log?.updates).toHaveLength(1);
    const served = log?.updates[0]?.update;
    expect(served).toBeDefined();
    expect(new Uint8Array(IdentityUpdate.encode(served as IdentityUpdate).finish())).toEqual(sent);
    // Asked again (the node's caches warm), still the same bytes.
    expect(indexOf(await rawUnary(node.client, GET, request), sent)).toBeGreaterThan(0);
  });
});
