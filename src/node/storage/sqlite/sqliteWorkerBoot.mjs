// Worker-thread entry for sqliteWorker.ts: registers tsx's loader in this thread (whatever
// started the main thread: the tsx CLI, the bin, vitest), then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./sqliteWorker.ts');
