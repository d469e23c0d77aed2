// Progress and sizes for long CLI runs: a single rewritten line on a terminal, plain
// lines otherwise (CI logs).

export class Progress {
  private readonly label: string;
  private readonly total: number;
  private readonly tty = process.stderr.isTTY === true;
  private lastPrinted = 0;

  constructor(label: string, total: number) {
    this.label = label;
    this.total = total;
  }

  tick(done: number, detail = ''): void {
    const now = Date.now();
    if (done < this.total && now - this.lastPrinted < (this.tty ? 100 : 2000)) return;
    this.lastPrinted = now;
    const line = `${this.label}: ${done}/${this.total}${detail ? ' ' + detail : ''}`;
    if (this.tty) process.stderr.write(`\r${line}\x1b[K${done >= this.total ? '\n' : ''}`);
    else process.stderr.write(line + '\n');
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}
