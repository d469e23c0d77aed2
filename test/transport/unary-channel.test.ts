// UnaryChannel (unary gRPC over node:http2) against raw HTTP/2 servers that answer exactly
// what each case needs: statuses in trailers and trailers-only, HTTP errors from proxies,
// resets, deadlines, compressed responses, dead peers and reconnects, TLS. The happy path
// against grpc-js and Go servers is covered by exporter.test.ts and the interop suites.
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UnaryChannel } from '../../src/transport/grpc/unary-channel.js';
import { channelEndpoint } from '../../src/transport/exporter/channel.js';
import { grpcMessageFrame } from '../../src/transport/grpc/compression.js';
import type { ExportError } from '../../src/transport/exporter/errors.js';
import { hasOpenssl, makePki, type Pki } from '../support/pki.js';

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Collects each request's body, then hands it to `handler`. */
function onRequest(handler: Handler): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void {
  return (stream, headers) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => handler(stream, headers, Buffer.concat(parts)));
    stream.on('error', () => {});
  };
}

async function listen(server: http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s: http2.ServerHttp2Session) => (sessions.add(s), s.on('close', () => sessions.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of sessions) s.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

/** A plaintext HTTP/2 server answering every stream with `handler`. */
function h2server(handler: Handler): http2.Http2Server {
  const server = http2.createServer();
  server.on('stream', onRequest(handler));
  return server;
}

async function serve(handler: Handler): Promise<number> {
  return listen(h2server(handler));
}

function channel(port: number, options: Partial<ConstructorParameters<typeof UnaryChannel>[0]> = {}, tuning = {}): UnaryChannel {
  const ch = new UnaryChannel({ endpoint: `127.0.0.1:${port}`, compression: 'none', ...options }, tuning);
  cleanups.push(() => ch.close());
  return ch;
}

/** Answers OK with `reply` as the one response message. */
const answer = (reply: Buffer, extraHeaders: http2.OutgoingHttpHeaders = {}, compressed = false): Handler => (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...extraHeaders }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(grpcMessageFrame(reply, compressed));
};

const failure = async (p: Promise<unknown>): Promise<ExportError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!err) throw new Error('expected the call to fail');
  return err as ExportError;
};

