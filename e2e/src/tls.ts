/**
 * Throw-away TLS material for tests of encrypted connections (Kafka's SASL_SSL listener, PostgreSQL
 * with ssl=on): a CA and a server certificate for 127.0.0.1 signed by it, made with openssl, valid
 * for one day, in PEM files under `dir`.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificates {
  /** The CA certificate clients trust. */
  caFile: string;
  /** The server's certificate (CN and subjectAltName IP 127.0.0.1). */
  certFile: string;
  /** The server's unencrypted private key (PKCS#1/SEC1 as openssl writes it). */
  keyFile: string;
  /** The key in PKCS#8 followed by the certificate: Kafka's PEM keystore. */
  keystoreFile: string;
}

export async function makeCertificates(dir: string): Promise<Certificates> {
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir, timeout: 30_000 });
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=eventlens-test-ca',
  );
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  await writeFile(at('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
  await openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'server.key', '-out', 'server.pk8');
  await writeFile(
    at('keystore.pem'),
    `${await readFile(at('server.pk8'), 'utf8')}${await readFile(at('server.crt'), 'utf8')}`,
  );
  return {
    caFile: at('ca.pem'),
    certFile: at('server.crt'),
    keyFile: at('server.key'),
    keystoreFile: at('keystore.pem'),
  };
}
