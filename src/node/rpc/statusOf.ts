import { GrpcStatus, grpcStatusForErrorCode, type GrpcStatusCode } from '../../core/api';
import { isParleyError } from '../../core/errors';

export interface RpcStatus {
  status: GrpcStatusCode;
  message: string;
}

/**
 * The gRPC status a handler's failure is answered with. Api.* codes carry their own status;
 * the protocol core's codes (Codec.*, Mls.*, Identity.*, Content.*) describe bad input, so
 * INVALID_ARGUMENT with the core's message naming the problem. Anything else is the node's
 * own fault: INTERNAL, without internals in the message (the caller logs them).
 */
export function statusOf(error: unknown): RpcStatus & { internal: boolean } {
  if (isParleyError(error)) {
    const text = error.details ? `${error.shortMessage} ${error.details}` : error.shortMessage;
    const mapped = grpcStatusForErrorCode(error.code);
    if (mapped !== undefined) return { status: mapped, message: text, internal: false };
    switch (error.code) {
      case 'Node.StoreClosed':
        return { status: GrpcStatus.UNAVAILABLE, message: 'The node is shutting down.', internal: false };
      case 'Node.StoreConflict':
        return { status: GrpcStatus.ABORTED, message: text, internal: false };
      case 'Node.StaleKeyPackage':
        return { status: GrpcStatus.FAILED_PRECONDITION, message: text, internal: false };
      case 'Node.StoreCorrupt':
      case 'Node.BadConfig':
      case 'Node.TlsUnreadable':
      case 'Node.TlsInvalid':
      case 'Node.TlsKeyMismatch':
        return { status: GrpcStatus.INTERNAL, message: 'Internal error.', internal: true };
      default:
        return { status: GrpcStatus.INVALID_ARGUMENT, message: text, internal: false };
    }
  }
  return { status: GrpcStatus.INTERNAL, message: 'Internal error.', internal: true };
}
