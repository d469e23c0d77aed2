// processor:attribute — rename, delete, insert, upsert, update and hash attributes, on the
// signal's own records (`apply_to: [signal]`, the default), resources and/or scopes, with
// the Rust engine's config (the Go collector's action list; rename uses source_key /
// destination_key). The actions are gathered and applied together, not in list order, so a
// key may appear in one action only. Held OTAP tables are rewritten in the Rust core (key
// dictionaries renamed, rows filtered or appended, no OTLP conversion). OTLP batches are
// turned into tables there first (the output is OTAP, as in the engine), except when the
// actions only rename and delete keys: then the batch goes on as OTLP with the edit pending,
// applied by exporter:otap's encoder as it parses the request, or to the request's bytes for
// any other reader. The js backend applies the same rules to the OTLP objects.
import { z } from 'zod';
import { encodeAttributeActions } from '../../../backend/attribute-actions-bytes.js';
import type { BackendAttributeEditor, BackendTables, BackendTablesBuilder } from '../../../backend/types.js';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import { applyAttributeActions } from '../../../otlp/apply-attribute-actions.js';
import { editsKeysOnly, gatherAttributeActions, hasNoActions, type AttributeAction, type AttributeActions } from '../../../otlp/attribute-actions.js';
import type { Signal } from '../../../otlp/model.js';
import { attributeLiteral, nodeConfig } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';

const key = z.string().min(1, 'must not be empty');

const valueAction = (name: 'insert' | 'upsert' | 'update') =>
  z.strictObject({ action: z.literal(name), key, value: attributeLiteral }).transform((a): AttributeAction => ({ action: name, key: a.key, value: a.value }));

const action = z.union([
  z.strictObject({ action: z.literal('delete'), key }).transform((a): AttributeAction => a),
  valueAction('insert'),
  valueAction('upsert'),
  valueAction('update'),
  z.strictObject({ action: z.literal('rename'), source_key: key, destination_key: key })
    .transform((a): AttributeAction => ({ action: 'rename', sourceKey: a.source_key, destinationKey: a.destination_key })),
  z.strictObject({ action: z.literal('hash'), key, algorithm: z.literal('sha256', { error: 'the only hash algorithm is sha256' }).default('sha256'), salt: z.string().default('') })
    .transform((a): AttributeAction => ({ action: 'hash', key: a.key, salt: a.salt })),
], { error: 'expected an action: delete { key } | insert/upsert/update { key, value } | rename { source_key, destination_key } | hash { key, salt?, algorithm? }' });

const attributeConfig = nodeConfig(z.strictObject({
  actions: z.array(action).default([]),
  apply_to: z.array(z.enum(['signal', 'resource', 'scope'])).min(1, 'name at least one of signal, resource, scope').optional(),
}).transform((c, ctx): AttributeActions => {
  const on = new Set(c.apply_to ?? ['signal']);
  try {
    return gatherAttributeActions(c.actions, { signal: on.has('signal'), resource: on.has('resource'), scope: on.has('scope') });
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: ['actions'], message: (e as Error).message });
    return z.NEVER;
  }
}));

/** A config as the engine validates it (tests, tools). */
export const parseAttributeConfig = (raw: unknown): AttributeActions => attributeConfig.parse(raw);

export const attributeProcessor: ProcessorFactory<AttributeActions> = {
  type: 'processor:attribute',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'renames, deletes, inserts, upserts, updates or hashes attributes',
  config: attributeConfig,
  create(actions, ctx) {
    const bytes = encodeAttributeActions(actions);
    // otlpEdited: batches sent on with a pending key edit.
    const stats = { inCore: 0, otlpEdited: 0, viaObjects: 0 };
    // Renames and deletions of an OTLP batch travel with it as a pending edit: exporter:otap's
    // encoder applies them as it parses the request (one pass, no tables built here), and any
    // other node reads the edited bytes. The editor is made on first use and again after a
    // failure (a wasm trap takes the instance it lived in).
    const editsBytes = editsKeysOnly(actions) && ctx.backend.createAttributeEditor !== undefined;
    let editor: BackendAttributeEditor | undefined;
    // For the other actions, one tables builder per signal: the tables of successive OTLP
    // batches share growing dictionaries, which the exporter then sends as deltas.
    const builders = new Map<Signal, BackendTablesBuilder>();
    const tablesOf = (batch: TelemetryBatch): BackendTables | undefined => {
      if (batch.backendTables) return batch.backendTables;
      if (!ctx.backend.createTablesBuilder) return ctx.backend.tablesFromOtlp?.(batch.signal, batch.otlpBytes());
      let builder = builders.get(batch.signal);
      if (!builder) builders.set(batch.signal, (builder = ctx.backend.createTablesBuilder()));
      return builder.build(batch.signal, batch.otlpBytes());
    };
    return {
      async process(pdata) {
        if (hasNoActions(actions)) {
          await ctx.send(pdata);
          return;
        }
        const { batch } = pdata;
        let out: TelemetryBatch;
        try {
          if (editsBytes && !batch.backendTables) {
            editor ??= ctx.backend.createAttributeEditor!(bytes);
            stats.otlpEdited++;
            // Renames and deletions keep every item: the count carries over instead of a rescan.
            out = TelemetryBatch.fromOtlpBytesWithKeyEdit(batch.signal, batch.otlpBytes(), editor, { backend: ctx.backend, items: batch.itemCount });
          } else {
            // Other OTLP batches enter the Rust core as tables (as the engine converts them to OTAP).
            const held = tablesOf(batch);
            const tables = held && ctx.backend.transformAttributes?.(held, bytes);
            // Tables built here from OTLP are nobody else's: freed now, not at some later GC
            // (with wasm, their memory is the module's, which V8 cannot see).
            if (held !== batch.backendTables) held?.release?.();
            if (tables) {
              stats.inCore++;
              out = TelemetryBatch.fromBackendTables(tables, { backend: ctx.backend });
            } else {
              stats.viaObjects++;
              out = TelemetryBatch.fromRequest(batch.signal, applyAttributeActions(batch.signal, batch.request, actions), { backend: ctx.backend });
            }
          }
        } catch (e) {
          // A builder or editor that failed midway (or whose wasm instance trapped) starts over.
          builders.delete(batch.signal);
          editor = undefined;
          ctx.nack(pdata, `attribute: cannot apply the actions to this batch: ${(e as Error).message}`, { permanent: true });
          return;
        }
        await ctx.send(out === batch ? pdata : pdata.withBatch(out));
      },
      status: () => stats,
    };
  },
};
