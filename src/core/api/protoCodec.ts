import { ParleyError } from '../errors';

/**
 * The part of a ts-proto generated codec (@xmtp/proto) that the API layer needs; every
 * `@xmtp/proto` message constant satisfies it.
 */
export interface ProtoCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** Serializes a message with its generated codec. */
export function encodeProto<T>(codec: ProtoCodec<T>, message: T): Uint8Array {
  return codec.encode(message).finish();
}

/**
 * Decodes a message, turning protobufjs's RangeError/Error on hostile bytes into
 * Codec.Malformed. Callers cap the input size first (the frame parser does).
 */
export function decodeProto<T>(codec: ProtoCodec<T>, bytes: Uint8Array, what: string): T {
  try {
    return codec.decode(bytes);
  } catch (e) {
    throw new ParleyError('Codec.Malformed', `Could not decode ${what}.`, {
      details: e instanceof Error ? e.message : String(e),
      cause: e,
    });
  }
}
