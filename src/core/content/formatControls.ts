/**
 * Invisible format characters that can make peer text lie about itself when shown: the bidi
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F,
 * U+061C) reorder what follows them ("Trojan Source", CVE-2021-42574: a name like
 * "pay" U+202E "gnp.exe" reads as "payexe.png"); zero-width spaces, joiners of words, invisible math
 * operators, the byte-order mark, the Mongolian vowel separator, the deprecated format controls
 * (U+206A–U+206F) and interlinear annotations hide text or split look-alikes. ZWJ and ZWNJ
 * (U+200C, U+200D) and variation selectors stay: emoji and several scripts need them.
 */
const FORMAT_CONTROLS = /[\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/gu;

/**
 * Unicode tag characters (U+E0000–U+E007F) are invisible and can carry a hidden ASCII copy of
 * any text; the only visible use is an emoji tag sequence after a black flag (🏴 + tags + cancel
 * tag: the flags of England, Scotland, Wales), which stays.
 */
const STRAY_TAGS = /(?<!\u{1F3F4}[\u{E0020}-\u{E007E}]*)[\u{E0000}-\u{E007F}]/gu;

/**
 * Peer-controlled text as it may be shown (group names, message text, notifications, the CLI's
 * output): without the invisible format characters above. Idempotent. Where markup is available,
 * isolate the result too (`<bdi>`), so right-to-left text cannot reorder its surroundings.
 */
export function stripFormatControls(text: string): string {
  return text.replace(FORMAT_CONTROLS, '').replace(STRAY_TAGS, '');
}
