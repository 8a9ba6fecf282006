import { ParleyError } from '../errors';

export interface JsonBudget {
  /** Characters of all strings and keys together, about the JSON text's size. */
  maxChars: number;
  maxDepth: number;
  /** Values (objects, arrays, scalars) together. */
  maxNodes: number;
}

/**
 * A message from a page may carry anything structured clone can (Maps, Blobs, cycles) and be
 * of any size: walk it once, stopping at the first value that is not plain JSON or at the
 * first budget overrun, before any other code reads it (DESIGN §5).
 */
export function assertJsonWithin(value: unknown, budget: JsonBudget): void {
  let chars = 0;
  let nodes = 0;
  const tooLarge = (what: string): never => {
    throw new ParleyError('Codec.TooLarge', 'The message is too large.', { details: what });
  };
  const notJson = (what: string): never => {
    throw new ParleyError('Rpc.InvalidParams', 'The message is not plain JSON.', { details: what });
  };
  const walk = (v: unknown, depth: number): void => {
    if (++nodes > budget.maxNodes) tooLarge(`more than ${budget.maxNodes} values`);
    if (depth > budget.maxDepth) tooLarge(`nested deeper than ${budget.maxDepth}`);
    // undefined is what JSON drops: a field left out.
    if (v === null || v === undefined || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) notJson('a number that is not finite');
      return;
    }
    if (typeof v === 'string') {
      chars += v.length;
      if (chars > budget.maxChars) tooLarge(`more than ${budget.maxChars} characters`);
      return;
    }
    if (Array.isArray(v)) {
      // The length is checked first: a sparse array of length 2^32-1 has few real entries.
      if (v.length > budget.maxNodes) tooLarge(`an array of ${v.length}`);
      for (let i = 0; i < v.length; i++) walk(v[i], depth + 1);
      return;
    }
    if (typeof v === 'object') {
      // A plain object of any realm: Firefox hands content scripts the page's objects, whose
      // prototype is the page's Object.prototype, not ours. Maps, Dates and class instances
      // sit one prototype deeper.
      const proto = Object.getPrototypeOf(v) as object | null;
      const plain = proto === null || Object.getPrototypeOf(proto) === null;
      if (!plain || Object.prototype.toString.call(v) !== '[object Object]') notJson('an object that is not a plain object');
      for (const key of Object.keys(v)) {
        chars += key.length;
        if (chars > budget.maxChars) tooLarge(`more than ${budget.maxChars} characters`);
        walk((v as Record<string, unknown>)[key], depth + 1);
      }
      return;
    }
    notJson(`a value of type ${typeof v}`);
  };
  walk(value, 0);
}
