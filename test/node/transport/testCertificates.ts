/** A private CA and leaf certificates for TLS tests, made with the system's openssl (EC P-256: fast). */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

export interface TestCa {
  dir: string;
  /** PEM file of the CA certificate: what clients trust. */
  caFile: string;
  ca: Buffer;
  /** Issues a leaf for `localhost` and 127.0.0.1, valid `days` (2), signed by the CA; returns its files. */
  issue(name: string, days?: number): { certFile: string; keyFile: string };
}

function openssl(args: string[]): void {
  execFileSync('/usr/bin/openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeTestCa(dir: string): TestCa {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  openssl(['req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '2', '-subj', '/CN=Parley test CA', '-out', caFile,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    dir,
    caFile,
    ca: readFileSync(caFile),
    issue(name, days = 2) {
      const keyFile = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const certFile = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.ext`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
      openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${name}`, '-out', csr]);
      writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
      openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', String(days), '-sha256', '-extfile', ext, '-out', certFile]);
      return { certFile, keyFile };
    },
  };
}

export function fingerprintOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).fingerprint256;
}

/** The SHA-256 fingerprint of the certificate a TLS listener on loopback presents now. */
export function servedFingerprint(port: number, ca: Buffer, alpn: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: alpn }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}
