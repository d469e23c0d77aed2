// The wasm module's signal numbers (wasm/src/lib.rs), shared by the backend and its encoder
// thread, which checks a signal before handing it over.
import type { Signal } from '../otlp/model.js';

const SIGNAL_CODES: Record<Signal, number> = { traces: 0, logs: 1, metrics: 2 };

/** The module's signal number; a TypeError for anything else. */
export function signalCode(signal: Signal): number {
  const code = SIGNAL_CODES[signal] as number | undefined;
  if (code === undefined) throw new TypeError(`unknown signal ${JSON.stringify(signal)} (expected traces, logs or metrics)`);
  return code;
}
export const SIGNAL_NAMES: readonly Signal[] = ['traces', 'logs', 'metrics'];
/** otap_encoder_encode_framed's code for an SDK columns buffer. */
export const COLUMNS_CODE = 3;
