// Where builds kept outside the clone live (peers, benchmark programs, toolchains), so that
// clones, CI runs and benchmarks share them.
import * as os from 'node:os';
import * as path from 'node:path';

/** `${XDG_CACHE_HOME || ~/.cache}/otel-arrow/<parts...>`. */
export function userCacheDir(...parts: string[]): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'otel-arrow', ...parts);
}
