// A loopback TCP relay that counts the bytes it forwards in each direction: the bytes on
// the wire (HTTP/2 frames, after gRPC compression, TLS included if any) between a client and
// a server, without touching either. Used by the bridge (`wireStats`), its demo and
// bench/transport.ts.
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export class WireCounter {
  /** Client -> server bytes. */
  bytesUp = 0;
  /** Server -> client bytes. */
  bytesDown = 0;
  connections = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on host:port (port 0 = ephemeral); resolves with the port. */
  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    const server = net.createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  reset(): void {
    this.bytesUp = 0;
    this.bytesDown = 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    this.connections++;
    const upstream = net.connect(this.target.port, this.target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(upstream);
    client.on('data', (d: Buffer) => {
      this.bytesUp += d.length;
      if (!upstream.write(d)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (d: Buffer) => {
      this.bytesDown += d.length;
      if (!client.write(d)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }
}
