import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendableContent } from '../../../src/core/content';
import {
  attachmentArb,
  markdownArb,
  reactionArb,
  readReceiptArb,
  remoteAttachmentArb,
  replyArb,
  textArb,
  transactionReferenceArb,
  walletSendCallsArb,
} from '../content/arbitraries';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

/** One of each sendable content type (seeded, so a failure reproduces). */
function oneOfEach(seed: number): SendableContent[] {
  const arbs: fc.Arbitrary<SendableContent>[] = [
    textArb,
    markdownArb,
    reactionArb,
    replyArb,
    readReceiptArb,
    attachmentArb,
    remoteAttachmentArb,
    transactionReferenceArb,
    walletSendCallsArb,
  ];
  return arbs.map((arb, i) => fc.sample(arb, { numRuns: 1, seed: seed + i })[0] as SendableContent);
}

describe('content types between two clients', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('every sendable content type arrives as it was sent, with the same message id on both sides', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const dm = await alice.client.conversations.createDm(bob.address);
    const sent = oneOfEach(20240601);
    const ids: string[] = [];
    for (const content of sent) ids.push(await dm.send(content));

    await bob.client.conversations.sync();
    const bobDm = await bob.client.conversations.getConversationById(dm.id);
    if (bobDm === undefined) throw new Error('bob did not join');
    await bobDm.sync();
    const received = (await bobDm.messages()).filter((m) => m.kind === 'application');
    expect(received.map((m) => m.id)).toEqual(ids);
    expect(received.map((m) => m.content)).toEqual(sent);
    expect(received.map((m) => m.contentType)).toEqual([
      'xmtp.org/text:1.0',
      'xmtp.org/markdown:1.0',
      'xmtp.org/reaction:2.0',
      'xmtp.org/reply:1.0',
      'xmtp.org/readReceipt:1.0',
      'xmtp.org/attachment:1.0',
      'xmtp.org/remoteStaticAttachment:1.0',
      'xmtp.org/transactionReference:1.0',
      'xmtp.org/walletSendCalls:1.0',
    ]);
    // What alice stored for herself decodes to the same contents.
    const own = (await dm.messages()).filter((m) => m.kind === 'application');
    expect(own.map((m) => m.content)).toEqual(sent);
  });
});
