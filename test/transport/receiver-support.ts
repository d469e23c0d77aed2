// Helpers for the receiver tests: a minimal grpc-js Arrow/OTLP client built from our service
// definitions (raw BAR bytes in, BatchStatus out) and generated OTLP data.
import type * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { encodeBatchArrowRecords, type BatchArrowRecords, type BatchStatus } from '../../src/otap/batch-arrow-records.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import { ARROW_METHOD_NAME, otlpPath, otlpServiceFor, rawArrowServiceFor } from '../../src/transport/grpc/services.js';
import type { ExportServiceResponse } from '../../src/transport/grpc/otlp-responses.js';
import { OtapReceiver, type ReceivedBatch, type ReceiverOptions } from '../../src/transport/receiver/index.js';

export function generate<S extends Signal>(signal: S, seed: number, batchSize = 20, batchIndex = 0): SignalRequest[S] {
  const opts = { seed, batchSize, batchIndex };
  switch (signal) {
    case 'traces': return generateTraces(opts) as SignalRequest[S];
    case 'logs': return generateLogs(opts) as SignalRequest[S];
    default: return generateMetrics(opts) as SignalRequest[S];
  }
}

export interface Started {
  receiver: OtapReceiver;
  port: number;
  received: ReceivedBatch[];
}

export async function startReceiver(
  options: ReceiverOptions = {},
  consume?: (b: ReceivedBatch) => Promise<void>,
): Promise<Started> {
  const received: ReceivedBatch[] = [];
  const receiver = new OtapReceiver(options, async (b) => {
    received.push(b);
    if (consume) await consume(b);
  });
  const { grpcPort } = await receiver.start();
  return { receiver, port: grpcPort, received };
}

export interface ArrowCall {
  call: grpc.ClientDuplexStream<Uint8Array, BatchStatus>;
  acks: BatchStatus[];
  /** Resolves with the final gRPC status of the call. */
  done: Promise<grpc.StatusObject>;
  send(bar: BatchArrowRecords | Uint8Array): void;
  /** Waits until `n` acks have arrived (or the call ended). */
  waitAcks(n: number, timeoutMs?: number): Promise<BatchStatus[]>;
  client: grpc.Client;
}

export function arrowCall(
  signal: Signal,
  port: number,
  opts: { metadata?: Record<string, string>; channelOptions?: grpc.ChannelOptions; creds?: grpc.ChannelCredentials; target?: string } = {},
): ArrowCall {
  const Ctor = grpc.makeGenericClientConstructor(rawArrowServiceFor(signal), 'Arrow');
  const client = new Ctor(opts.target ?? `127.0.0.1:${port}`, opts.creds ?? grpc.credentials.createInsecure(), opts.channelOptions ?? {});
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  const method = (client as unknown as Record<string, (md: grpc.Metadata) => grpc.ClientDuplexStream<Uint8Array, BatchStatus>>)[ARROW_METHOD_NAME[signal]]!;
  const call = method.call(client, md);
  const acks: BatchStatus[] = [];
  const listeners = new Set<() => void>();
  let ended = false;
  call.on('data', (s: BatchStatus) => {
    acks.push(s);
    for (const l of listeners) l();
  });
  const done = new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', (s: grpc.StatusObject) => {
      ended = true;
      for (const l of listeners) l();
      resolve(s);
    });
    call.on('error', () => {});
  });
  return {
    call,
    acks,
    done,
    client,
    send: (bar) => {
      call.write(bar instanceof Uint8Array ? bar : encodeBatchArrowRecords(bar));
    },
    waitAcks: (n, timeoutMs = 10000) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (acks.length >= n || ended) {
          listeners.delete(check);
          clearTimeout(t);
          resolve(acks);
        }
      };
      const t = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${n} acks (have ${acks.length})`));
      }, timeoutMs);
      listeners.add(check);
      check();
    }),
  };
}

export function otlpExport<S extends Signal>(
  signal: S, port: number, request: SignalRequest[S],
  opts: { metadata?: Record<string, string>; channelOptions?: grpc.ChannelOptions } = {},
): Promise<ExportServiceResponse> {
  const Ctor = grpc.makeGenericClientConstructor(otlpServiceFor(signal) as grpc.ServiceDefinition, 'Otlp');
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), opts.channelOptions ?? {});
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  return new Promise<ExportServiceResponse>((resolve, reject) => {
    type Export = (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: ExportServiceResponse) => void) => void;
    (client as unknown as { Export: Export }).Export(request, md, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}

/** One Export call of `signal` sent raw on `session`: one gRPC message `frame` (prefix
 *  included) with `encoding`; resolves with the call's grpc-status once the call closed. */
export function rawExport(session: http2.ClientHttp2Session, signal: Signal, frame: Buffer, encoding: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = session.request({ ':method': 'POST', ':path': otlpPath(signal), 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': encoding });
    let status: string | undefined;
    s.on('response', (h: http2.IncomingHttpHeaders) => (status ??= h['grpc-status'] as string | undefined));
    s.on('trailers', (h: http2.IncomingHttpHeaders) => (status = String(h['grpc-status'])));
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('close', () => resolve(status));
    s.end(frame);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
