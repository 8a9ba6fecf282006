export type { CallOptions, NetworkApi } from './networkApi';
export { apiMethods, apiMethodsByPath } from './methods';
export type { AnyMethodSpec, ApiMethodName, ApiMethodTable, CallKind, MethodSpec } from './methods';
export { decodeProto, encodeProto } from './protoCodec';
export type { ProtoCodec } from './protoCodec';
export { GrpcStatus, errorCodeForGrpcStatus, grpcStatusError, grpcStatusForErrorCode, grpcStatusName } from './grpcStatus';
export type { GrpcStatusCode, GrpcStatusName } from './grpcStatus';
export {
  DEFAULT_MAX_FRAME_BYTES,
  GRPC_WEB_CONTENT_TYPE,
  GrpcWebFrameParser,
  MAX_TRAILER_FRAME_BYTES,
  encodeGrpcWebDataFrame,
  encodeGrpcWebFrame,
} from './grpcWebFrames';
export type { GrpcWebFrame, GrpcWebFrameKind, GrpcWebFrameParserOptions } from './grpcWebFrames';
export {
  encodeGrpcWebTrailerFrame,
  encodeGrpcWebTrailers,
  grpcWebTrailersOnlyHeaders,
  parseGrpcWebTrailers,
  percentDecodeGrpcMessage,
  percentEncodeGrpcMessage,
  readGrpcStatus,
} from './grpcWebTrailers';
export type { GrpcCallStatus } from './grpcWebTrailers';
export { createGrpcWebApi } from './grpcWebClient';
export type { GrpcWebApiOptions } from './grpcWebClient';
