// SDK exporter configuration as OpenTelemetry JS users know it: constructor options first,
// then the per-signal variable (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, ...), then the general
// one (OTEL_EXPORTER_OTLP_ENDPOINT, ...), then the OTLP/gRPC defaults. OTAP-only settings
// (streams, stream lifetime, IPC zstd) are OTEL_EXPORTER_OTAP_*.
import { readFileSync } from 'node:fs';
import type { Backend, BackendOption } from '../backend/types.js';
import { OtelArrowError } from '../errors.js';
import type { ExporterOptions } from '../transport/exporter/exporter.js';
import type { GrpcCompression, TlsOptions } from '../transport/exporter/channel.js';

export type SdkSignal = 'traces' | 'logs' | 'metrics';

/** Constructor options of the OTAP SDK exporters (each overrides its variable). */
export interface OtapSdkExporterOptions {
  /** `http://host:port` (plaintext) or `https://host:port` (TLS); a bare host:port is
   *  plaintext unless OTEL_EXPORTER_OTLP_INSECURE=false. Default http://localhost:4317. */
  url?: string;
  /** gRPC metadata on every stream and call (e.g. authorization). */
  headers?: Record<string, string>;
  /** How long one batch may wait for its acknowledgement before it is retried. Default 10000. */
  timeoutMillis?: number;
  /** gRPC message compression. Default zstd (the Go OTAP exporter's default). */
  compression?: GrpcCompression;
  /** TLS settings (roots, client certificate, server name); implies TLS. */
  tls?: TlsOptions;
  /** Concurrent Arrow streams per signal. Default 1 (an application is one producer). */
  numStreams?: number;
  /** Arrow stream lifetime before a fresh one takes over (ms). Default 30000. */
  maxStreamLifetimeMillis?: number;
  /** Arrow IPC body compression. Default none (gRPC zstd compresses the whole message). */
  payloadCompression?: 'zstd' | 'none';
  /** Never fall back to OTLP when the server lacks the Arrow services. Default false. */
  disableDowngrade?: boolean;
  /** Batches in flight without an acknowledgement. Default 8. */
  maxUnackedBatches?: number;
  /** The codec: a loaded backend, or which to load (default: OTEL_ARROW_BACKEND, else
   *  native, then wasm, then js). */
  backend?: Backend | BackendOption;
}

export type Env = Readonly<Record<string, string | undefined>>;

const SIGNAL_VAR: Record<SdkSignal, string> = { traces: 'TRACES', logs: 'LOGS', metrics: 'METRICS' };

function configError(name: string, value: string, expected: string): never {
  throw new OtelArrowError('UNSUPPORTED', `${name}=${JSON.stringify(value)}: expected ${expected}`);
}

/** The first set, non-empty variable among OTEL_EXPORTER_OTLP_<SIGNAL>_<name> and OTEL_EXPORTER_OTLP_<name>. */
function otlpVar(env: Env, signal: SdkSignal, name: string): [string, string] | undefined {
  for (const key of [`OTEL_EXPORTER_OTLP_${SIGNAL_VAR[signal]}_${name}`, `OTEL_EXPORTER_OTLP_${name}`]) {
    const v = env[key]?.trim();
    if (v) return [key, v];
  }
  return undefined;
}

/** W3C-baggage-like `k=v,k2=v2` with percent-encoded values (the OTLP exporter spec). */
export function parseHeaders(text: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) configError(name, text, 'comma-separated key=value pairs');
    try {
      out[decodeURIComponent(part.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      configError(name, text, 'percent-encoded keys and values');
    }
  }
  return out;
}

function parseBool(name: string, v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  return configError(name, v, 'true or false');
}

function parseCount(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) configError(name, v, 'a positive whole number');
  return n;
}

/** Milliseconds as a number, or a Go-style duration (`30s`, `500ms`, `2m`). */
function parseMillis(name: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) return configError(name, v, 'milliseconds or a duration such as 30s');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

function parseCompression(name: string, v: string): GrpcCompression {
  const s = v.toLowerCase();
  if (s === 'gzip' || s === 'none' || s === 'zstd') return s;
  return configError(name, v, 'gzip, zstd or none');
}

