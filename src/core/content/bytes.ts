/**
 * protobufjs hands out Node Buffers (often views into a shared pool or into the input);
 * callers get a plain Uint8Array of their own.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
