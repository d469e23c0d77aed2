// The cache key of a program built from this repository's sources (the Go peers, the Rust
// engine peer, the benchmark load): a SHA-256 over each file's relative name and contents.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** SHA-256 (hex) of `files` (paths relative to `dir`, hashed in the order given). */
export function sourceHash(dir: string, files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}
