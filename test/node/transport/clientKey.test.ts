import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientKeyOf } from '../../../src/node/transport/clientKey';

describe('clientKeyOf', () => {
  it('keys a peer by its address without the port', () => {
    expect(clientKeyOf('ipv4:127.0.0.1:5000')).toBe('127.0.0.1');
    expect(clientKeyOf('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(clientKeyOf('ipv6:[::1]:5000')).toBe('::1');
    expect(clientKeyOf('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(clientKeyOf('::ffff:10.0.0.2')).toBe('10.0.0.2');
    expect(clientKeyOf('2001:db8::1')).toBe('2001:db8::1');
    expect(clientKeyOf(undefined)).toBe('unknown');
  });

  it('gives two ports of one address the same key, and never throws on any string', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), (ip, a, b) => {
        expect(clientKeyOf(`ipv4:${ip}:${a}`)).toBe(clientKeyOf(`${ip}:${b}`));
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => typeof clientKeyOf(s) === 'string'));
  });
});
