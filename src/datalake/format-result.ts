// A query result as text: an aligned table for people, CSV (RFC 4180) or JSON lines for tools.
import type { QueryResult } from './query.js';

export type ResultFormat = 'table' | 'csv' | 'json';

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvCell(v: unknown): string {
  const s = cellText(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const MAX_CELL = 60;

function table(result: QueryResult): string {
  const cells = result.rows.map((r) => r.map((v) => {
    const s = v === null ? 'NULL' : cellText(v).replace(/\s+/g, ' ');
    return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
  }));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (parts: string[]): string => parts.map((p, i) => p.padEnd(widths[i]!)).join(' | ').trimEnd();
  const out = [line(result.columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  out.push(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

export function formatResult(result: QueryResult, format: ResultFormat): string {
  switch (format) {
    case 'csv':
      return [result.columns.map(csvCell).join(','), ...result.rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
    case 'json':
      return result.rows.map((r) => JSON.stringify(Object.fromEntries(result.columns.map((c, i) => [c, r[i]])))).join('\n') + (result.rows.length ? '\n' : '');
    default:
      return table(result);
  }
}
