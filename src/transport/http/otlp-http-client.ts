// A plain OTLP/HTTP client: POST Export*ServiceRequest protobuf to <endpoint>/v1/<signal>
// over keep-alive connections, optionally gzip-compressed. One attempt per export; the
// error carries the HTTP status and whether OTLP says to retry (429, 502, 503, 504).
import type { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { http, https } from './node-http.js';
import { gzipSync } from 'node:zlib';
import type { Signal } from '../../otlp/model.js';

export interface OtlpHttpClientOptions {
  /** Base URL, e.g. http://collector:4318 (paths /v1/traces etc. are appended). */
  endpoint: string;
  /** Full URLs per signal, used as they are (override `endpoint`). */
  signalEndpoints?: Partial<Record<Signal, string>>;
  compression?: 'gzip' | 'none';
  headers?: Record<string, string>;
  /** Concurrent connections kept. Default 1. */
  poolSize?: number;
  /** Per-request deadline. Default 30 s. */
  timeoutMs?: number;
  /** A new connection (TCP, and TLS for https) not up within this long fails the request
   *  (retryable). Default: none beyond the operating system's. */
  connectTimeoutMs?: number;
  /** Largest response body read. Default 10 MiB. */
  maxResponseBytes?: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; serverName?: string };
}

export class OtlpHttpError extends Error {
  override readonly name = 'OtlpHttpError';
  constructor(readonly status: number, message: string, readonly retryable: boolean, readonly permanent = !retryable) {
    super(message);
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export class OtlpHttpClient {
  private readonly agent: Agent;
  private readonly urls: Record<Signal, URL>;

  constructor(private readonly options: OtlpHttpClientOptions) {
    const base = options.endpoint.replace(/\/+$/, '');
    const url = (signal: Signal): URL => {
      const raw = options.signalEndpoints?.[signal] ?? `${base}/v1/${signal}`;
      try {
        return new URL(raw);
      } catch {
        throw new Error(`OTLP/HTTP endpoint "${raw}" is not a URL: write e.g. http://localhost:4318`);
      }
    };
    this.urls = { traces: url('traces'), logs: url('logs'), metrics: url('metrics') };
    const secure = Object.values(this.urls).some((u) => u.protocol === 'https:');
    const poolSize = options.poolSize ?? 1;
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: poolSize, ...options.tls, ...(options.tls?.serverName ? { servername: options.tls.serverName } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: poolSize });
  }

  async export(signal: Signal, body: Uint8Array): Promise<void> {
    const url = this.urls[signal];
    const gzip = this.options.compression === 'gzip';
    const payload = gzip ? gzipSync(body) : body;
    const mod = url.protocol === 'https:' ? https : http;
    const maxResponse = this.options.maxResponseBytes ?? 10 * 1024 * 1024;
    await new Promise<void>((resolve, reject) => {
      const req = mod.request(url, {
        method: 'POST',
        agent: this.agent,
        timeout: this.options.timeoutMs ?? 30_000,
        headers: {
          ...this.options.headers,
          'content-type': 'application/x-protobuf',
          'content-length': payload.length,
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        },
      }, (res) => {
        let size = 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= maxResponse) chunks.push(c);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else {
            const text = Buffer.concat(chunks).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 200);
            reject(new OtlpHttpError(status, `HTTP ${status} from ${url.href}${text ? `: ${text}` : ''}`, RETRYABLE_STATUS.has(status)));
          }
        });
        res.on('error', (e) => reject(new OtlpHttpError(0, `${url.href}: ${e.message}`, true)));
      });
      req.on('timeout', () => req.destroy(new Error(`no response within ${this.options.timeoutMs ?? 30_000} ms`)));
      const connectTimeout = this.options.connectTimeoutMs;
      if (connectTimeout !== undefined) {
        req.once('socket', (socket: Socket) => {
          if (!socket.connecting) return; // a kept-alive connection
          const timer = setTimeout(() => req.destroy(new Error(`not connected within ${connectTimeout} ms`)), connectTimeout);
          // Up once TCP is (http) or TLS is (https): a silent TLS endpoint counts as not up.
          socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
          socket.once('close', () => clearTimeout(timer));
        });
      }
      req.on('error', (e) => reject(new OtlpHttpError(0, `${url.href}: ${e.message}`, true)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
