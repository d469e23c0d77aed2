// engine.http_admin: /status (JSON health per pipeline and node), /metrics (Prometheus
// text), /live and /ready, on the configured bind_address. Reads only; never changes the
// engine.
import { http } from '../../transport/http/node-http.js';
import type { AddressInfo } from 'node:net';
import type { EngineSummary } from '../engine/engine.js';
import { prometheusText } from './prometheus-text.js';

export interface AdminSource {
  summary(): EngineSummary;
  /** 'starting' | 'running' | 'stopping' | 'stopped' */
  state(): string;
  readonly backendName: string;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export async function startAdminServer(source: AdminSource, host: string, port: number): Promise<AdminServer> {
  const started = performance.now();
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(405, 'text/plain', 'only GET\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    try {
      const summary = source.summary();
      const receiversUp = summary.pipelines.every((p) => p.nodes.every((n) => n.kind !== 'receiver' || n.state === 'running'));
      switch (path) {
        case '/live':
          send(source.state() === 'stopped' ? 503 : 200, 'text/plain', `${source.state()}\n`);
          return;
        case '/ready': {
          const ready = source.state() === 'running' && receiversUp;
          send(ready ? 200 : 503, 'text/plain', ready ? 'ready\n' : `not ready (${source.state()}${receiversUp ? '' : ', a receiver is not running'})\n`);
          return;
        }
        case '/status':
          send(200, 'application/json', `${JSON.stringify({
            state: source.state(),
            backend: source.backendName,
            uptimeSeconds: (performance.now() - started) / 1000,
            lost: summary.lost,
            pipelines: summary.pipelines.map((p) => ({
              ...p,
              health: p.nodes.every((n) => n.state === 'running') ? 'healthy' : p.nodes.some((n) => n.state === 'failed') ? 'failed' : 'degraded',
            })),
          }, null, 2)}\n`);
          return;
        case '/metrics': {
          const mem = process.memoryUsage();
          send(200, 'text/plain; version=0.0.4', prometheusText(summary, { rss: mem.rss, heapUsed: mem.heapUsed, uptimeSeconds: (performance.now() - started) / 1000 }));
          return;
        }
        default:
          send(404, 'text/plain', 'endpoints: /status /metrics /live /ready\n');
      }
    } catch (e) {
      send(500, 'text/plain', `admin: ${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
