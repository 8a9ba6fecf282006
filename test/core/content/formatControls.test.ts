import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripFormatControls } from '../../../src/core/content';

const BIDI = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
const OTHER_INVISIBLE = ['\u200B', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\u206A', '\u206F', '\uFEFF', '\u180E', '\uFFF9', '\uFFFA', '\uFFFB'];
const REMOVED = [...BIDI, ...OTHER_INVISIBLE];
const BLACK_FLAG = '\u{1F3F4}';
const tag = (c: string): string => String.fromCodePoint(0xe0000 + c.codePointAt(0)!);
const CANCEL_TAG = '\u{E007F}';
const ENGLAND = `${BLACK_FLAG}${tag('g')}${tag('b')}${tag('e')}${tag('n')}${tag('g')}${CANCEL_TAG}`;

/** Text built from the characters that matter here, mixed with arbitrary code points. */
const hostileText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...REMOVED, BLACK_FLAG, CANCEL_TAG, tag('a'), '\u{E0001}', '\u200D', '\u200C', '\uFE0F', 'a', 'א', ' '),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

/** Tag characters not inside an emoji tag sequence (after 🏴 and tags only). */
function strayTags(text: string): string[] {
  const stray: string[] = [];
  let inFlag = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const isTag = cp >= 0xe0000 && cp <= 0xe007f;
    if (isTag && !inFlag) stray.push(ch);
    inFlag = ch === BLACK_FLAG || (inFlag && isTag && cp >= 0xe0020 && cp <= 0xe007e);
  }
  return stray;
}

describe('peer text without invisible format controls', () => {
  it('leaves no bidi control or other invisible format character, and a second pass changes nothing', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const out = stripFormatControls(text);
        for (const ch of REMOVED) expect(out.includes(ch), `U+${ch.codePointAt(0)!.toString(16)}`).toBe(false);
        expect(strayTags(out)).toEqual([]);
        expect(stripFormatControls(out)).toBe(out);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every character that is neither one of them nor a tag, in order', () => {
    // Tags are judged in context (the test above); everything else survives as it was.
    const notTags = (s: string) => [...s].filter((ch) => !(ch.codePointAt(0)! >= 0xe0000 && ch.codePointAt(0)! <= 0xe007f));
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(notTags(stripFormatControls(text))).toEqual(notTags(text).filter((ch) => !REMOVED.includes(ch)));
      }),
    );
  });

  it('turns a right-to-left override file name back into what it is', () => {
    expect(stripFormatControls('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(stripFormatControls('\u2067admin\u2069 says hi\u200F')).toBe('admin says hi');
    expect(stripFormatControls('pay\u200Bpal\uFEFF')).toBe('paypal');
  });

  it('keeps emoji joiners, variation selectors, right-to-left letters and the flags made of tags', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    expect(stripFormatControls(`${family} \u2764\uFE0F שלום ${ENGLAND}`)).toBe(`${family} \u2764\uFE0F שלום ${ENGLAND}`);
  });

  it('drops tag characters that hide text outside a flag', () => {
    const hidden = [...'ignore this'].map(tag).join('');
    expect(stripFormatControls(`hello${hidden}`)).toBe('hello');
    expect(stripFormatControls(`${tag('x')}${BLACK_FLAG}`)).toBe(BLACK_FLAG);
  });
});
