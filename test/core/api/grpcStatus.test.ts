import { describe, expect, it } from 'vitest';
import {
  GrpcStatus,
  errorCodeForGrpcStatus,
  grpcStatusError,
  grpcStatusForErrorCode,
  type GrpcStatusName,
} from '../../../src/core/api/grpcStatus';

describe('gRPC status mapping', () => {
  it('maps each non-OK status to its Api code', () => {
    expect(errorCodeForGrpcStatus(3)).toBe('Api.InvalidArgument');
    expect(errorCodeForGrpcStatus(8)).toBe('Api.ResourceExhausted');
    expect(errorCodeForGrpcStatus(14)).toBe('Api.Unavailable');
    expect(errorCodeForGrpcStatus(16)).toBe('Api.Unauthenticated');
  });

  it('treats statuses gRPC does not define, and a misplaced OK, as unknown', () => {
    expect(errorCodeForGrpcStatus(17)).toBe('Api.Unknown');
    expect(errorCodeForGrpcStatus(0)).toBe('Api.Unknown');
  });

  it('maps every status back from its Api code, and nothing else', () => {
    for (const [name, status] of Object.entries(GrpcStatus) as [GrpcStatusName, number][]) {
      if (name === 'OK') continue;
      expect(grpcStatusForErrorCode(errorCodeForGrpcStatus(status))).toBe(status);
    }
    expect(grpcStatusForErrorCode('Api.Network')).toBeUndefined();
    expect(grpcStatusForErrorCode('Codec.Malformed')).toBeUndefined();
  });

  it("carries the server's message in details", () => {
    const e = grpcStatusError('UploadKeyPackage', 3, 'key package expired');
    expect(e.code).toBe('Api.InvalidArgument');
    expect(e.details).toBe('key package expired');
    expect(e.shortMessage).toContain('INVALID_ARGUMENT');
    expect(grpcStatusError('X', 13, '').details).toBeUndefined();
  });
});
