import type { OpenMessaging } from './messagingSession';
import { unavailableMessaging } from './messaging';

/**
 * The Messaging interface over the core Client (src/core/client). The engine is being written
 * alongside; until it lands, the worker answers the messaging methods with a typed error and
 * everything else (access, grants, inbox info) works.
 */
export const openMessaging: OpenMessaging = async () => unavailableMessaging();
