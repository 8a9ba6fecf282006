import type { Extension } from 'ts-mls';
import { ParleyError, isParleyError } from '../errors';
import { EXTENSION_MUTABLE_METADATA, requireExtensionData } from '../mls/extensions';
import { decodeMutableMetadata, METADATA_FIELD } from '../mls/extensionsMutableMetadata';
import type { DisappearingSettings } from '../mls/groupContext';
import { isExpirable, type ExpiredWindow, type GroupRecord, type MessageRecord } from './store';

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);
const DECIMAL_I64 = /^[+-]?\d{1,19}$/;

/**
 * Parsed settings by the 0xff00 payload they were read from. Every sync and every messages()
 * call asks, and a group's payload object changes only when a commit changes its extensions
 * (ts-mls keeps the group context of an application message's new state), so the metadata is
 * decoded once per epoch that changed it, not once per call (~20 µs a call). `null` is "none".
 */
const settingsByPayload = new WeakMap<Uint8Array, DisappearingSettings | null>();

/**
 * The settings in a group's mutable metadata, as libxmtp reads them
 * (conversation_message_disappearing_settings_from_extensions): both attributes present and
 * parsing as i64, else none. Present does not mean enabled: see isDisappearingEnabled.
 */
export function disappearingSettingsOf(extensions: readonly Extension[]): DisappearingSettings | undefined {
  const payload = requireExtensionData(extensions, EXTENSION_MUTABLE_METADATA);
  const cached = settingsByPayload.get(payload);
  if (cached !== undefined) return cached ?? undefined;
  const attributes = decodeMutableMetadata(payload).attributes;
  const fromNs = parseI64(attributes.get(METADATA_FIELD.messageDisappearFromNs));
  const inNs = parseI64(attributes.get(METADATA_FIELD.messageDisappearInNs));
  const settings = fromNs === undefined || inNs === undefined ? undefined : { fromNs, inNs };
  if (settings !== undefined) Object.freeze(settings);
  settingsByPayload.set(payload, settings ?? null);
  return settings;
}

/**
 * Sets a group record's copy of the settings (GroupRecord.disappearing) from the extensions of the
 * state written with it. Metadata that does not parse leaves it unknown: the sweep then reads the
 * state and reports the error, as it did before records kept the settings.
 */
export function recordDisappearingSettings(record: GroupRecord, extensions: readonly Extension[]): void {
  let settings: DisappearingSettings | undefined;
  try {
    settings = disappearingSettingsOf(extensions);
  } catch (e) {
    if (!isParleyError(e)) throw e;
    delete record.disappearing;
    return;
  }
  record.disappearing = settings ?? null;
}

/** libxmtp MessageDisappearingSettings::is_enabled: both values positive ("0, 0" is how they are removed). */
export function isDisappearingEnabled(settings: DisappearingSettings | undefined): settings is DisappearingSettings {
  return settings !== undefined && settings.fromNs > 0n && settings.inNs > 0n;
}

/**
 * Sent times whose messages have expired at `nowNs`: those sent at or after `fromNs` expire at
 * sentAtNs + inNs. libxmtp 1.10 stamps a message's expiry when it stores it (receive time + inNs,
 * mls_sync.rs get_message_expire_at_ns, which does not look at fromNs); Parley derives it from
 * the sent time and the group's current settings instead, so that expired messages are one time
 * range per group, which every store can delete and skip over its time index. Live, the two agree
 * within the delivery delay; a message sent before fromNs and received after it expires only there.
 */
export function expiredWindow(settings: DisappearingSettings | undefined, nowNs: bigint): ExpiredWindow | undefined {
  if (!isDisappearingEnabled(settings)) return undefined;
  const toNs = nowNs - settings.inNs;
  return toNs < settings.fromNs ? undefined : { fromNs: settings.fromNs, toNs };
}

/** Whether a stored message is gone for good under the window (never shown, due for deletion). */
export function isExpired(message: Pick<MessageRecord, 'kind' | 'deliveryStatus' | 'sentAtNs'>, window: ExpiredWindow | undefined): boolean {
  return window !== undefined && isExpirable(message) && message.sentAtNs >= window.fromNs && message.sentAtNs <= window.toNs;
}

/** Checked settings for an update: libxmtp keeps both as i64 nanoseconds. */
export function checkedDisappearingSettings(fromNs: bigint, inNs: bigint): DisappearingSettings {
  for (const [name, value] of [
    ['fromNs', fromNs],
    ['inNs', inNs],
  ] as const) {
    if (typeof value !== 'bigint' || value < 0n || value > I64_MAX) {
      throw new ParleyError('Client.BadInput', 'Disappearing-message settings are non-negative i64 nanoseconds.', {
        details: `${name} = ${String(value).slice(0, 40)}`,
      });
    }
  }
  return { fromNs, inNs };
}

function parseI64(value: string | undefined): bigint | undefined {
  if (value === undefined || !DECIMAL_I64.test(value)) return undefined;
  const n = BigInt(value);
  return n < I64_MIN || n > I64_MAX ? undefined : n;
}