describe('UnaryChannel', () => {
  it('sends the gRPC request headers, metadata and the framed message; returns the response message', async () => {
    let seen: { headers: http2.IncomingHttpHeaders; body: Buffer } | undefined;
    const port = await serve((stream, headers, body) => {
      seen = { headers, body };
      answer(Buffer.from('pong'))(stream, headers, body);
    });
    const ch = channel(port, { headers: { Authorization: 'Bearer t', 'x-trace-bin': 'AAEC' } });
    const reply = await ch.call('/svc.S/Export', Buffer.from('ping'), 5000);
    expect(reply.toString()).toBe('pong');
    expect(seen!.headers[':path']).toBe('/svc.S/Export');
    expect(seen!.headers[':method']).toBe('POST');
    expect(seen!.headers[':authority']).toBe(`127.0.0.1:${port}`);
    expect(seen!.headers['content-type']).toBe('application/grpc');
    expect(seen!.headers.te).toBe('trailers');
    expect(seen!.headers.authorization).toBe('Bearer t');
    expect(seen!.headers['x-trace-bin']).toBe('AAEC');
    expect(seen!.headers['grpc-encoding']).toBeUndefined();
    expect(seen!.headers['grpc-timeout']).toMatch(/^\d+m$/);
    expect(Number(String(seen!.headers['grpc-timeout']).slice(0, -1))).toBeLessThanOrEqual(5000);
    expect(seen!.body).toEqual(grpcMessageFrame(Buffer.from('ping'), false));
  });

  it('compresses requests with gzip and zstd, and reads gzip and zstd responses', async () => {
    const { zstdCompress, zstdDecompress } = await import('../../src/zstd/zlib-zstd.js');
    const { gunzipSync } = await import('node:zlib');
    const requests: string[] = [];
    const port = await serve((stream, headers, body) => {
      const enc = String(headers['grpc-encoding']);
      expect(body[0]).toBe(1);
      const msg = body.subarray(5);
      requests.push(`${enc}:${(enc === 'gzip' ? gunzipSync(msg) : Buffer.from(zstdDecompress(msg, 1 << 20))).toString()}`);
      const reply = Buffer.from(`re:${enc}`);
      answer(enc === 'gzip' ? gzipSync(reply) : Buffer.from(zstdCompress(reply, 3)), { 'grpc-encoding': enc }, true)(stream, headers, body);
    });
    for (const compression of ['gzip', 'zstd'] as const) {
      const reply = await channel(port, { compression }).call('/s/E', Buffer.from(`hello ${compression}`), 5000);
      expect(reply.toString()).toBe(`re:${compression}`);
    }
    expect(requests).toEqual(['gzip:hello gzip', 'zstd:hello zstd']);
  });

  it('reports the grpc-status and percent-decoded grpc-message from trailers and from trailers-only responses', async () => {
    const port = await serve((stream, headers) => {
      if (headers[':path'] === '/trailers-only') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status.RESOURCE_EXHAUSTED), 'grpc-message': 'memory%20limit%3A%2090%25' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status.INVALID_ARGUMENT), 'grpc-message': 'bad%20request' }));
      stream.end();
    });
    const ch = channel(port);
    const a = await failure(ch.call('/trailers-only', Buffer.alloc(0), 5000));
    expect(a.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(a.message).toContain('memory limit: 90%');
    const b = await failure(ch.call('/trailers', Buffer.alloc(0), 5000));
    expect(b.code).toBe(status.INVALID_ARGUMENT);
    expect(b.message).toContain('bad request');
  });

  it('maps HTTP errors without a gRPC status (a proxy, not a gRPC server) as gRPC does', async () => {
    const port = await serve((stream, headers) => {
      stream.respond({ ':status': Number(String(headers[':path']).slice(1)), 'content-type': 'text/plain' });
      stream.end('no');
    });
    const ch = channel(port);
    const cases: [number, number][] = [[400, status.INTERNAL], [401, status.UNAUTHENTICATED], [403, status.PERMISSION_DENIED], [404, status.UNIMPLEMENTED], [429, status.UNAVAILABLE], [502, status.UNAVAILABLE], [503, status.UNAVAILABLE], [504, status.UNAVAILABLE], [500, status.UNKNOWN]];
    for (const [http, grpc] of cases) {
      const err = await failure(ch.call(`/${http}`, Buffer.alloc(0), 5000));
      expect([http, err.code]).toEqual([http, grpc]);
      expect(err.message).toContain(`HTTP ${http}`);
    }
  });

  it('maps stream resets, a missing status and malformed responses to errors (never a crash)', async () => {
    const port = await serve((stream, headers) => {
      const path = headers[':path'];
      if (path === '/refused') return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      if (path === '/calm') return stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: path !== '/no-status' });
      if (path === '/no-status') return stream.end(grpcMessageFrame(Buffer.from('x'), false));
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      if (path === '/truncated') return stream.end(Buffer.from([0, 0, 0, 0, 9, 1, 2]));
      if (path === '/compressed-unnamed') return stream.end(grpcMessageFrame(Buffer.from('x'), true));
      stream.end(); // OK without a message
    });
    const ch = channel(port);
    const expectations: [string, number, string][] = [
      ['/refused', status.UNAVAILABLE, 'reset'],
      ['/calm', status.RESOURCE_EXHAUSTED, 'reset'],
      ['/no-status', status.UNKNOWN, 'without a gRPC status'],
      ['/truncated', status.INTERNAL, 'malformed response'],
      ['/compressed-unnamed', status.INTERNAL, 'grpc-encoding'],
      ['/empty', status.INTERNAL, 'without a response message'],
    ];
    for (const [path, code, text] of expectations) {
      const err = await failure(ch.call(path, Buffer.alloc(0), 5000));
      expect([path, err.code, err.message]).toEqual([path, code, expect.stringContaining(text)]);
    }
    // The connection survived all of it.
    const ok = await serve(answer(Buffer.from('fine')));
    expect((await channel(ok).call('/x', Buffer.alloc(0), 5000)).toString()).toBe('fine');
  });

  it('carries many large requests at once (more than Node\'s default 10 MB of session memory)', async () => {
    const port = await serve((stream, headers, body) => answer(Buffer.from(String(body.length - 5)))(stream, headers, body));
    const ch = channel(port);
    const big = Buffer.alloc(1_500_000, 7);
    const replies = await Promise.all(Array.from({ length: 12 }, () => ch.call('/big', big, 30_000)));
    expect(replies.map(String)).toEqual(Array(12).fill('1500000'));
  });

  it('fails a call with DEADLINE_EXCEEDED when no answer comes in time, and cancels its stream', async () => {
    let cancelled = false;
    const silent = http2.createServer();
    silent.on('stream', (stream) => {
      stream.on('close', () => (cancelled = stream.rstCode === http2.constants.NGHTTP2_CANCEL));
      stream.on('error', () => {});
    });
    const port = await listen(silent);
    const ch = channel(port);
    const started = Date.now();
    const err = await failure(ch.call('/slow', Buffer.from('x'), 150));
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await new Promise((r) => setTimeout(r, 100));
    expect(cancelled).toBe(true);
  });

  it('a deadline beyond what a Node timer holds (24.8 days) does not fire at once', async () => {
    const port = await serve((stream, headers, body) => void setTimeout(() => answer(Buffer.from('late'))(stream, headers, body), 50));
    const reply = await channel(port).call('/x', Buffer.alloc(0), 2 ** 33);
    expect(reply.toString()).toBe('late');
  });

  it('a dead peer: UNAVAILABLE, fails fast while backing off, and reconnects once the server is back', async () => {
    const server = h2server(answer(Buffer.from('back')));
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const ch = channel(port, {}, { initialReconnectMs: 300, maxReconnectMs: 300 });
    const first = await failure(ch.call('/x', Buffer.alloc(0), 5000));
    expect(first.code).toBe(status.UNAVAILABLE);
    expect(first.message).toMatch(/ECONNREFUSED/);
    const second = await failure(ch.call('/x', Buffer.alloc(0), 5000));
    expect(second.code).toBe(status.UNAVAILABLE);
    expect(second.message).toMatch(/next connection attempt in \d+ ms/);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise((r) => setTimeout(r, 400));
    expect((await ch.call('/x', Buffer.alloc(0), 5000)).toString()).toBe('back');
  });

  it('a peer that never completes the connection: UNAVAILABLE after connectTimeoutMs, then backoff', async () => {
    // Accepts TCP and says nothing: the TLS handshake never completes.
    const silent = net.createServer(() => {});
    const sockets: net.Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      silent.close(() => resolve());
    }));
    const port = (silent.address() as AddressInfo).port;
    const ch = channel(port, { tls: true, connectTimeoutMs: 300 }, { initialReconnectMs: 10_000 });
    const t0 = Date.now();
    const first = await failure(ch.call('/x', Buffer.alloc(0), 5000));
    expect(first.code).toBe(status.UNAVAILABLE);
    expect(first.message).toMatch(/not connected within 300 ms/);
    expect(Date.now() - t0).toBeLessThan(3000); // not the call's 5 s deadline
    const second = await failure(ch.call('/x', Buffer.alloc(0), 5000));
    expect(second.message).toMatch(/not connected within 300 ms; next connection attempt in \d+ ms/);
    expect(() => channel(port, { connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs 0/);
  });

  it('keepalive: a peer that stops answering fails the open call at the unanswered PING, not at its deadline', async () => {
    // A TCP relay in front of a server that never answers: frozen, it drops every byte.
    const server = http2.createServer();
    server.on('stream', (stream) => stream.on('error', () => {}));
    const upstream = await listen(server);
    let frozen = false;
    const sockets: net.Socket[] = [];
    const relay = net.createServer((client) => {
      const up = net.connect(upstream, '127.0.0.1');
      sockets.push(client, up);
      client.on('data', (d) => void (frozen || up.write(d)));
      up.on('data', (d) => void (frozen || client.write(d)));
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      relay.close(() => resolve());
    }));
    const ch = channel((relay.address() as AddressInfo).port, { transport: { keepaliveIntervalMs: 100, keepaliveTimeoutMs: 200 } });
    const t0 = Date.now();
    const call = failure(ch.call('/hang', Buffer.from('x'), 20_000));
    await new Promise((r) => setTimeout(r, 250)); // connected, PINGs answered
    frozen = true;
    const err = await call;
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.message).toMatch(/did not answer a PING within 200 ms/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('applies the stream and connection windows (and connects with the TCP options)', async () => {
    let seen: http2.ServerHttp2Session | undefined;
    const server = h2server(answer(Buffer.from('ok')));
    server.on('session', (s: http2.ServerHttp2Session) => (seen = s));
    const port = await listen(server);
    const ch = channel(port, { transport: { initialStreamWindowSize: 1 << 20, initialConnectionWindowSize: 8 << 20, tcpKeepaliveMs: 45_000 } });
    expect((await ch.call('/x', Buffer.alloc(0), 5000)).toString()).toBe('ok');
    expect(seen!.remoteSettings.initialWindowSize).toBe(1 << 20);
    expect(seen!.state.remoteWindowSize).toBeGreaterThan((8 << 20) - 1024); // less the request's bytes
  });

  it('opens a new connection after the server closes the old one (GOAWAY)', async () => {
    const sessions: http2.ServerHttp2Session[] = [];
    const server = h2server(answer(Buffer.from('ok')));
    server.on('session', (s: http2.ServerHttp2Session) => sessions.push(s));
    const port = await listen(server);
    const ch = channel(port);
    await ch.call('/x', Buffer.alloc(0), 5000);
    sessions[0]!.close(); // graceful: GOAWAY, then the connection ends
    await new Promise((r) => setTimeout(r, 50));
    expect((await ch.call('/x', Buffer.alloc(0), 5000)).toString()).toBe('ok');
    expect(sessions).toHaveLength(2);
  });

  it('rejects calls after close(), and metadata that is not valid gRPC metadata at construction', async () => {
    const port = await serve(answer(Buffer.from('ok')));
    const ch = channel(port);
    ch.close();
    expect((await failure(ch.call('/x', Buffer.alloc(0), 5000))).code).toBe(status.CANCELLED);
    expect(() => new UnaryChannel({ endpoint: '127.0.0.1:1', headers: { 'bad header': 'x' } })).toThrow(/not valid gRPC metadata/);
    expect(() => new UnaryChannel({ endpoint: '127.0.0.1:1', headers: { 'content-type': 'x' } })).toThrow(/set by the gRPC protocol/);
    expect(() => new UnaryChannel({ endpoint: '127.0.0.1:1', headers: { 'x-a': 'caf\u00e9' } })).toThrow(/printable ASCII/);
    expect(() => new UnaryChannel({ endpoint: 'http://127.0.0.1:1' })).toThrow(/host:port/);
  });
});

