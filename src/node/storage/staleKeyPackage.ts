import { ParleyError } from '../../core/errors';

/** The refusal of a key package older (by its leaf's not_before) than the one stored. */
export function staleKeyPackage(notBefore: bigint, storedNotBefore: bigint | undefined): ParleyError {
  return new ParleyError('Node.StaleKeyPackage', 'A newer key package is stored for this installation; upload a newer one.', {
    details: `not_before ${notBefore} is before the stored key package's ${storedNotBefore ?? 'unknown'}`,
  });
}
