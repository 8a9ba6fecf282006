
/*
 * A conversation remembers the origin it was created on in its mutable metadata's app data
 * (0xff00 `app_data`), so both members' copies of a dApp see it under `site` scope
 * (DESIGN §4). JSON with a namespaced key leaves room for other apps' fields.
 */

const KEY = 'parley.origin';
/** libxmtp caps app_data at 8 KiB (see MUTABLE_METADATA_LIMITS in core/mls). */
const MAX_APP_DATA_CHARS = 8192;
const MAX_ORIGIN_CHARS = 2048;

export function appDataForOrigin(origin: string): string {
  return JSON.stringify({ [KEY]: origin });
}

/** The origin a conversation was created on, or undefined when its app data names none. */
export function originFromAppData(appData: string | undefined): string | undefined {
  if (!appData || appData.length > MAX_APP_DATA_CHARS) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(appData);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !Object.hasOwn(parsed, KEY)) return undefined;
  const origin = (parsed as Record<string, unknown>)[KEY];
  if (typeof origin !== 'string' || origin.length > MAX_ORIGIN_CHARS) return undefined;
  try {
    return new URL(origin).origin === origin ? origin : undefined;
  } catch {
    return undefined;
  }
}

