import type { SmartWalletVerifier } from '../../core/identity/smartWalletVerifier';
import type { NodeStore } from '../storage/types';
import type { StreamAdmission } from './streamAdmission';
import type { NodeValidators } from './validators';

/** What the service handlers need from the node. */
export interface ServiceDeps {
  store: NodeStore;
  validators: NodeValidators;
  /** Checks smart-contract-wallet signatures; the default refuses them (no chain access). */
  smartWalletVerifier: SmartWalletVerifier;
  now: () => Date;
  /** Aborted when the node shuts down: live subscriptions end with UNAVAILABLE. */
  shutdown: AbortSignal;
  /** Live records buffered for one slow subscriber before its stream is cut (ABORTED). */
  maxSubscriptionBacklog: number;
  /** Caps on open subscriptions and the topics they name. */
  streams: StreamAdmission;
}
