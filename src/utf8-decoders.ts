// The package's UTF-8 decoders. A TextDecoder made with defaults strips a leading U+FEFF
// (byte-order mark), and a telemetry string may begin with one: these keep it, so strings
// round-trip unchanged. Everything else decodes UTF-8 through them (eslint.config.js refuses
// a `new TextDecoder` elsewhere).

/** Invalid sequences become U+FFFD. */
export const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Invalid sequences throw a TypeError (for input that must be valid UTF-8). */
export const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
