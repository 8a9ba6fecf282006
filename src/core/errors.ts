/**
 * One error type for the whole core, with a stable string code (viem's shape: a short
 * message for people, details and cause for logs). Codes are a closed union, tested by name;
 * EIP-1193 numbers are assigned only at the provider edge.
 */
export type ErrorCode =
  // identity
  | 'Identity.BadInput'
  | 'Identity.BadSignature'
  | 'Identity.WrongSignerKind'
  | 'Identity.UnknownMember'
  | 'Identity.MemberExists'
  | 'Identity.NotAllowed'
  | 'Identity.InboxIdMismatch'
  | 'Identity.InboxExists'
  | 'Identity.InboxNotCreated'
  | 'Identity.TooManyInstallations'
  | 'Identity.TooManyUpdates'
  | 'Identity.SmartWalletUnsupported'
  | 'Identity.SignerRejected'
  | 'Identity.SignerFailed'
  | 'Identity.SignerMismatch'
  | 'Identity.CannotAddSelf'
  | 'Identity.NotRecoveryIdentifier'
  | 'Identity.Replay'
  | 'Identity.ChainIdMismatch'
  | 'Identity.LegacySignatureReuse'
  | 'Identity.UnexpectedSigner'
  | 'Identity.MissingSignature'
  // network node (src/node)
  | 'Node.StoreConflict'
  | 'Node.StoreClosed'
  | 'Node.StoreCorrupt'
  | 'Node.BadConfig'
  | 'Node.StaleKeyPackage'
  | 'Node.TlsUnreadable'
  | 'Node.TlsInvalid'
  | 'Node.TlsKeyMismatch'
  // replication between nodes and misbehaviour reports (src/node/replication, src/node/misbehavior)
  | 'Misbehavior.BadSignature'
  | 'Misbehavior.BadReport'
  // dApp RPC (src/core/rpc) and the extension (router, vault, approvals)
  | 'Rpc.InvalidParams'
  | 'Rpc.UnsupportedMethod'
  | 'Rpc.UserRejected'
  | 'Rpc.Unauthorized'
  | 'Rpc.Disconnected'
  | 'Rpc.NotFound'
  | 'Vault.Locked'
  | 'Vault.NotInitialized'
  | 'Vault.AlreadyInitialized'
  | 'Vault.WrongPassword'
  | 'Vault.Throttled'
  | 'Vault.Corrupt'
  | 'Vault.NoIdentity'
  | 'Vault.IdentityChanged'
  // wire decoding
  | 'Codec.Malformed'
  | 'Codec.TooLarge'
  // message content (EncodedContent codecs, dApp content validation)
  | 'Content.Invalid'
  | 'Content.Unsupported'
  // group roles and permissions: refused locally before anything is sent
  | 'Group.PermissionDenied'
  | 'Group.BadPermissionUpdate'
  // MLS profile: key packages, credentials, welcome wrapping
  | 'Mls.BadInput'
  | 'Mls.InvalidKeyPackage'
  | 'Mls.InvalidCredential'
  | 'Mls.WelcomeDecryptFailed'
  | 'Mls.MissingExtension'
  | 'Mls.InvalidGroupContextChange'
  | 'Mls.PolicyDenied'
  // incoming commit validation (mls/validateCommit)
  | 'Mls.CommitInvalid'
  | 'Mls.CommitAddNotInMembership'
  | 'Mls.CommitUnexpectedInstallation'
  | 'Mls.CommitMissingInstallation'
  | 'Mls.CommitUnexpectedRemoval'
  | 'Mls.CommitIncompleteRemoval'
  | 'Mls.CommitActorNotInInbox'
  | 'Mls.IdentityStateMissing'
  // messaging client (src/core/client)
  | 'Client.StoreClosed'
  | 'Client.StoreMismatch'
  | 'Client.Closed'
  | 'Client.BadInput'
  | 'Client.NoInbox'
  | 'Client.NotFound'
  | 'Client.NotActive'
  | 'Client.RegistrationFailed'
  | 'Client.CommitRetriesExhausted'
  | 'Client.PublishFailed'
  // MLS group processing in the client
  | 'Mls.DecryptFailed'
  | 'Mls.InvalidCommit'
  | 'Mls.InvalidWelcome'
  | 'Mls.WrongGroup'
  | 'Mls.UnknownSender'
  | 'Mls.SenderRemoved'
  | 'Mls.MembershipMismatch'
  | 'Mls.UnsupportedCiphersuite'
  // node API client
  | 'Api.Cancelled'
  | 'Api.Unknown'
  | 'Api.InvalidArgument'
  | 'Api.DeadlineExceeded'
  | 'Api.NotFound'
  | 'Api.AlreadyExists'
  | 'Api.PermissionDenied'
  | 'Api.ResourceExhausted'
  | 'Api.FailedPrecondition'
  | 'Api.Aborted'
  | 'Api.OutOfRange'
  | 'Api.Unimplemented'
  | 'Api.Internal'
  | 'Api.Unavailable'
  | 'Api.DataLoss'
  | 'Api.Unauthenticated'
  | 'Api.Network'
  | 'Api.BadResponse'
  // agents: the SQLite client store, the agent data directory and the parley CLI (src/agent, src/cli)
  | 'Agent.StoreBusy'
  | 'Agent.StoreCorrupt'
  | 'Agent.StoreFailed'
  | 'Agent.StoreVersion'
  | 'Agent.KeyRequired'
  | 'Agent.WrongKey'
  | 'Agent.NotEncrypted'
  | 'Agent.NotInitialized'
  | 'Agent.AlreadyInitialized'
  | 'Agent.Unsafe'
  | 'Agent.ListenerRunning'
  | 'Agent.ListenerLost'
  | 'Agent.ListenerFailed'
  | 'Agent.BadRequest'
  | 'Cli.BadArguments'
  // encrypted identity backups (src/core/backup, docs/backup-format.md)
  | 'Backup.BadInput'
  | 'Backup.NotABackup'
  | 'Backup.UnsupportedVersion'
  | 'Backup.Truncated'
  | 'Backup.Tampered'
  | 'Backup.WrongPassphrase';

export interface ParleyErrorOptions {
  details?: string;
  cause?: unknown;
  /** For refusals that end by themselves (a throttle): how long until asking again can work. */
  retryAfterMs?: number;
}

export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly details: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ErrorCode,
    readonly shortMessage: string,
    opts: ParleyErrorOptions = {},
  ) {
    super(opts.details ? `${shortMessage}\n\nDetails: ${opts.details}` : shortMessage, { cause: opts.cause });
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** The shape errors take when they cross postMessage or a log line. */
  toJSON(): { code: ErrorCode; message: string; data?: { details: string } } {
    return this.details
      ? { code: this.code, message: this.shortMessage, data: { details: this.details } }
      : { code: this.code, message: this.shortMessage };
  }
}

export function isParleyError(e: unknown, code?: ErrorCode): e is ParleyError {
  return e instanceof ParleyError && (code === undefined || e.code === code);
}
