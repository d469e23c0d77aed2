// Driver of bench/bar-load (Go): the OTAP load and ack-only sink of the worker-scaling rounds,
// one process pinned to the load's CPU. See bench/bar-load/main.go for the line protocol.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { frameMessages } from '../src/otap/stream-file.js';
import type { Signal } from '../src/otlp/model.js';
import { arrowPath } from '../src/transport/grpc/services.js';
import { goProgramBinary, hasGoToolchain } from '../test/interop/go-build.js';
import { cpuSeconds } from './process-stats.js';

const PROGRAM = { sourceDir: fileURLToPath(new URL('./bar-load/', import.meta.url)), cacheName: 'bench-bar-load', binaryName: 'bar-load' };

export const hasGoBarLoad = hasGoToolchain;

export class GoBarLoad {
  private readonly answers: Array<(line: string) => void> = [];
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bar-load-'));
  private clients = 0;

  private constructor(private readonly child: ChildProcess, lines: Interface, readonly sinkPort: number) {
    lines.on('line', (line) => this.answers.shift()?.(line));
  }

  /** Builds (cached) and starts the load pinned to `cpu`; its sink listens at once. `nice`:
   *  its niceness (below 0 needs root; `nice` runs it unchanged otherwise). */
  static async start(cpu: string, nice = 0): Promise<GoBarLoad> {
    const bin = await goProgramBinary(PROGRAM);
    const child = spawn('nice', ['-n', String(nice), 'taskset', '-c', cpu, bin], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, GOMAXPROCS: '1', GOGC: '400' } });
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`bar-load exited with ${code} before its sink listened`)));
    });
    const m = /^sink (\d+)$/.exec(first);
    if (!m) throw new Error(`bar-load: unexpected first line ${first}`);
    return new GoBarLoad(child, lines, Number(m[1]));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The load's CPU-seconds so far. */
  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  private ask(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.answers.push((answer) => (answer.startsWith('error ') ? reject(new Error(`bar-load: ${answer.slice(6)}`)) : resolve(answer)));
      this.child.stdin!.write(`${line}\n`);
    });
  }

  /** A sender of `bars` (one encoder's stream, replayed from the start on each fresh stream)
   *  to `endpoint`: `connections` connections x `streams` Arrow streams each. */
  async client(endpoint: string, signal: Signal, bars: readonly Uint8Array[], recordsPerBatch: number, connections: number, streams = 2): Promise<string> {
    const id = `c${this.clients++}`;
    const file = path.join(this.dir, `${id}.bars`);
    fs.writeFileSync(file, frameMessages(bars));
    await this.ask(`client ${id} ${endpoint} ${arrowPath(signal)} ${file} ${recordsPerBatch} ${connections} ${streams}`);
    return id;
  }

  /** Drives the clients for `seconds` with `inflight` batches per connection; records acked. */
  async run(seconds: number, inflight: number, ids: string[]): Promise<{ records: number; seconds: number }> {
    const [, records, elapsed] = (await this.ask(`run ${seconds} ${inflight} ${ids.join(' ')}`)).split(' ');
    return { records: Number(records), seconds: Number(elapsed) };
  }

  /** Closes a client's connections. */
  async closeClient(id: string): Promise<void> {
    await this.ask(`close ${id}`);
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    await new Promise((r) => this.child.once('exit', r));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
