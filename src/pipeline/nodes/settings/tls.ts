// TLS blocks of the engine's server and client settings, read into PEM buffers.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { durationMs } from '../../config/field-types.js';
import type { TlsOptions } from '../../../transport/exporter/channel.js';
import type { ReceiverOptions } from '../../../transport/receiver/types.js';

export const tlsServerSchema = z.strictObject({
  cert_file: z.string().optional(),
  cert_pem: z.string().optional(),
  key_file: z.string().optional(),
  key_pem: z.string().optional(),
  client_ca_file: z.string().optional(),
  client_ca_pem: z.string().optional(),
  include_system_ca_certs_pool: z.boolean().optional(),
  watch_client_ca: z.boolean().default(false),
  reload_interval: durationMs.optional(),
  handshake_timeout: durationMs.optional(),
}).refine((t) => (t.cert_file ?? t.cert_pem) !== undefined && (t.key_file ?? t.key_pem) !== undefined, {
  message: 'a server TLS block needs cert_file or cert_pem, and key_file or key_pem',
});

export const tlsClientSchema = z.strictObject({
  ca_file: z.string().optional(),
  ca_pem: z.string().optional(),
  cert_file: z.string().optional(),
  cert_pem: z.string().optional(),
  key_file: z.string().optional(),
  key_pem: z.string().optional(),
  insecure: z.boolean().optional(),
  insecure_skip_verify: z.boolean().optional(),
  server_name_override: z.string().optional(),
  include_system_ca_certs_pool: z.boolean().optional(),
});

function pem(file: string | undefined, inline: string | undefined, what: string): Buffer | undefined {
  if (inline !== undefined) return Buffer.from(inline);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

export function serverTls(t: z.output<typeof tlsServerSchema> | undefined): ReceiverOptions['tls'] {
  if (!t) return undefined;
  const ca = pem(t.client_ca_file, t.client_ca_pem, 'client CA');
  return {
    cert: pem(t.cert_file, t.cert_pem, 'certificate')!,
    key: pem(t.key_file, t.key_pem, 'private key')!,
    ...(ca ? { ca, requireClientCert: true } : {}),
  };
}

/** Client TLS: undefined/insecure = plaintext, else TLS with optional roots, mTLS and SNI. */
export function clientTls(t: z.output<typeof tlsClientSchema> | undefined, schemeTls: boolean): boolean | TlsOptions {
  if (t?.insecure === true) return false;
  if (!t) return schemeTls;
  const ca = pem(t.ca_file, t.ca_pem, 'CA');
  const cert = pem(t.cert_file, t.cert_pem, 'client certificate');
  const key = pem(t.key_file, t.key_pem, 'client key');
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(t.server_name_override ? { serverName: t.server_name_override } : {}) };
}
