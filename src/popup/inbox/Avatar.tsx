import { identicon } from './identicon';
import './Avatar.css';

/** The identicon of an address (or, until it is known, of the inbox or group id); decorative: the name beside it says who. */
export function Avatar({ seed, size = 32 }: { seed: string; size?: number }) {
  const { cells, hue } = identicon(seed);
  return (
    <svg class="avatar" width={size} height={size} viewBox="0 0 5 5" aria-hidden="true" focusable="false" style={{ '--avatar-hue': String(hue) }}>
      {cells.map((on, i) => (on ? <rect key={i} x={i % 5} y={Math.floor(i / 5)} width="1" height="1" /> : null))}
    </svg>
  );
}
