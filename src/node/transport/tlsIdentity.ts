import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { experimental } from '@grpc/grpc-js';
import { ParleyError } from '../../core/errors';

type IdentityCertificateUpdateListener = experimental.IdentityCertificateUpdateListener;

/** Where the node's certificate chain and private key live (PEM files). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** One loaded, checked pair: what node:tls takes (`cert`, `key`) and what logs show. */
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate's subject, SHA-256 fingerprint and expiry, for logs. */
  subject: string;
  fingerprint256: string;
  validTo: string;
  expiresAt: Date;
}

/**
 * Reads and checks a certificate chain and its private key: both files readable, the first
 * certificate and the key parse, and the key is the certificate's. Failures are typed
 * (Node.TlsUnreadable, Node.TlsInvalid, Node.TlsKeyMismatch) and name the file, so an operator
 * sees which of the two is wrong before any listener starts.
 */
export async function loadTlsPair(files: TlsFiles): Promise<TlsPair> {
  const [cert, key] = await Promise.all([readPem(files.certFile, 'certificate'), readPem(files.keyFile, 'private key')]);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (cause) {
    throw new ParleyError('Node.TlsInvalid', 'The TLS certificate file holds no PEM certificate.', { details: files.certFile, cause });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (cause) {
    throw new ParleyError('Node.TlsInvalid', 'The TLS key file holds no unencrypted PEM private key.', { details: files.keyFile, cause });
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ParleyError('Node.TlsKeyMismatch', 'The TLS private key does not belong to the certificate.', {
      details: `${files.keyFile} is not the key of ${files.certFile} (${leaf.subject.replace(/\n/g, ', ')})`,
    });
  }
  return {
    cert,
    key,
    subject: leaf.subject.replace(/\n/g, ', '),
    fingerprint256: leaf.fingerprint256,
    validTo: leaf.validTo,
    // Node 20 has no validToDate; validTo is OpenSSL's "Mon DD HH:MM:SS YYYY GMT", which Date parses.
    expiresAt: new Date(leaf.validTo),
  };
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new ParleyError('Node.TlsUnreadable', `Cannot read the TLS ${what} file.`, { details: `${file}: ${reason}`, cause });
  }
}

/**
 * The node's current TLS pair, shared by both listeners. The gRPC listener takes it as a grpc-js
 * certificate provider; the gRPC-web listener subscribes with `onChange`. `reload()` reads the
 * files again and swaps the pair on both listeners at once (new connections get the new
 * certificate; open ones keep theirs); a pair that fails its checks leaves the old one serving.
 */
export class TlsIdentity implements experimental.CertificateProvider {
  private readonly listeners = new Set<IdentityCertificateUpdateListener>();
  private readonly changeListeners = new Set<(pair: TlsPair) => void>();

  private constructor(
    private readonly files: TlsFiles,
    private pair: TlsPair,
  ) {}

  static async load(files: TlsFiles): Promise<TlsIdentity> {
    return new TlsIdentity(files, await loadTlsPair(files));
  }

  get current(): TlsPair {
    return this.pair;
  }

  /** Re-reads both files; throws (and keeps serving the old pair) if they fail the checks. */
  async reload(): Promise<TlsPair> {
    const next = await loadTlsPair(this.files);
    this.pair = next;
    for (const listener of this.listeners) listener({ certificate: next.cert, privateKey: next.key });
    for (const listener of this.changeListeners) listener(next);
    return next;
  }

  /** Called with each new pair after a reload. */
  onChange(listener: (pair: TlsPair) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // --- grpc-js CertificateProvider: the identity half (the node asks no client certificate) ---
  addIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    this.listeners.add(listener);
    // grpc-js accepts connections only once told a pair, and only hears it once its watcher is
    // registered, which happens after this call returns (as its own file-watcher provider does).
    process.nextTick(listener, { certificate: this.pair.cert, privateKey: this.pair.key });
  }
  removeIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    this.listeners.delete(listener);
  }
  addCaCertificateListener(): void {}
  removeCaCertificateListener(): void {}
}