/** `url` -> host:port and whether TLS is on. */
export function parseEndpoint(url: string, insecure: boolean | undefined, name: string): { endpoint: string; tls: boolean } {
  const m = /^(?:(https?):\/\/)?([^/]+?)(?::(\d+))?\/?$/.exec(url.trim());
  if (!m) return configError(name, url, 'http(s)://host:port');
  const [, scheme, host, port] = m;
  const tls = scheme === 'https' ? true : scheme === 'http' ? false : insecure === false;
  return { endpoint: `${host}:${port ?? '4317'}`, tls };
}

function readPem(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new OtelArrowError('UNSUPPORTED', `${name}=${path}: cannot read the PEM file (${(err as Error).message})`);
  }
}

/** The transport exporter's options for `signal` from constructor options and `env`. */
export function resolveExporterOptions(signal: SdkSignal, options: OtapSdkExporterOptions = {}, env: Env = process.env): ExporterOptions & { url: string } {
  const urlVar = otlpVar(env, signal, 'ENDPOINT');
  const url = options.url ?? urlVar?.[1] ?? 'http://localhost:4317';
  const insecureVar = otlpVar(env, signal, 'INSECURE');
  const insecure = insecureVar ? parseBool(insecureVar[0], insecureVar[1]) : undefined;
  const { endpoint, tls: tlsOn } = parseEndpoint(url, insecure, options.url !== undefined ? 'url' : urlVar?.[0] ?? 'url');

  const generalHeaders = env.OTEL_EXPORTER_OTLP_HEADERS?.trim();
  const signalHeadersName = `OTEL_EXPORTER_OTLP_${SIGNAL_VAR[signal]}_HEADERS`;
  const signalHeaders = env[signalHeadersName]?.trim();
  const headers = {
    ...(generalHeaders ? parseHeaders(generalHeaders, 'OTEL_EXPORTER_OTLP_HEADERS') : {}),
    ...(signalHeaders ? parseHeaders(signalHeaders, signalHeadersName) : {}),
    ...options.headers,
  };

  const timeoutVar = otlpVar(env, signal, 'TIMEOUT');
  const timeoutMs = options.timeoutMillis ?? (timeoutVar ? parseCount(timeoutVar[0], timeoutVar[1]) : 10_000);
  const compressionVar = otlpVar(env, signal, 'COMPRESSION');
  const compression = options.compression ?? (compressionVar ? parseCompression(compressionVar[0], compressionVar[1]) : 'zstd');

  let tls: boolean | TlsOptions = options.tls ?? tlsOn;
  if (options.tls === undefined) {
    const ca = otlpVar(env, signal, 'CERTIFICATE');
    const key = otlpVar(env, signal, 'CLIENT_KEY');
    const cert = otlpVar(env, signal, 'CLIENT_CERTIFICATE');
    if ((key === undefined) !== (cert === undefined)) {
      throw new OtelArrowError('UNSUPPORTED', 'OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE go together (mutual TLS): set both or neither');
    }
    if (tlsOn && (ca || key)) {
      tls = {
        ...(ca ? { ca: readPem(ca[0], ca[1]) } : {}),
        ...(key && cert ? { key: readPem(key[0], key[1]), cert: readPem(cert[0], cert[1]) } : {}),
      };
    }
  }

  const otap = (name: string) => env[`OTEL_EXPORTER_OTAP_${name}`]?.trim() || undefined;
  const streams = otap('NUM_STREAMS');
  const lifetime = otap('MAX_STREAM_LIFETIME');
  const payload = otap('PAYLOAD_COMPRESSION');
  const noDowngrade = otap('DISABLE_DOWNGRADE');
  if (payload !== undefined && payload !== 'zstd' && payload !== 'none') configError('OTEL_EXPORTER_OTAP_PAYLOAD_COMPRESSION', payload, 'zstd or none');

  return {
    url,
    endpoint,
    tls,
    headers,
    timeoutMs,
    compression,
    numStreams: options.numStreams ?? (streams ? parseCount('OTEL_EXPORTER_OTAP_NUM_STREAMS', streams) : 1),
    maxStreamLifetimeMs: options.maxStreamLifetimeMillis ?? (lifetime ? parseMillis('OTEL_EXPORTER_OTAP_MAX_STREAM_LIFETIME', lifetime) : 30_000),
    payloadCompression: options.payloadCompression ?? (payload as 'zstd' | 'none' | undefined) ?? 'none',
    disableDowngrade: options.disableDowngrade ?? (noDowngrade ? parseBool('OTEL_EXPORTER_OTAP_DISABLE_DOWNGRADE', noDowngrade) : false),
    maxUnackedBatches: options.maxUnackedBatches ?? 8,
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
  };
}
