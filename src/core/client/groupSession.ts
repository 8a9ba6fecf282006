import type { ClientState } from 'ts-mls';
import type { PersistedGroupState } from './groupState';
import type { GroupRecord, IntentRecord } from './store';

/**
 * A group as the engine holds it in memory between operations: its record, its decoded MLS state
 * (decoded once, not per message) and its pending intents. Replaced, never edited, so a failed
 * store write leaves the previous session intact.
 */
export interface GroupSession {
  record: GroupRecord;
  state: ClientState;
  intents: IntentRecord[];
  /** What of the state the store holds (see groupStateOps); undefined forces a whole write. */
  persisted?: PersistedGroupState;
}
