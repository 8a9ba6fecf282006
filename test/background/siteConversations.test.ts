import { describe, expect, it } from 'vitest';
import type { Access } from '../../src/core/rpc';
import { SiteConversations } from '../../src/background/siteConversations';
import type { Vault } from '../../src/background/vault/vault';

const DAPP = 'https://dapp.example';
const OTHER = 'https://other.example';

/** The vault's record calls, in memory: what SiteConversations stores is what it reads back. */
function memoryVault(): Vault {
  const records = new Map<string, unknown>();
  return {
    get: async (kind: string, key = '') => structuredClone(records.get(`${kind}/${key}`)),
    put: async (kind: string, key: string, value: unknown) => void records.set(`${kind}/${key}`, structuredClone(value)),
    delete: async (kind: string, key: string) => void records.delete(`${kind}/${key}`),
  } as unknown as Vault;
}

const site = (origin: string): Access => ({ origin, scope: 'site', inboxId: 'i', address: '0x0', grantedAt: 0 }) as Access;

describe('which conversations a site-scoped origin sees', () => {
  it('a member who points an existing group’s app data at a site does not move it into that site’s view', async () => {
    const sites = new SiteConversations(memoryVault());
    // The group as this installation first saw it: no origin.
    expect(await sites.isVisible(site(DAPP), { id: 'g', consentState: 'allowed' })).toBe(false);
    // A member rewrites app_data to the dApp's origin.
    expect(await sites.isVisible(site(DAPP), { id: 'g', consentState: 'allowed', appDataOrigin: DAPP })).toBe(false);
    expect(await sites.idsFor(DAPP)).toEqual(new Set());
  });

  it('a conversation first seen naming a site stays that site’s, whatever its app data says later', async () => {
    const sites = new SiteConversations(memoryVault());
    expect(await sites.firstSeenOrigin({ id: 'dm', appDataOrigin: DAPP })).toBe(DAPP);
    expect(await sites.isVisible(site(OTHER), { id: 'dm', consentState: 'unknown', appDataOrigin: OTHER })).toBe(false);
    expect(await sites.isVisible(site(DAPP), { id: 'dm', consentState: 'unknown', appDataOrigin: OTHER })).toBe(true);
  });

  it('created on or shared with a site stays visible; the inbox scope sees all but denied', async () => {
    const sites = new SiteConversations(memoryVault());
    await sites.add(DAPP, 'mine');
    expect(await sites.isVisible(site(DAPP), { id: 'mine', consentState: 'unknown' })).toBe(true);
    expect(await sites.isVisible(site(DAPP), { id: 'mine', consentState: 'denied' })).toBe(false);
    const inbox = { ...site(OTHER), scope: 'inbox' } as Access;
    expect(await sites.isVisible(inbox, { id: 'anything', consentState: 'unknown' })).toBe(true);
    expect(await sites.isVisible(inbox, { id: 'anything', consentState: 'denied' })).toBe(false);
  });
});
