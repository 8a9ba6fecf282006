// @ts-check
// What an outside developer writes: the installed package, its public API, nothing else.
import { Parley, isXmtpRpcError } from '@parley/sdk';

const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const log = /** @type {HTMLElement} */ (document.getElementById('log'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('send'));

/** @param {string} line */
function show(line) {
  const item = document.createElement('li');
  item.textContent = line;
  log.append(item);
}

/** @param {unknown} error */
function fail(error) {
  status.dataset.error = '';
  status.textContent = isXmtpRpcError(error) ? `Error ${error.code}: ${error.message}` : String(error);
}

document.getElementById('connect')?.addEventListener('click', async () => {
  try {
    const client = await Parley.connect();
    delete status.dataset.error;
    status.textContent = `Connected as ${client.address}`;
    form.hidden = false;
    (async () => {
      for await (const message of client.conversations.streamAllMessages()) {
        if (message.senderInboxId === client.inboxId) continue;
        show(`received: ${message.content.type === 'text' ? message.content.text : message.content.type}`);
      }
    })().catch(fail);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        const dm = await client.conversations.createDm(String(data.get('to')));
        await dm.sendText(String(data.get('text')));
        show(`sent: ${data.get('text')}`);
      } catch (error) {
        fail(error);
      }
    });
  } catch (error) {
    fail(error);
  }
});
