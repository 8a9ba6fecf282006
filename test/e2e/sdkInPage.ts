import { join } from 'node:path';
import { build } from 'vite';
import type { DriverPage } from './driver';

/*
 * The dApp SDK (src/sdk) as a dApp ships it: bundled into one script and run in the page, over
 * the page's window.xmtp. Built once per test file with Vite (no config file: only the SDK and
 * the core modules it imports), and put in the page by a script element, as a <script> tag would.
 */

const entry = join(import.meta.dirname, '..', '..', 'src', 'sdk', 'index.ts');
let bundle: Promise<string> | undefined;

/** The SDK as an IIFE that sets `window.ParleySdk`. */
export function sdkBundle(): Promise<string> {
  bundle ??= build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry, formats: ['iife'], name: 'ParleySdk', fileName: 'sdk' } },
  }).then((out) => {
    const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
    const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
    if (!chunk?.code) throw new Error('the SDK build produced no script');
    return chunk.code;
  });
  return bundle;
}

/** Runs the SDK bundle in the page (once); afterwards `window.ParleySdk` is the SDK's exports. */
export async function loadSdk(page: DriverPage): Promise<void> {
  const code = await sdkBundle();
  const loaded = await page.evaluate(
    ([source]) => {
      if (!('ParleySdk' in window)) {
        const script = document.createElement('script');
        script.textContent = source;
        document.head.append(script);
      }
      return 'ParleySdk' in window;
    },
    [code] as const,
  );
  if (!loaded) throw new Error('the SDK script did not run in the page');
}

/**
 * Connects the SDK (the site is granted already: no prompt) and starts, in the page, its
 * all-messages stream and one conversation stream per id, each `for await` loop collecting the
 * texts it reads into window.sdkStreams (`all`, or the conversation id).
 */
export async function startSdkStreams(page: DriverPage, conversationIds: string[]): Promise<void> {
  await loadSdk(page);
  const error = await page.evaluate(async ([ids]) => {
    type Msg = { conversationId: string; content: { text?: string } };
    type Stream = AsyncIterable<Msg>;
    const sdk = (window as unknown as {
      ParleySdk: { Parley: { connect(): Promise<{ conversations: { streamAllMessages(): Stream; getConversationById(id: string): Promise<{ streamMessages(): Stream } | undefined> } }> } };
    }).ParleySdk;
    const w = window as unknown as { sdkStreams: Record<string, string[]> };
    w.sdkStreams = {};
    const collect = (key: string, stream: Stream): void => {
      const texts: string[] = (w.sdkStreams[key] = []);
      void (async () => {
        for await (const m of stream) texts.push(`${m.conversationId} ${m.content.text ?? ''}`);
      })();
    };
    try {
      const client = await sdk.Parley.connect();
      collect('all', client.conversations.streamAllMessages());
      for (const id of ids) {
        const conversation = await client.conversations.getConversationById(id);
        if (!conversation) return `the SDK does not list ${id}`;
        collect(id, conversation.streamMessages());
      }
      return null;
    } catch (e) {
      return String(e);
    }
  }, [conversationIds] as const);
  if (error) throw new Error(`the SDK's streams did not start: ${error}`);
}

/** What each SDK stream has read so far: "conversationId text" per message, by stream. */
export function sdkStreamTexts(page: DriverPage): Promise<Record<string, string[]>> {
  return page.evaluate(() => (window as unknown as { sdkStreams: Record<string, string[]> }).sdkStreams, undefined);
}
