import { defaultExtensionTypes, type Extension, type ExtensionType } from 'ts-mls';
import { ParleyError } from '../errors';

/**
 * XMTP's group-context extension types (libxmtp xmtp_configuration common/metadata.rs; 0xf000 is
 * the ImmutableMetadata type of xmtp/openmls extensions/mod.rs).
 */
export const EXTENSION_IMMUTABLE_METADATA = 0xf000;
export const EXTENSION_MUTABLE_METADATA = 0xff00;
export const EXTENSION_GROUP_MEMBERSHIP = 0xff01;
export const EXTENSION_GROUP_PERMISSIONS = 0xff02;
/** openmls ExtensionType::LastResort; listed in the group's required capabilities. */
export const EXTENSION_LAST_RESORT = 0x000a;
export const EXTENSION_APPLICATION_ID = 0x0001;
export const EXTENSION_REQUIRED_CAPABILITIES = 0x0003;

/**
 * Largest extension payload we decode. A full 250-member membership map is about 20 KB; the cap
 * bounds what a hostile member can make us allocate, far above anything honest.
 */
export const MAX_EXTENSION_BYTES = 1 << 20;
/** Largest number of map entries or list items we accept in one extension. */
export const MAX_EXTENSION_ENTRIES = 10_000;

/** ts-mls decodes types 1–5 to their names; everything else stays a number. */
export function extensionTypeNumber(type: ExtensionType): number {
  return typeof type === 'number' ? type : defaultExtensionTypes[type];
}

export function findExtension(extensions: readonly Extension[], type: number): Extension | undefined {
  return extensions.find((e) => extensionTypeNumber(e.extensionType) === type);
}

/** The extension's data, or Mls.MissingExtension: every XMTP group carries all four. */
export function requireExtensionData(extensions: readonly Extension[], type: number): Uint8Array {
  const found = findExtension(extensions, type);
  if (found === undefined) {
    throw new ParleyError('Mls.MissingExtension', 'The group context lacks an XMTP extension.', {
      details: `extension 0x${type.toString(16).padStart(4, '0')} is missing`,
    });
  }
  return found.extensionData;
}

/**
 * openmls `Extensions::add_or_replace`, which libxmtp uses to build a GroupContextExtensions
 * proposal: the replacement keeps the old one's position, a new type goes last. Returns a new list.
 */
export function replaceExtension(extensions: readonly Extension[], replacement: Extension): Extension[] {
  const type = extensionTypeNumber(replacement.extensionType);
  const index = extensions.findIndex((e) => extensionTypeNumber(e.extensionType) === type);
  if (index < 0) return [...extensions, replacement];
  return extensions.map((e, i) => (i === index ? replacement : e));
}

/**
 * Runs a protobuf decoder over extension data with the size cap first, and turns whatever the
 * decoder throws (protobuf errors, RangeError from deep nesting) into Codec.Malformed.
 */
export function decodeExtensionPayload<T>(what: string, data: Uint8Array, decode: (bytes: Uint8Array) => T): T {
  if (data.length > MAX_EXTENSION_BYTES) {
    throw new ParleyError('Codec.TooLarge', `The ${what} extension is too large.`, {
      details: `${data.length} bytes, at most ${MAX_EXTENSION_BYTES}`,
    });
  }
  try {
    return decode(data);
  } catch (cause) {
    if (cause instanceof ParleyError) throw cause;
    throw malformed(what, cause instanceof Error ? cause.message : String(cause), cause);
  }
}

export function malformed(what: string, details: string, cause?: unknown): ParleyError {
  return new ParleyError('Codec.Malformed', `The ${what} extension is malformed.`, { details, cause });
}

export function checkEntryCount(what: string, count: number): void {
  if (count > MAX_EXTENSION_ENTRIES) {
    throw new ParleyError('Codec.TooLarge', `The ${what} extension has too many entries.`, {
      details: `${count} entries, at most ${MAX_EXTENSION_ENTRIES}`,
    });
  }
}
