const EMPTY = new Uint8Array(0);

/** OTAP writes unset trace/span ids as zero bytes; OTLP's unset id is empty. */
export function emptyIfZero(id: Uint8Array | null | undefined): Uint8Array {
  if (!id) return EMPTY;
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return id;
  return new Uint8Array(0);
}
