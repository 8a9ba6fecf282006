import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/*
 * WCAG AA contrast of the design tokens, computed from the values in tokens.css itself, so
 * changing a colour there can fail this test. Text pairs need 4.5:1; the focus ring and
 * control borders are non-text and need 3:1 (WCAG 1.4.11).
 */

const TOKENS = readFileSync(new URL('../../src/popup/theme/tokens.css', import.meta.url), 'utf8');

type Scheme = 'light' | 'dark';

/** The `--p-*` declarations of the light :root block and of the dark media query's :root. */
function tokensOf(scheme: Scheme): Record<string, string> {
  const darkAt = TOKENS.indexOf('@media (prefers-color-scheme: dark)');
  if (darkAt < 0) throw new Error('tokens.css has no dark block');
  const light = parseDeclarations(TOKENS.slice(0, darkAt));
  return scheme === 'light' ? light : { ...light, ...parseDeclarations(TOKENS.slice(darkAt)) };
}

function parseDeclarations(css: string): Record<string, string> {
  const out: Record<string, string> = {};
  const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const m of withoutComments.matchAll(/(--p-[a-z0-9-]+)\s*:\s*([^;]+);/g)) out[m[1]!] = m[2]!.trim();
  return out;
}

function rgbOf(value: string): [number, number, number] {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value);
  if (!hex) throw new Error(`not a hex colour: ${value}`);
  const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG 2 relative luminance. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(rgbOf(a)), luminance(rgbOf(b))].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT_PAIRS: [fg: string, bg: string][] = [
  ['--p-fg', '--p-bg'],
  ['--p-muted', '--p-bg'],
  ['--p-accent-fg', '--p-accent'],
  ['--p-danger', '--p-bg'],
  ['--p-fg', '--p-surface'],
  ['--p-muted', '--p-surface'],
  ['--p-accent', '--p-bg'],
  ['--p-ok', '--p-bg'],
  ['--p-danger', '--p-surface'],
];

const NON_TEXT_PAIRS: [fg: string, bg: string][] = [
  ['--p-focus', '--p-bg'],
  ['--p-focus', '--p-surface'],
  ['--p-border', '--p-bg'],
];

const SCHEMES: Scheme[] = ['light', 'dark'];

describe('design token contrast', () => {
  it('the math matches WCAG: black on white is 21:1, white on white 1:1', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#fff', '#ffffff')).toBeCloseTo(1, 5);
    // #767676 on white is the well-known AA threshold colour (4.54:1).
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('tokens.css defines every colour token in light and dark', () => {
    for (const scheme of SCHEMES) {
      const t = tokensOf(scheme);
      for (const name of ['--p-bg', '--p-surface', '--p-fg', '--p-muted', '--p-border', '--p-accent', '--p-accent-fg', '--p-danger', '--p-ok', '--p-focus']) {
        expect(t[name], `${scheme} ${name}`).toMatch(/^#[0-9a-f]{6}$/i);
      }
    }
    // The dark block really overrides the light one (a copy would pass every pair twice).
    expect(tokensOf('dark')['--p-bg']).not.toBe(tokensOf('light')['--p-bg']);
  });

  for (const scheme of SCHEMES) {
    for (const [fg, bg] of TEXT_PAIRS) {
      it(`${scheme}: ${fg} on ${bg} is at least 4.5:1`, () => {
        const t = tokensOf(scheme);
        expect(contrast(t[fg]!, t[bg]!)).toBeGreaterThanOrEqual(4.5);
      });
    }
    for (const [fg, bg] of NON_TEXT_PAIRS) {
      it(`${scheme}: ${fg} against ${bg} is at least 3:1`, () => {
        const t = tokensOf(scheme);
        expect(contrast(t[fg]!, t[bg]!)).toBeGreaterThanOrEqual(3);
      });
    }
  }
});
