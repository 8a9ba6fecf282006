import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { decodeTlsExact } from '../../core/mls/decodeTlsExact';

/**
 * The leaf-node lifetime (Unix seconds) of a stored TLS KeyPackage, or undefined when it does
 * not decode. Used only to backfill rows stored before the lifetime had columns of its own:
 * new rows get it from the validated key package.
 */
export function keyPackageLifetime(tls: Uint8Array): { notBefore: bigint; notAfter: bigint } | undefined {
  const decoded = decodeTlsExact(decodeKeyPackage, tls.slice());
  if (!decoded.ok) return undefined;
  const leaf = decoded.value.leafNode;
  if (leaf.leafNodeSource !== 'key_package') return undefined;
  return { notBefore: leaf.lifetime.notBefore, notAfter: leaf.lifetime.notAfter };
}
