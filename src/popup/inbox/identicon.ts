/** A 5 × 5 identicon: the cells of its left three columns (mirrored right) and a hue. */
export interface Identicon {
  /** Row-major, 25 cells; true where the cell is filled. */
  cells: boolean[];
  /** 0–359. */
  hue: number;
}

/**
 * The picture of an address (or any hex id) people learn to recognise: the same seed always
 * gives the same picture, and addresses that differ anywhere differ in it. The seed's hex digits
 * are folded with FNV-1a (a spread, not a security property: the address beside it is the
 * check), so even ids that share a prefix differ.
 */
export function identicon(seed: string): Identicon {
  let h = 0x811c9dc5;
  for (const ch of seed.toLowerCase().replace(/^0x/, '')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A second round for more independent bits than one 32-bit word gives the pattern and hue.
  let g = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  g = Math.imul(g ^ (g >>> 12), 0x297a2d39) >>> 0;
  const cells: boolean[] = [];
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 5; col++) {
      const source = col < 3 ? col : 4 - col;
      cells.push(((h >>> (row * 3 + source)) & 1) === 1);
    }
  }
  return { cells, hue: g % 360 };
}
