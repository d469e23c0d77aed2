// A throwaway PKI made with the openssl CLI (node:crypto cannot issue X.509): a CA, a server
// certificate for localhost / 127.0.0.1, a client certificate, and a second CA with a client
// certificate it signed (for "wrong CA" cases). Files stay in `dir` as ca.crt, server.crt, ...
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki { dir: string; ca: Buffer; serverCert: Buffer; serverKey: Buffer; clientCert: Buffer; clientKey: Buffer; otherCert: Buffer; otherKey: Buffer }

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makePki(dir = mkdtempSync(join(tmpdir(), 'otap-tls-'))): Pki {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string): void => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
  };
  const leaf = (name: string, caName: string, ext: string): void => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  ca('ca');
  ca('otherca');
  leaf('server', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('other', 'otherca', 'extendedKeyUsage=clientAuth\n');
  const r = (f: string): Buffer => readFileSync(join(dir, f));
  return {
    dir, ca: r('ca.crt'), serverCert: r('server.crt'), serverKey: r('server.key'), clientCert: r('client.crt'), clientKey: r('client.key'),
    otherCert: r('other.crt'), otherKey: r('other.key'),
  };
}
