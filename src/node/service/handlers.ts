import type { NodeHandlers } from '../rpc/handlers';
import type { ServiceDeps } from './deps';
import { identityHandlers } from './identityService';
import { mlsHandlers } from './mlsService';

/** Both services' handlers over one store. */
export function createHandlers(deps: ServiceDeps): NodeHandlers {
  return { ...mlsHandlers(deps), ...identityHandlers(deps) };
}
