// TLS and mTLS on the receiver, with a CA and certificates made by the openssl CLI in a temp
// dir (node:crypto cannot issue X.509). Skipped when openssl is missing, except in CI.
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/otap/producer.js';
import { arrowCall, generate, startReceiver } from './receiver-support.js';
import { hasOpenssl, makePki, type Pki } from '../support/pki.js';

const available = hasOpenssl();
if (!available && process.env.CI) throw new Error('openssl is required for the TLS tests in CI');

// The server certificate also names localhost; using it as the TLS server name avoids SNI with an IP.
const SNI = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
let dir = '';
let pki: Pki;

describe.skipIf(!available)('TLS', () => {
  beforeAll(() => {
    pki = makePki();
    dir = pki.dir;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('server TLS: a client trusting the CA round-trips; a plaintext client fails', async () => {
    const { receiver, port, received } = await startReceiver({ tls: { cert: pki.serverCert, key: pki.serverKey }, bearerToken: 't' });
    try {
      const c = arrowCall('logs', port, { creds: grpc.credentials.createSsl(pki.ca), channelOptions: SNI, metadata: { authorization: 'Bearer t' } });
      c.send(new Producer().encode('logs', generate('logs', 1, 10)));
      expect((await c.waitAcks(1))[0]!.statusCode).toBe(0);
      expect(received).toHaveLength(1);
      c.client.close();
      const plain = arrowCall('logs', port, { metadata: { authorization: 'Bearer t' } });
      plain.send(new Producer().encode('logs', generate('logs', 1, 10)));
      expect((await plain.done).code).toBe(grpc.status.UNAVAILABLE);
      plain.client.close();
    } finally {
      await receiver.shutdown();
    }
  });

  it('mTLS: a client certificate from the CA is required', async () => {
    const { receiver, port, received } = await startReceiver({
      tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true },
    });
    try {
      const good = arrowCall('traces', port, { creds: grpc.credentials.createSsl(pki.ca, pki.clientKey, pki.clientCert), channelOptions: SNI });
      good.send(new Producer().encode('traces', generate('traces', 1, 10)));
      expect((await good.waitAcks(1))[0]!.statusCode).toBe(0);
      good.client.close();
      const noCert = arrowCall('traces', port, { creds: grpc.credentials.createSsl(pki.ca), channelOptions: SNI });
      noCert.send(new Producer().encode('traces', generate('traces', 1, 10)));
      expect((await noCert.done).code).toBe(grpc.status.UNAVAILABLE);
      noCert.client.close();
      const wrongCa = arrowCall('traces', port, { creds: grpc.credentials.createSsl(pki.ca, pki.otherKey, pki.otherCert), channelOptions: SNI });
      wrongCa.send(new Producer().encode('traces', generate('traces', 1, 10)));
      expect((await wrongCa.done).code).toBe(grpc.status.UNAVAILABLE);
      wrongCa.client.close();
      expect(received).toHaveLength(1);
    } finally {
      await receiver.shutdown();
    }
  });
});
