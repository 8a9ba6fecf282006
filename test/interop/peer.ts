import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { peerCommand, repoRoot } from './testEnv';

/** What test/interop/peer/driver.mjs answers; bigints arrive as decimal strings. */
export interface CreatedClient {
  inboxId: string;
  installationId: string;
  address: string;
  isRegistered: boolean;
  libxmtpVersion?: string;
}

export interface ConversationInfo {
  id: string;
  type: 'dm' | 'group' | 'other';
  createdAtNs: string;
  isActive: boolean;
  /** The topic a push server subscribes it by. */
  topic?: string;
  name?: string;
  description?: string;
  peerInboxId?: string;
}

export interface MessageInfo {
  id: string;
  conversationId: string;
  senderInboxId: string;
  sentAtNs: string;
  kind: 'application' | 'membership_change';
  /** `authority/type:major.minor`, e.g. `xmtp.org/text:1.0`. */
  contentType: string;
  content: unknown;
  fallback?: string;
  /** Streamed messages only: when the peer's stream delivered it (Date.now() in the peer). */
  receivedAtMs?: number;
}

export interface MemberInfo {
  inboxId: string;
  installationIds: string[];
  /** 0 member, 1 admin, 2 super admin (node-sdk's PermissionLevel). */
  permissionLevel: number;
}

export interface CreateOptions {
  privateKey: `0x${string}`;
  apiUrl: string;
  dbPath: string;
  dbEncryptionKey: `0x${string}`;
  /** node-sdk's device sync needs a history server; off unless asked. */
  deviceSync?: boolean;
  /** libxmtp's log level ('Off' … 'Trace'); its logs go to the peer's log. */
  loggingLevel?: string;
}

export interface PeerSpawnOptions {
  commandTimeoutMs?: number;
  env?: Record<string, string>;
}

/** A command the peer's client refused or failed, with the peer's recent log. */
export class PeerCommandError extends Error {
  constructor(
    readonly peer: string,
    readonly command: string,
    readonly errorName: string,
    readonly reason: string,
    logTail: string,
  ) {
    super(`peer ${peer}: ${command} failed: ${errorName}: ${reason}${logTail ? `\n--- ${peer} log ---\n${logTail}` : ''}`);
    this.name = 'PeerCommandError';
  }
}

