import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

/*
 * Firefox ESR 140's WebCrypto cannot export X25519 private keys as JWK, which HPKE over WebCrypto
 * X25519 needs (ts-mls's UpdatePath and welcome secrets, the welcome wrapper). Here WebCrypto
 * refuses X25519 altogether, so a DM and a group only work if every X25519 step is done by
 * @noble/curves.
 */

type AlgorithmArg = AlgorithmIdentifier | { name: string } | undefined;

function namesX25519(algorithm: AlgorithmArg): boolean {
  const name = typeof algorithm === 'string' ? algorithm : algorithm?.name;
  return name?.toUpperCase() === 'X25519';
}

function refuseWebCryptoX25519(): string[] {
  const subtle = globalThis.crypto.subtle;
  const refused: string[] = [];
  const refuse = (what: string) => {
    refused.push(what);
    return Promise.reject(new DOMException(`${what}: X25519 is not supported here`, 'NotSupportedError'));
  };
  const generateKey = subtle.generateKey.bind(subtle);
  const importKey = subtle.importKey.bind(subtle);
  const exportKey = subtle.exportKey.bind(subtle);
  const deriveBits = subtle.deriveBits.bind(subtle);
  vi.spyOn(subtle, 'generateKey').mockImplementation(((algorithm: AlgorithmArg, ...rest: unknown[]) =>
    namesX25519(algorithm) ? refuse('generateKey') : (generateKey as (...a: unknown[]) => unknown)(algorithm, ...rest)) as typeof subtle.generateKey);
  vi.spyOn(subtle, 'importKey').mockImplementation(((format: string, data: unknown, algorithm: AlgorithmArg, ...rest: unknown[]) =>
    namesX25519(algorithm) ? refuse('importKey') : (importKey as (...a: unknown[]) => unknown)(format, data, algorithm, ...rest)) as typeof subtle.importKey);
  vi.spyOn(subtle, 'exportKey').mockImplementation(((format: string, key: CryptoKey) =>
    namesX25519(key.algorithm) ? refuse('exportKey') : exportKey(format as 'raw', key)) as typeof subtle.exportKey);
  vi.spyOn(subtle, 'deriveBits').mockImplementation(((algorithm: AlgorithmArg, ...rest: unknown[]) =>
    namesX25519(algorithm) ? refuse('deriveBits') : (deriveBits as (...a: unknown[]) => unknown)(algorithm, ...rest)) as typeof subtle.deriveBits);
  return refused;
}

describe('messaging where WebCrypto has no X25519 (Firefox ESR 140)', () => {
  let network: TestNetwork;
  let refused: string[];
  beforeAll(async () => {
    network = await startTestNetwork();
    refused = refuseWebCryptoX25519();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await network.stop();
  });

  it('a DM is created, read and answered, and a group adds a third member who reads it', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const carol = await newUser(network);

    const dm = await alice.client.conversations.createDm(bob.address);
    await dm.sendText('hello bob');
    await bob.client.conversations.sync();
    const bobDm = await bob.client.conversations.getConversationById(dm.id);
    if (bobDm?.kind !== 'dm') throw new Error('bob should see the DM');
    await bobDm.sync();
    expect(texts(await bobDm.messages())).toEqual(['hello bob']);
    await bobDm.sendText('hi alice');
    await dm.sync();
    expect(texts(await dm.messages())).toEqual(['hello bob', 'hi alice']);

    const group = await alice.client.conversations.createGroup([bob.address]);
    await group.sendText('to the group');
    // A second commit with an UpdatePath (HPKE to bob's leaf) and a welcome to carol.
    await group.addMembers([carol.address]);
    await group.sendText('carol joined');
    await carol.client.conversations.sync();
    const carolGroup = await carol.client.conversations.getConversationById(group.id);
    if (carolGroup?.kind !== 'group') throw new Error('carol should see the group');
    await carolGroup.sync();
    expect(texts(await carolGroup.messages())).toEqual(['carol joined']);
    await bob.client.conversations.sync();
    const bobGroup = await bob.client.conversations.getConversationById(group.id);
    await bobGroup!.sync();
    expect(texts(await bobGroup!.messages())).toEqual(['to the group', 'carol joined']);

    // The stub was in the way the whole time: nothing asked WebCrypto for X25519.
    expect(refused).toEqual([]);
  }, 60_000);
});
