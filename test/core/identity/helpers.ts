import { readFileSync } from 'node:fs';
import { PublishIdentityUpdateRequest } from '@xmtp/proto/identity/api/v1/identity.pb';
import { expect } from 'vitest';
import {
  identityUpdateFromProto,
  installationKeySigner,
  privateKeySigner,
  type IdentityUpdate,
  type IdentityUpdateBuilder,
  type InstallationSigner,
  type Signer,
  type VerifyOptions,
  type WalletSigner,
} from '../../../src/core/identity';
import { isParleyError, type ErrorCode } from '../../../src/core/errors';

export const FIXTURE_DIR = new URL('../../fixtures/xmtp-node-sdk-6.0.0/', import.meta.url);
export const FIXTURE_ADDRESS = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
export const FIXTURE_INBOX_ID = '82249fd587e2b1819c1fb64623cdda6ec397e289986051e4dacf5ab2f294a61c';
export const FIXTURE_INSTALLATION = 'a14103cfd54577f08d8412033b767309410c0a0ea19f7c3a1188b058a9930522';
export const FIXTURE_TIMESTAMP_NS = 1795664735153826289n;

/** The PublishIdentityUpdateRequest node-sdk 6.0.0 sent, past its 5-byte gRPC frame header. */
export function fixtureRequestBytes(): Uint8Array {
  const framed = new Uint8Array(readFileSync(new URL('dump-5-PublishIdentityUpdate.bin', FIXTURE_DIR)));
  const length = new DataView(framed.buffer, framed.byteOffset + 1, 4).getUint32(0);
  expect(framed[0]).toBe(0);
  expect(framed.length).toBe(5 + length);
  return framed.subarray(5);
}

export function fixtureUpdate(): IdentityUpdate {
  const request = PublishIdentityUpdateRequest.decode(fixtureRequestBytes());
  if (request.identityUpdate === undefined) throw new Error('fixture has no identity update');
  return identityUpdateFromProto(request.identityUpdate);
}

/** A deterministic test wallet (private key n, as 32 bytes). */
export function wallet(n: number): WalletSigner {
  return privateKeySigner(`0x${n.toString(16).padStart(64, '0')}`);
}

/** A deterministic test installation key (seed filled with n). */
export function installation(n: number): InstallationSigner {
  return installationKeySigner(new Uint8Array(32).fill(n));
}

export const T0 = 1_700_000_000_000_000_000n;

/** Let each signer sign the request the builder makes, and return the update. */
export async function signedUpdate(
  builder: IdentityUpdateBuilder,
  signers: readonly Signer[],
  options: VerifyOptions = {},
): Promise<IdentityUpdate> {
  const request = builder.build();
  for (const signer of signers) await request.sign(signer, options);
  return request.toIdentityUpdate();
}

export async function expectCode(promise: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeDefined();
  expect(isParleyError(error) ? error.code : error).toBe(code);
}
