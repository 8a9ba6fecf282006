import type { HubPort } from './portHub';

/**
 * A Port whose messages wait for their listener. A woken worker gets the connection in its
 * first turn but is ready only after the vault opens (async); Chrome drops port messages that
 * find no listener, so the first request after a wake would be lost without this.
 */
export function bufferedPort(port: chrome.runtime.Port): HubPort {
  const queue: unknown[] = [];
  let deliver: ((message: unknown) => void) | null = null;
  let disconnected = false;
  // Several parts listen (the hub, the site tabs): each one hears the disconnect.
  const onGone: (() => void)[] = [];

  port.onMessage.addListener((message: unknown) => {
    if (deliver) deliver(message);
    else queue.push(message);
  });
  port.onDisconnect.addListener(() => {
    disconnected = true;
    for (const fn of onGone) fn();
  });

  return {
    name: port.name,
    sender: port.sender,
    postMessage: (message) => port.postMessage(message),
    disconnect: () => port.disconnect(),
    onMessage: {
      addListener(fn) {
        deliver = fn;
        for (const message of queue.splice(0)) fn(message);
      },
    },
    onDisconnect: {
      addListener(fn) {
        onGone.push(fn);
        if (disconnected) fn();
      },
    },
  };
}
