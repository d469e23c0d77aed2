// Shared by the benchmarks: machine description, section replacement in RESULTS.md, and
// the small helpers every benchmark needs (numeric flags, medians).
import * as fs from 'node:fs';
import * as os from 'node:os';

const RESULTS = new URL('./RESULTS.md', import.meta.url);

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/** The text of section `name` in RESULTS.md after the line `heading` up to the section's end
 *  (or the next heading of that level or above), trimmed; undefined when absent. */
export function recordedSubsection(name: string, heading: string): string | undefined {
  if (!fs.existsSync(RESULTS)) return undefined;
  const text = fs.readFileSync(RESULTS, 'utf8');
  const i = text.indexOf(`<!-- ${name}:start -->`);
  const j = text.indexOf(`<!-- ${name}:end -->`);
  if (i < 0 || j < i) return undefined;
  const section = text.slice(i, j);
  const at = section.indexOf(`${heading}\n`);
  if (at < 0) return undefined;
  const rest = section.slice(at + heading.length + 1);
  const level = heading.match(/^#+/)?.[0].length ?? 3;
  const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  const body = (next < 0 ? rest : rest.slice(0, next)).trim();
  return body || undefined;
}

/** Replaces (or appends) the section between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceSection(name: string, title: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n## ${title}\n\n${body}\n${end}`;
  let text = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(RESULTS, text);
}

/** The number after `--name` on the command line, else `dflt`. */
export function numberFlag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** `n` with thousands separators and exactly `digits` decimals, as the tables print counts. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** `a / b` as a table's ratio cell ("1.23x"). */
export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
