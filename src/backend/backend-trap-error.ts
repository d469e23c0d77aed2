// The error of a wasm instance that trapped: its encoders and decoders lost their stream state.

/** Thrown by encoders/decoders whose instance trapped, and for the trap itself. */
export class BackendTrapError extends Error {
  readonly code = 'BACKEND_TRAPPED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendTrapError';
  }
}