describe('channelEndpoint', () => {
  it('builds the connection URL and :authority', () => {
    expect(channelEndpoint({ endpoint: 'collector:4317' })).toEqual({ url: 'http://collector:4317', authority: 'collector:4317' });
    expect(channelEndpoint({ endpoint: 'collector:80' })).toEqual({ url: 'http://collector:80', authority: 'collector:80' });
    expect(channelEndpoint({ endpoint: 'collector:443', tls: true })).toEqual({ url: 'https://collector:443', authority: 'collector:443' });
    expect(channelEndpoint({ endpoint: 'collector', tls: true })).toEqual({ url: 'https://collector:443', authority: 'collector:443' });
    expect(channelEndpoint({ endpoint: '[::1]:4317' })).toEqual({ url: 'http://[::1]:4317', authority: '[::1]:4317' });
    expect(channelEndpoint({ endpoint: '10.0.0.1:4317', tls: { serverName: 'otel.example' } })).toEqual({ url: 'https://10.0.0.1:4317', authority: 'otel.example' });
    expect(() => channelEndpoint({ endpoint: 'collector:4317/v1' })).toThrow(/host:port/);
    expect(() => channelEndpoint({ endpoint: '' })).toThrow(/host:port/);
  });
});

const pkiAvailable = hasOpenssl();
if (!pkiAvailable && process.env.CI) throw new Error('openssl is required for the TLS tests in CI');

