// Reading an otel_dataflow/v1 document: text -> env substitution -> YAML or JSON -> the spec
// schema. The result is checked further by validate-graph.ts and the node registry.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, joinPath, type ConfigIssue } from './config-error.js';
import { EnvSubstitutionError, substituteEnv } from './env-substitution.js';
import { specSchema, type DataflowSpec } from './spec-schema.js';

export interface LoadOptions {
  /** "yaml" or "json"; default from the file extension, else yaml. */
  format?: 'yaml' | 'json';
  env?: NodeJS.ProcessEnv;
}

export function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    else if (i.code === 'invalid_type' && message.endsWith('received undefined')) message = `required field is missing (expected ${i.expected})`;
    return { path: joinPath([...prefix, ...i.path]), message };
  });
}

/** Parses and schema-checks a document given as text; `source` names it in errors. */
export function parseSpec(text: string, source: string, options: LoadOptions = {}): DataflowSpec {
  let substituted: string;
  try {
    substituted = substituteEnv(text, options.env);
  } catch (e) {
    if (e instanceof EnvSubstitutionError) throw new ConfigError(source, [{ path: '', message: e.message }]);
    throw e;
  }
  let raw: unknown;
  if (options.format === 'json') {
    try {
      raw = JSON.parse(substituted);
    } catch (e) {
      throw new ConfigError(source, [{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);
    }
  } else {
    const doc = parseDocument(substituted, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new ConfigError(source, doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}` })));
    }
    raw = doc.toJS({ maxAliasCount: 100 });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source, [{ path: '', message: 'the document must be a mapping with "version: otel_dataflow/v1" and "groups"' }]);
  }
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, zodIssues(parsed.error));
  return parsed.data;
}

/** Reads a .yaml/.yml/.json file. */
export function loadSpecFile(file: string, options: LoadOptions = {}): DataflowSpec {
  const ext = extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new ConfigError(file, [{ path: '', message: `unsupported file extension "${ext}": use .yaml, .yml or .json` }]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file: ${(e as Error).message}` }]);
  }
  return parseSpec(text, file, { format: ext === '.json' ? 'json' : 'yaml', ...options });
}
