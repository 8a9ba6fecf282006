import type { CiphersuiteImpl } from 'ts-mls';
import type { NetworkApi } from '../api/networkApi';
import type { PaddingPolicy } from '../mls/padding';
import type { DecodedMessage } from './decodedMessage';
import type { IdentityDirectory } from './identityDirectory';
import type { ClientStore, IdentityRecord } from './store';

/** Where the engine reports what it stored, for streams and UIs. */
export interface ClientEvents {
  /** A message was stored (`isNew`) or changed (published, confirmed by the node). */
  message(message: DecodedMessage, isNew: boolean): void;
  /** A conversation appeared: created here or joined through a welcome. */
  conversation(groupId: string): void;
}

/** Everything the engine's parts share; one per Client. */
export interface ClientContext {
  api: NetworkApi;
  store: ClientStore;
  identity: IdentityRecord;
  /** Hex installation id (the installation public key). */
  installationId: string;
  directory: IdentityDirectory;
  cs: CiphersuiteImpl;
  now(): Date;
  events: ClientEvents;
  /** How application messages are padded before encryption. */
  padding: PaddingPolicy;
}
