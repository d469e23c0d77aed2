// Durations (humantime: "250ms", "5s", "1m 30s", "2h") and byte sizes (a number, or
// "64 MiB", "1GB", "512kb") as the engine's config accepts them.

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6, nsec: 1e-6, us: 1e-3, usec: 1e-3, 'µs': 1e-3, ms: 1, msec: 1, millis: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/** Milliseconds of a humantime duration, or an error message. */
export function parseDurationMs(raw: string): number | string {
  const s = raw.trim();
  const re = /(\d+(?:\.\d+)?)\s*([a-zµ]+)\s*/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const unit = DURATION_UNITS[m[2]!];
    if (unit === undefined) return `"${raw}": unknown duration unit "${m[2]}" (use ms, s, m, h, d)`;
    total += Number(m[1]) * unit;
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) return `"${raw}" is not a duration: write e.g. "250ms", "5s", "1m 30s"`;
  return total;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** Bytes of a size given as a number or a unit string, or an error message. */
export function parseBytes(raw: string | number): number | string {
  if (typeof raw === 'number') {
    return Number.isSafeInteger(raw) && raw >= 0 ? raw : `${raw} is not a byte count (a non-negative integer)`;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  if (!m) return `"${raw}" is not a byte size: write e.g. 1048576, "64 MiB" or "1GB"`;
  const unit = m[2] === '' ? 1 : BYTE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return `"${raw}": unknown size unit "${m[2]}" (use B, KiB, MiB, GiB, KB, MB, GB)`;
  return Math.round(Number(m[1]) * unit);
}
