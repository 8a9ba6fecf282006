/**
 * Parley's platform-free protocol core. The messaging client and the content types at the top
 * level; the lower layers under their names (`identity`, `mls`, `api`).
 */
export * from './errors';
export * from './client';
export * from './content';
export { createGrpcWebApi, type GrpcWebApiOptions, type NetworkApi } from './api';
export { eip1193Signer, generateWalletPrivateKey, inboxIdFor, localAccountSigner, privateKeySigner } from './identity';
export * as identity from './identity';
export * as mls from './mls';
export * as api from './api';
export * as backup from './backup';
