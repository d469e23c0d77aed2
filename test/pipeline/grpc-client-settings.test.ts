// The engine's GrpcClientSettings -> our connection options (exporter:otap, exporter:otlp_grpc).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectionOptions, grpcClientShape, unappliedClientSettings } from '../../src/pipeline/nodes/settings/grpc-client.js';
import { channelOptions } from '../../src/transport/exporter/channel.js';

const settings = z.strictObject(grpcClientShape);

describe('GrpcClientSettings -> connection options', () => {
  it('endpoint, compression, headers with user_agent, TLS from the scheme, connect_timeout', () => {
    const plain = connectionOptions(settings.parse({ grpc_endpoint: 'http://collector:4317', user_agent: 'me/1', headers: { 'x-k': 'v' } }), 'zstd');
    expect(plain).toEqual({ endpoint: 'collector:4317', compression: 'zstd', headers: { 'x-k': 'v', 'user-agent': 'me/1' }, tls: false, connectTimeoutMs: 3000, transport: { tcpNoDelay: true } });
    const tls = connectionOptions(settings.parse({ grpc_endpoint: 'https://collector:4317/', compression_method: 'gzip', connect_timeout: '250ms' }), 'zstd');
    expect(tls).toMatchObject({ endpoint: 'collector:4317', compression: 'gzip', connectTimeoutMs: 250 });
    expect(tls.tls).toBeTruthy();
    expect(() => connectionOptions(settings.parse({ grpc_endpoint: 'collector:4317', compression: 'deflate' }), 'zstd')).toThrow(/deflate/);
    expect(() => connectionOptions(settings.parse({ grpc_endpoint: 'http://a/b/c' }), 'zstd')).toThrow(/not an endpoint/);
  });
});

describe('GrpcClientSettings -> transport settings', () => {
  it('HTTP/2 keepalive and windows, TCP options; unset fields stay unset', () => {
    const c = connectionOptions(settings.parse({
      grpc_endpoint: 'collector:4317', http2_keepalive_interval: '30s', http2_keepalive_timeout: '10s',
      initial_stream_window_size: '8MiB', initial_connection_window_size: '32MiB', tcp_keepalive: '45s', tcp_nodelay: false,
    }), 'zstd');
    expect(c.transport).toEqual({
      keepaliveIntervalMs: 30_000, keepaliveTimeoutMs: 10_000, keepaliveWhileIdle: true,
      initialStreamWindowSize: 8 << 20, initialConnectionWindowSize: 32 << 20, tcpKeepaliveMs: 45_000, tcpNoDelay: false,
    });
    expect(connectionOptions(settings.parse({ grpc_endpoint: 'collector:4317' }), 'zstd').transport).toEqual({ tcpNoDelay: true });
    expect(settings.safeParse({ grpc_endpoint: 'c:1', initial_stream_window_size: '4GiB' }).success).toBe(false);
    expect(settings.safeParse({ grpc_endpoint: 'c:1', initial_connection_window_size: 1000 }).success).toBe(false);
  });

  it('grpc-js channels get keepalive and one window (the larger)', () => {
    const opts = channelOptions({ endpoint: 'c:1', transport: { keepaliveIntervalMs: 30_000, keepaliveWhileIdle: false, initialStreamWindowSize: 1 << 20, initialConnectionWindowSize: 4 << 20 } });
    expect(opts).toMatchObject({
      'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 20_000, 'grpc.keepalive_permit_without_calls': 0, 'grpc-node.flow_control_window': 4 << 20,
    });
    expect(channelOptions({ endpoint: 'c:1' })).not.toHaveProperty('grpc.keepalive_time_ms');
  });

  it('names each setting it cannot apply', () => {
    expect(unappliedClientSettings(settings.parse({ grpc_endpoint: 'c:1' }))).toEqual([]);
    expect(unappliedClientSettings(settings.parse({ grpc_endpoint: 'c:1', tcp_keepalive: '45s' }))).toEqual([]);
    expect(unappliedClientSettings(settings.parse({ grpc_endpoint: 'c:1', tcp_keepalive: '45s' }), true)[0]).toMatch(/^tcp_keepalive \/ tcp_nodelay: .*grpc-js/);
    const all = unappliedClientSettings(settings.parse({
      grpc_endpoint: 'c:1', tcp_keepalive_retries: 3, http2_keepalive_timeout: '5s', http2_adaptive_window: true, buffer_size: 10, startup_check: 'connect', proxy: { http: 'p:8080' },
    }));
    expect(all.map((m) => m.split(':')[0])).toEqual(['tcp_keepalive_interval / tcp_keepalive_retries', 'http2_keepalive_timeout', 'http2_adaptive_window', 'buffer_size', 'startup_check connect', 'proxy']);
  });
});
