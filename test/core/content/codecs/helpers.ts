import { ParleyError, type ErrorCode } from '../../../../src/core/errors';

export * from '../../../../src/core/content';

/** True when `run` throws a ParleyError with exactly this code. */
export function isContentError(run: () => unknown, code: ErrorCode): boolean {
  try {
    run();
  } catch (e) {
    return e instanceof ParleyError && e.code === code;
  }
  return false;
}
