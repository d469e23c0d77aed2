// OTLP Export calls (unary) served straight from the HTTP/2 stream, ahead of grpc-js.
//
// Why: a grpc-js unary server call builds an intercepting call, a Metadata object, a
// stream decoder, a deserialize/serialize round and a status path per request; at small
// requests (tens of records) that is the larger part of receiving OTLP. An Export call
// needs one request message in and one (empty) response message plus a status out.
//
// How: direct-routes.ts hands this module the requests for the three OTLP Export paths with
// a gRPC content type; everything else goes to grpc-js unchanged.
//
// What a call gets, as from grpc-js: the grpc-encoding (identity, gzip, deflate, zstd and
// the Go exporter's zstdarrowN) decoded within the message limit (RESOURCE_EXHAUSTED
// beyond it), UNIMPLEMENTED for other encodings, INTERNAL for broken framing, metadata
// without the protocol's headers, and the status in trailers (trailers-only for errors).
import type * as http2 from 'node:http2';
import { status } from '@grpc/grpc-js';
import type { Signal } from '../../otlp/model.js';
import { ACCEPTED_ENCODINGS, decompressMessage, isZstdEncoding } from '../grpc/compression.js';
import { grpcMessageHeader, headerMetadata, streamPeer } from './direct-routes.js';

/** Answers one Export request: its body (decompressed), metadata and peer -> the status. */
export type ExportCall = (signal: Signal, request: Buffer, metadata: Record<string, string>, peer: string) => Promise<{ code: number; message: string }>;

/** An empty Export*ServiceResponse, framed (uncompressed, length 0). */
const EMPTY_RESPONSE = Buffer.alloc(5);

/** Asked once a request's message prefix has arrived, before its body is buffered: a status
 *  refuses the call at once (the client stops sending; nothing more is read). */
export type ExportPrecheck = (messageBytes: number, compressed: boolean, peer: string) => { code: number; message: string } | undefined;

/** Serves one Export call on `stream`: reads its one message within `maxMessageBytes`,
 *  hands it to `call`, answers with the status `call` settles with. `precheck` may refuse it
 *  from the message's length before the body is read (e.g. a memory limit it cannot fit). */
export function serveExport(signal: Signal, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, maxMessageBytes: number, call: ExportCall, precheck?: ExportPrecheck): void {
  stream.on('error', () => {}); // a reset call: 'close' follows, nothing is left to answer
  let answered = false;
  const answer = (code: number, message: string): void => {
    if (answered) return;
    answered = true;
    if (stream.destroyed || stream.closed) return;
    try {
      if (code === status.OK) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPTED_ENCODINGS }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(EMPTY_RESPONSE);
        return;
      }
      stream.respond({
        ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPTED_ENCODINGS,
        'grpc-status': String(code), 'grpc-message': grpcMessageHeader(message),
      }, { endStream: true });
      // A request still arriving is stopped by Node (RST_STREAM NO_ERROR once the status has
      // gone out); closing the stream here would drop the status.
    } catch {
      /* the call went away while we answered */
    }
  };

  const rawEncoding = headers['grpc-encoding'];
  const encoding = Array.isArray(rawEncoding) ? rawEncoding[0] : rawEncoding;
  const compressed = encoding !== undefined && encoding !== 'identity';
  if (compressed && encoding !== 'gzip' && encoding !== 'deflate' && !isZstdEncoding(encoding)) {
    answer(status.UNIMPLEMENTED, `grpc-encoding "${encoding}" is not supported (supported: ${ACCEPTED_ENCODINGS})`);
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let prechecked = precheck === undefined;
  stream.on('data', (chunk: Buffer) => {
    if (answered) return;
    received += chunk.length;
    if (received > maxMessageBytes + 5) {
      answer(status.RESOURCE_EXHAUSTED, `Received message larger than max (more than ${maxMessageBytes} bytes)`);
      return;
    }
    chunks.push(chunk);
    if (!prechecked && received >= 5) {
      prechecked = true;
      const prefix = chunks[0]!.length >= 5 ? chunks[0]! : Buffer.concat(chunks, received);
      const refused = precheck!(prefix.readUInt32BE(1), prefix[0] === 1, streamPeer(stream));
      if (refused) {
        chunks.length = 0;
        answer(refused.code, refused.message);
      }
    }
  });
  stream.on('end', () => {
    if (answered) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
    if (body.length < 5) {
      answer(status.INTERNAL, 'Export call without a request message');
      return;
    }
    const length = body.readUInt32BE(1);
    if (body.length !== 5 + length) {
      answer(status.INTERNAL, body.length < 5 + length ? 'Export request message truncated' : 'Export call with more than one request message');
      return;
    }
    const flag = body[0];
    if (flag !== 0 && flag !== 1) {
      answer(status.INTERNAL, `Export request message with an invalid compressed flag ${flag}`);
      return;
    }
    if (flag === 1 && !compressed) {
      answer(status.INTERNAL, 'compressed Export request message without a grpc-encoding');
      return;
    }
    const message = body.subarray(5);
    const decoded = flag === 1 ? decompressMessage(message, encoding ?? 'identity', maxMessageBytes) : Promise.resolve(message);
    decoded.then(
      (request) => call(signal, request, headerMetadata(headers), streamPeer(stream)),
      (err: unknown) => ({ code: (err as { code?: number }).code ?? status.INTERNAL, message: (err as { details?: string }).details ?? String(err) }),
    ).then((s) => answer(s.code, s.message), (err: unknown) => answer(status.INTERNAL, `Export failed: ${(err as Error)?.message ?? String(err)}`));
  });
}