describe.skipIf(!pkiAvailable)('UnaryChannel over TLS', () => {
  let pki: Pki | undefined;
  const getPki = (): Pki => (pki ??= makePki());
  afterAll(() => {
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it('verifies the server against a custom CA, sends a client certificate (mTLS), and fails without one', async () => {
    const p = getPki();
    const server = http2.createSecureServer({ cert: p.serverCert, key: p.serverKey, ca: p.ca, requestCert: true, rejectUnauthorized: true });
    server.on('stream', onRequest((stream, headers, body) => {
      const peer = (stream.session!.socket as import('node:tls').TLSSocket).getPeerCertificate();
      answer(Buffer.from(`hello ${peer.subject?.CN}`))(stream, headers, body);
    }));
    const port = await listen(server);
    const tls = { ca: p.ca, cert: p.clientCert, key: p.clientKey, serverName: 'localhost' };
    expect((await channel(port, { tls }).call('/x', Buffer.alloc(0), 5000)).toString()).toBe('hello client');
    const noCert = await failure(channel(port, { tls: { ca: p.ca, serverName: 'localhost' } }).call('/x', Buffer.alloc(0), 5000));
    expect(noCert.code).toBe(status.UNAVAILABLE);
    const untrusted = await failure(channel(port, { tls: { cert: p.clientCert, key: p.clientKey, serverName: 'localhost' } }).call('/x', Buffer.alloc(0), 5000));
    expect(untrusted.code).toBe(status.UNAVAILABLE);
    expect(untrusted.message).toMatch(/certificate/i);
    expect(() => new UnaryChannel({ endpoint: '127.0.0.1:1', tls: { cert: p.clientCert } })).toThrow(/go together/);
  });
});