interface Pending {
  command: string;
  /** Answers with { result, ms } (the peer's own timing of the command) instead of the result. */
  timed?: boolean;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const MAX_LOG_LINES = 400;

/**
 * One unmodified @xmtp/node-sdk client in its own process (driver.mjs under Debian 13's
 * loader), driven by JSON-line commands, each with a timeout.
 */
export class Peer {
  readonly log: string[] = [];
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitInfo: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly commandTimeoutMs: number,
    env: Record<string, string> | undefined,
  ) {
    const { file, args } = peerCommand();
    this.child = spawn(file, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.failAll(`the peer process ${this.exitInfo}`);
        resolve();
      });
    });
    this.child.once('error', (error) => {
      this.exitInfo = `could not start: ${error.message}`;
      this.failAll(`the peer process ${this.exitInfo}`);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onStdout(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.addLog(line));
  }

  /**
   * Starts a peer process; `commandTimeoutMs` bounds each command unless it says otherwise;
   * `env` adds variables to the peer's environment (SSL_CERT_FILE for a private CA).
   */
  static spawn(name: string, options: PeerSpawnOptions = {}): Peer {
    return new Peer(name, options.commandTimeoutMs ?? 60_000, options.env);
  }

  /** Starts a peer process and creates its client; a peer whose create fails is killed. */
  static async start(name: string, create: CreateOptions, options: PeerSpawnOptions = {}): Promise<{ peer: Peer; client: CreatedClient }> {
    const peer = Peer.spawn(name, options);
    try {
      return { peer, client: await peer.create(create) };
    } catch (error) {
      await peer.kill();
      throw error;
    }
  }

  /** The last lines the peer printed besides its answers (libxmtp logs, crashes). */
  logTail(lines = 40): string {
    return this.log.slice(-lines).join('\n');
  }

  /** Sends one command and waits for its answer. */
  call<T>(command: string, args: Record<string, unknown> = {}, timeoutMs = this.commandTimeoutMs): Promise<T> {
    return this.request<T>(command, args, timeoutMs, false);
  }

  /** A command and how long it took inside the peer (for benchmarks: the pipe's time left out). */
  callTimed<T>(command: string, args: Record<string, unknown> = {}, timeoutMs = this.commandTimeoutMs): Promise<{ result: T; ms: number }> {
    return this.request<{ result: T; ms: number }>(command, args, timeoutMs, true);
  }

  private request<T>(command: string, args: Record<string, unknown>, timeoutMs: number, timed: boolean): Promise<T> {
    if (this.exitInfo) {
      return Promise.reject(new Error(`peer ${this.name}: cannot send ${command}: the peer process ${this.exitInfo}`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`peer ${this.name}: ${command} gave no answer within ${timeoutMs} ms\n--- ${this.name} log ---\n${this.logTail()}`));
      }, timeoutMs);
      this.pending.set(id, { command, timed, resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd: command, ...args })}\n`);
    });
  }

  create(options: CreateOptions): Promise<CreatedClient> {
    return this.call('create', { ...options });
  }

  inboxId(): Promise<string> {
    return this.call('inboxId');
  }

  /** Address (lowercase) → whether it can be messaged. */
  canMessage(addresses: string[]): Promise<Record<string, boolean>> {
    return this.call('canMessage', { addresses });
  }

  inboxIdFor(address: string): Promise<string | null> {
    return this.call('inboxIdFor', { address });
  }

  newDm(inboxId: string): Promise<ConversationInfo> {
    return this.call('newDm', { inboxId });
  }

  newDmWithAddress(address: string): Promise<ConversationInfo> {
    return this.call('newDm', { address });
  }

  newGroup(inboxIds: string[], options: { name?: string; description?: string; permissions?: 'admin_only' } = {}): Promise<ConversationInfo> {
    return this.call('newGroup', { inboxIds, ...options });
  }

  /** Sends a text message; resolves to its message id. */
  send(conversationId: string, text: string): Promise<string> {
    return this.call('send', { conversationId, text });
  }

  /** Syncs one conversation, or the conversation list (welcomes) when none is given. */
  sync(conversationId?: string): Promise<true> {
    return this.call('sync', conversationId === undefined ? {} : { conversationId });
  }

  syncAll(): Promise<{ numEligible: number; numSynced: number }> {
    return this.call('syncAll');
  }

  conversations(type?: 'dm' | 'group'): Promise<ConversationInfo[]> {
    return this.call('conversations', type === undefined ? {} : { type });
  }

  conversation(conversationId: string): Promise<ConversationInfo> {
    return this.call('conversation', { conversationId });
  }

  messages(conversationId: string, limit?: number): Promise<MessageInfo[]> {
    return this.call('messages', limit === undefined ? { conversationId } : { conversationId, limit });
  }

  /** The text messages of a conversation, oldest first. */
  async texts(conversationId: string): Promise<string[]> {
    return (await this.messages(conversationId))
      .filter((m) => m.contentType.startsWith('xmtp.org/text:'))
      .map((m) => String(m.content));
  }

  updateName(conversationId: string, name: string): Promise<ConversationInfo> {
    return this.call('updateName', { conversationId, name });
  }

  addMembers(conversationId: string, inboxIds: string[]): Promise<true> {
    return this.call('addMembers', { conversationId, inboxIds });
  }

  removeMembers(conversationId: string, inboxIds: string[]): Promise<true> {
    return this.call('removeMembers', { conversationId, inboxIds });
  }

  members(conversationId: string): Promise<MemberInfo[]> {
    return this.call('members', { conversationId });
  }

  /** Starts streamAllMessages; what arrives is collected in the peer (see streamed()). */
  startStream(retryDelayMs = 1_000): Promise<true> {
    return this.call('startStream', { retryDelayMs });
  }

  streamed(): Promise<{ messages: MessageInfo[]; errors: string[] }> {
    return this.call('streamed');
  }

  stopStream(): Promise<true> {
    return this.call('stopStream');
  }

  /** Closes the client and waits for the process to end; kills it if it does not. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.exitInfo) return;
    await this.call('close', {}, timeoutMs).catch(() => undefined);
    const ended = await Promise.race([this.exited.then(() => true), delay(timeoutMs).then(() => false)]);
    if (!ended) await this.kill();
  }

  /** SIGKILLs the peer and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.exitInfo) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private onStdout(line: string): void {
    let message: { id?: unknown; ok?: unknown; result?: unknown; elapsedMs?: number; error?: { name?: string; message?: string } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      this.addLog(line);
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) {
      this.addLog(line);
      return;
    }
    this.pending.delete(message.id as number);
    clearTimeout(pending.timer);
    if (message.ok === true) {
      pending.resolve(pending.timed === true ? { result: message.result, ms: message.elapsedMs ?? Number.NaN } : message.result);
    } else {
      pending.reject(new PeerCommandError(
        this.name,
        pending.command,
        message.error?.name ?? 'Error',
        message.error?.message ?? 'no reason given',
        this.logTail(),
      ));
    }
  }

  private addLog(line: string): void {
    this.log.push(line);
    if (this.log.length > MAX_LOG_LINES) this.log.splice(0, this.log.length - MAX_LOG_LINES);
  }

  private failAll(reason: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`peer ${this.name}: ${pending.command}: ${reason}\n--- ${this.name} log ---\n${this.logTail()}`));
      this.pending.delete(id);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
