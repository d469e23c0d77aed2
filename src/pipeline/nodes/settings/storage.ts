// The Rust engine's object-store setting (`storage: { file: { base_uri } }`), as the parquet
// exporter and receiver take it. Only local files are supported here; the engine's cloud
// stores (azure, s3) are named in the error so a config written for them fails clearly.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const fileStorage = z.strictObject({
  base_uri: z.string().min(1).transform((uri, ctx) => {
    if (uri.startsWith('file://')) return fileURLToPath(uri);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
      ctx.addIssue({ code: 'custom', message: `"${uri}" is not a local path; only file storage (a directory path or file:// URI) is supported` });
      return z.NEVER;
    }
    return isAbsolute(uri) ? uri : resolve(uri);
  }),
});

export const storageConfig = z.strictObject({
  file: fileStorage.optional(),
  azure: z.unknown().optional(),
  s3: z.unknown().optional(),
}).transform((s, ctx) => {
  if (s.azure !== undefined || s.s3 !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'azure and s3 storage are not supported by this implementation; use file: { base_uri: <directory> }' });
    return z.NEVER;
  }
  if (!s.file) {
    ctx.addIssue({ code: 'custom', message: 'expected file: { base_uri: <directory> }' });
    return z.NEVER;
  }
  return { baseDir: s.file.base_uri };
});
