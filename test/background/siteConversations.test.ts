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
    expect(await sites.isVisible(site(OTHER), { id: 'dm', consentState: 'allowed', appDataOrigin: OTHER })).toBe(false);
    expect(await sites.isVisible(site(DAPP), { id: 'dm', consentState: 'allowed', appDataOrigin: OTHER })).toBe(true);
  });

  it('a stranger’s conversation naming a site stays out of its view until the user allows it, then stays in', async () => {
    const sites = new SiteConversations(memoryVault());
    // Invited: first seen naming the dApp, nothing decided yet.
    expect(await sites.isVisible(site(DAPP), { id: 'invite', consentState: 'unknown', appDataOrigin: DAPP })).toBe(false);
    expect(await sites.idsFor(DAPP)).toEqual(new Set());
    // The first-seen origin was recorded while undecided: a rewrite before accepting moves nothing.
    expect(await sites.isVisible(site(OTHER), { id: 'invite', consentState: 'allowed', appDataOrigin: OTHER })).toBe(false);
    // Accepted (or replied to) in the popup: the site sees it, and remembers it.
    expect(await sites.isVisible(site(DAPP), { id: 'invite', consentState: 'allowed', appDataOrigin: OTHER })).toBe(true);
    expect(await sites.idsFor(DAPP)).toEqual(new Set(['invite']));
  });

  it('a denied conversation is hidden from every site, however it came to one', async () => {
    const sites = new SiteConversations(memoryVault());
    expect(await sites.isVisible(site(DAPP), { id: 'blocked', consentState: 'denied', appDataOrigin: DAPP })).toBe(false);
    await sites.add(DAPP, 'blocked');
    expect(await sites.isVisible(site(DAPP), { id: 'blocked', consentState: 'denied', appDataOrigin: DAPP })).toBe(false);
  });

  it('created on or shared with a site it is visible undecided; a remembered one stays; the inbox scope sees all but denied', async () => {
    const sites = new SiteConversations(memoryVault());
    // createdThroughSite and grants_share both add the id.
    await sites.add(DAPP, 'mine');
    expect(await sites.isVisible(site(DAPP), { id: 'mine', consentState: 'unknown' })).toBe(true);
    expect(await sites.isVisible(site(DAPP), { id: 'mine', consentState: 'denied' })).toBe(false);
    // Remembered before this rule (an undecided first-seen match): kept, whatever the consent says.
    await sites.add(DAPP, 'remembered');
    expect(await sites.isVisible(site(DAPP), { id: 'remembered', consentState: 'unknown', appDataOrigin: DAPP })).toBe(true);
    expect(await sites.isVisible(site(OTHER), { id: 'remembered', consentState: 'allowed', appDataOrigin: DAPP })).toBe(false);
    const inbox = { ...site(OTHER), scope: 'inbox' } as Access;
    expect(await sites.isVisible(inbox, { id: 'anything', consentState: 'unknown' })).toBe(true);
    expect(await sites.isVisible(inbox, { id: 'anything', consentState: 'denied' })).toBe(false);
  });
});
