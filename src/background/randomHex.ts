/** Lowercase hex of `bytes` random bytes: ids for approvals and identities, unguessable by pages. */
export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}
