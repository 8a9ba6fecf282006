import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEV_CHROME_EXTENSION_ORIGIN, createOriginPolicy, normalizeOrigin } from '../../../src/node/transport/cors';
import { createHostPolicy, hostNameOf, normalizeHostName } from '../../../src/node/transport/hostCheck';

describe('the development extension origin', () => {
  it('is the id Chromium derives from manifest.json key (sha256 of the key, first 32 hex digits as a-p)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../../manifest.json', import.meta.url), 'utf8')) as { key: string };
    const digest = createHash('sha256').update(Buffer.from(manifest.key, 'base64')).digest('hex').slice(0, 32);
    const id = [...digest].map((h) => String.fromCharCode(97 + parseInt(h, 16))).join('');
    expect(DEV_CHROME_EXTENSION_ORIGIN).toBe(`chrome-extension://${id}`);
  });
});

describe('origin allow-list', () => {
  it('normalizes configured origins to the form browsers send and refuses anything else', () => {
    expect(normalizeOrigin('HTTPS://App.Example/')).toBe('https://app.example');
    expect(normalizeOrigin('http://[::1]:5173')).toBe('http://[::1]:5173');
    expect(normalizeOrigin(' * ')).toBe('*');
    for (const bad of ['app.example', 'https://app.example/path', 'https://*.example', 'https://a.example,https://b.example', '']) {
      expect(normalizeOrigin(bad), bad).toBeUndefined();
    }
  });

  it('matches exactly: no prefix, port or scheme variant of an allowed origin passes', () => {
    const policy = createOriginPolicy(['https://app.example']);
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        const origin = new URL(url).origin;
        expect(policy.allows(origin)).toBe(origin === 'https://app.example');
      }),
    );
    for (const near of ['https://app.example.evil.example', 'https://app.example:444', 'http://app.example', 'https://evilapp.example']) expect(policy.allows(near)).toBe(false);
  });
});

describe('Host check', () => {
  const policy = createHostPolicy({ listenHost: '0.0.0.0', publicHosts: ['node.example.org'] });

  it('reads the name out of every Host form', () => {
    expect(hostNameOf('localhost:5557')).toBe('localhost');
    expect(hostNameOf('[::1]:5557')).toBe('::1');
    expect(hostNameOf('[::1]')).toBe('::1');
    expect(hostNameOf('::1')).toBe('::1');
    expect(hostNameOf('Node.Example.org')).toBe('node.example.org');
    expect(normalizeHostName('[::1]')).toBe('::1');
    expect(normalizeHostName('node.example.org.')).toBe('node.example.org');
    expect(normalizeHostName('node.example.org:443')).toBeUndefined();
  });

  it('answers any port of an allowed name or an IP address, and no other domain name', () => {
    fc.assert(
      fc.property(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })), (domain, port) => {
        const host = port === null ? domain : `${domain}:${port}`;
        expect(policy.allows(host)).toBe(['localhost', 'node.example.org'].includes(domain.toLowerCase()));
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`)), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        expect(policy.allows(`${ip}:${port}`)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (host) => {
        expect(typeof policy.allows(host)).toBe('boolean');
      }),
    );
  });
});
