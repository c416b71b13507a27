import { generateKeyPairSync } from 'node:crypto';
import { generate } from 'selfsigned';

export interface EmulatorCertificate {
  /** PEM of the certificate; it is its own CA, so this is also what clients trust. */
  readonly cert: string;
  readonly key: string;
}

/**
 * A fresh self-signed certificate for loopback (`127.0.0.1`, `::1`, `localhost`), made at every start
 * so no key ever lives in the repository. The key pair comes from node:crypto because generating it in
 * JavaScript would cost seconds.
 */
export function createEmulatorCertificate(now: Date = new Date()): EmulatorCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const attributes = [{ name: 'commonName', value: 'aml-warden local emulator' }];
  const pems = generate(attributes, {
    keyPair: { privateKey, publicKey },
    days: 30,
    // A little in the past so clocks that differ slightly still accept it.
    notBeforeDate: new Date(now.getTime() - 60 * 60 * 1000),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  } as Parameters<typeof generate>[1]);
  return { cert: pems.cert, key: pems.private };
}
