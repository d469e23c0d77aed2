// The engine's GrpcClientSettings -> our connection options (exporter:otap, exporter:otlp_grpc).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectionOptions, grpcClientShape } from '../../src/pipeline/nodes/settings/grpc-client.js';

const settings = z.strictObject(grpcClientShape);

describe('GrpcClientSettings -> connection options', () => {
  it('endpoint, compression, headers with user_agent, TLS from the scheme, connect_timeout', () => {
    const plain = connectionOptions(settings.parse({ grpc_endpoint: 'http://collector:4317', user_agent: 'me/1', headers: { 'x-k': 'v' } }), 'zstd');
    expect(plain).toEqual({ endpoint: 'collector:4317', compression: 'zstd', headers: { 'x-k': 'v', 'user-agent': 'me/1' }, tls: false, connectTimeoutMs: 3000 });
    const tls = connectionOptions(settings.parse({ grpc_endpoint: 'https://collector:4317/', compression_method: 'gzip', connect_timeout: '250ms' }), 'zstd');
    expect(tls).toMatchObject({ endpoint: 'collector:4317', compression: 'gzip', connectTimeoutMs: 250 });
    expect(tls.tls).toBeTruthy();
    expect(() => connectionOptions(settings.parse({ grpc_endpoint: 'collector:4317', compression: 'deflate' }), 'zstd')).toThrow(/deflate/);
    expect(() => connectionOptions(settings.parse({ grpc_endpoint: 'http://a/b/c' }), 'zstd')).toThrow(/not an endpoint/);
  });
});
