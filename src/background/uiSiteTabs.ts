import type { HubPort } from './portHub';
import { originOfSender } from './portHub';
import { PAGE_PORT_NAME } from './portNames';

/**
 * Which web origin each tab with an open Parley port shows. The worker has no "tabs"
 * permission (so no tab URLs); the ports' senders are what tells it, as the browser reports
 * them. Notifications use it to stay quiet while the user is on the conversation's site.
 */
export class SiteTabs {
  private readonly tabs = new Map<number, { origin: string; port: HubPort }>();

  constructor(private readonly extensionId: string) {}

  track(port: HubPort): void {
    if (port.name !== PAGE_PORT_NAME) return;
    const origin = originOfSender(port.sender, this.extensionId);
    const tabId = port.sender?.tab?.id;
    if (origin === null || tabId === undefined) return;
    this.tabs.set(tabId, { origin, port });
    port.onDisconnect.addListener(() => {
      // A reload connects the new page before the old port goes: forget only this port's entry.
      if (this.tabs.get(tabId)?.port === port) this.tabs.delete(tabId);
    });
  }

  originOf(tabId: number): string | undefined {
    return this.tabs.get(tabId)?.origin;
  }
}
