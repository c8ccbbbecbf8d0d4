import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caFile: string;
  /** Files of a certificate for `localhost` and 127.0.0.1, signed by the CA. */
  good: KeyPair;
  /** Signed by another CA. */
  wrongCa: KeyPair;
  /** Signed by the CA, but for `other.example`. */
  wrongName: KeyPair;
  /** Signed by the CA, expired yesterday. */
  expired: KeyPair;
  /** A client certificate signed by the CA. */
  client: KeyPair;
}

export interface KeyPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function authority(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...curve,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-subj',
    `/CN=${name}`,
    '-days',
    '2',
  ]);
}

function leaf(dir: string, name: string, ca: string, dnsName: string, days: number, withIp = true): KeyPair {
  const extensions = join(dir, `${name}.ext`);
  writeFileSync(extensions, `subjectAltName=DNS:${dnsName}${withIp ? ',IP:127.0.0.1' : ''}\n`);
  openssl(dir, ['req', ...curve, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${dnsName}`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-days',
    String(days),
    '-extfile',
    extensions,
    '-out',
    `${name}.crt`,
  ]);
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** Real certificates made with openssl for each run; `-days -1` gives one that expired yesterday. */
export function makePki(dir: string): Pki {
  authority(dir, 'ca');
  authority(dir, 'other-ca');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    good: leaf(dir, 'good', 'ca', 'localhost', 2),
    wrongCa: leaf(dir, 'wrong-ca', 'other-ca', 'localhost', 2),
    wrongName: leaf(dir, 'wrong-name', 'ca', 'other.example', 2, false),
    expired: leaf(dir, 'expired', 'ca', 'localhost', -1),
    client: leaf(dir, 'client', 'ca', 'client.local', 2),
  };
}
