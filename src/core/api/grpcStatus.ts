import { ParleyError, type ErrorCode } from '../errors';

/** gRPC status codes (grpc/grpc doc/statuscodes.md); the numbers are the wire values. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusName = keyof typeof GrpcStatus;
export type GrpcStatusCode = (typeof GrpcStatus)[GrpcStatusName];

const errorCodeByStatus: { readonly [S in Exclude<GrpcStatusName, 'OK'>]: ErrorCode } = {
  CANCELLED: 'Api.Cancelled',
  UNKNOWN: 'Api.Unknown',
  INVALID_ARGUMENT: 'Api.InvalidArgument',
  DEADLINE_EXCEEDED: 'Api.DeadlineExceeded',
  NOT_FOUND: 'Api.NotFound',
  ALREADY_EXISTS: 'Api.AlreadyExists',
  PERMISSION_DENIED: 'Api.PermissionDenied',
  RESOURCE_EXHAUSTED: 'Api.ResourceExhausted',
  FAILED_PRECONDITION: 'Api.FailedPrecondition',
  ABORTED: 'Api.Aborted',
  OUT_OF_RANGE: 'Api.OutOfRange',
  UNIMPLEMENTED: 'Api.Unimplemented',
  INTERNAL: 'Api.Internal',
  UNAVAILABLE: 'Api.Unavailable',
  DATA_LOSS: 'Api.DataLoss',
  UNAUTHENTICATED: 'Api.Unauthenticated',
};

const nameByStatus = new Map<number, GrpcStatusName>(
  (Object.entries(GrpcStatus) as [GrpcStatusName, GrpcStatusCode][]).map(([name, code]) => [code, name]),
);

/** The status name for a wire value, or undefined for a number gRPC does not define. */
export function grpcStatusName(status: number): GrpcStatusName | undefined {
  return nameByStatus.get(status);
}

/**
 * The ParleyError code for a non-OK gRPC status. A status gRPC does not define is treated
 * as UNKNOWN, as gRPC's own clients do.
 */
export function errorCodeForGrpcStatus(status: number): ErrorCode {
  const name = nameByStatus.get(status);
  return name === undefined || name === 'OK' ? 'Api.Unknown' : errorCodeByStatus[name];
}

/**
 * The gRPC status that an `Api.*` code mirrors, for a server that answers with a ParleyError;
 * undefined for codes that are not gRPC statuses (transport and codec failures).
 */
export function grpcStatusForErrorCode(code: ErrorCode): GrpcStatusCode | undefined {
  for (const [name, mapped] of Object.entries(errorCodeByStatus)) {
    if (mapped === code) return GrpcStatus[name as GrpcStatusName];
  }
  return undefined;
}

/** The typed error for a call the node ended with a non-OK status; its message goes in details. */
export function grpcStatusError(method: string, status: number, message: string): ParleyError {
  const name = grpcStatusName(status) ?? `status ${status}`;
  return new ParleyError(
    errorCodeForGrpcStatus(status),
    `The node answered ${method} with ${name}.`,
    message === '' ? {} : { details: message },
  );
}
