// The otel_dataflow/v1 loader: env substitution, URNs, selectors, units, and error messages
// that name the file, node and field and say what was expected.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/pipeline/config/config-error.js';
import { substituteEnv } from '../../src/pipeline/config/env-substitution.js';
import { parseSpec } from '../../src/pipeline/config/load.js';
import { parseNodeUrn } from '../../src/pipeline/config/node-urn.js';
import { resolveSpec, routeKey } from '../../src/pipeline/config/resolve.js';
import { parseSelector } from '../../src/pipeline/config/selector.js';
import { parseBytes, parseDurationMs } from '../../src/pipeline/config/units.js';
import { validateFile, validateText } from '../../src/pipeline/engine/engine.js';
import { builtinRegistry } from '../../src/pipeline/nodes/builtin.js';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const HEAD = 'version: otel_dataflow/v1\ngroups:\n  g:\n    pipelines:\n      p:\n';

describe('env substitution', () => {
  const env = { A: 'x', EMPTY: '' };
  it.each([
    ['${env:A}', 'x'], ['a${env:A}b', 'axb'], ['${env:MISSING:-d}', 'd'], ['${env:MISSING:-}', ''], ['${env:EMPTY:-d}', ''],
    ['$$', '$'], ['$${env:A}', '${env:A}'], ['${other:A}', '${other:A}'], ['cost $5', 'cost $5'], ['${env:A:-a:-b}', 'x'],
  ])('%s -> %s', (input, out) => expect(substituteEnv(input, env)).toBe(out));
  it('names an unset variable and how to default it', () => {
    expect(() => substituteEnv('port: ${env:NOPE}', {})).toThrow(/NOPE is not set.*\$\{env:NOPE:-value\}/);
  });
});

describe('node URNs, selectors and units', () => {
  it('expands shortcuts and validates segments', () => {
    expect(parseNodeUrn('receiver:otlp')).toMatchObject({ urn: 'urn:otel:receiver:otlp', kind: 'receiver' });
    expect(parseNodeUrn('URN:Acme:Processor:my_proc')).toMatchObject({ urn: 'urn:acme:processor:my_proc' });
    expect(parseNodeUrn('receiver:OTLP')).toMatch(/invalid id/);
    expect(parseNodeUrn('extension:x')).toMatch(/extensions/);
    expect(parseNodeUrn('otlp')).toMatch(/<kind>:<id>/);
  });
  it('parses selectors', () => {
    expect(parseSelector('router["logs"]')).toEqual({ node: 'router', port: 'logs' });
    expect(parseSelector(" router [ 'x' ] ")).toEqual({ node: 'router', port: 'x' });
    expect(parseSelector('gen')).toEqual({ node: 'gen', port: 'default' });
    expect(parseSelector('r[logs]')).toMatch(/quoted/);
    expect(parseSelector('r["logs"')).toMatch(/closing/);
    expect(parseSelector('["a"]')).toMatch(/names no node/);
  });
  it('parses durations and sizes', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1m 30s')).toBe(90_000);
    expect(parseDurationMs('5 parsecs')).toMatch(/unknown duration unit/);
    expect(parseBytes('64 MiB')).toBe(64 * 1024 * 1024);
    expect(parseBytes('1GB')).toBe(1e9);
    expect(parseBytes(4096)).toBe(4096);
    expect(parseBytes('lots')).toMatch(/not a byte size/);
  });
});

describe('document errors', () => {
  it('requires the version and rejects unknown fields with their path', () => {
    expect(issuesOf(() => parseSpec('groups: {}', 'a.yaml'))).toEqual(['version: required: write "version: otel_dataflow/v1"']);
    const issues = issuesOf(() => parseSpec(`${HEAD}        nodes:\n          r: { type: receiver:otlp, confg: {} }\n        bogus: 1\n`, 'a.yaml'));
    expect(issues).toContain('groups.g.pipelines.p: unknown field "bogus"');
    expect(issues).toContain('groups.g.pipelines.p.nodes.r: unknown field "confg"');
  });

  it('puts the file name in the message and reports YAML syntax errors with their line', () => {
    const e = (() => { try { parseSpec('version: [', 'bad.yaml'); } catch (x) { return x as Error; } })();
    expect(e?.message).toMatch(/^invalid pipeline configuration bad\.yaml:[\s\S]*YAML: .*line 1/);
  });

  it('checks connections: missing nodes, exporter sources, undeclared ports, broadcast, cycles', () => {
    const doc = (connections: string) => `${HEAD}        nodes:
          r: { type: receiver:test_r }
          a: { type: processor:x, outputs: [logs] }
          b: { type: processor:y }
          e: { type: exporter:z }
        connections:
${connections}`;
    const check = (c: string) => issuesOf(() => resolveSpec(parseSpec(doc(c), 'c.yaml'), 'c.yaml'));
    expect(check('          - { from: r, to: nope }')).toEqual([expect.stringMatching(/connections\[0\]\.to: no node "nope" in this pipeline/)]);
    expect(check('          - { from: r, to: a }\n          - { from: e, to: b }')).toEqual([expect.stringMatching(/"e" is an exporter/)]);
    expect(check(`          - { from: r, to: a }\n          - { from: 'a["metrics"]', to: e }`)).toEqual([expect.stringMatching(/port "metrics" is not in a\.outputs \[logs\]/)]);
    expect(check('          - { from: r, to: [a, b], policies: { dispatch: broadcast } }')).toEqual([expect.stringMatching(/broadcast to several nodes is not supported/)]);
    expect(check(`          - { from: r, to: a }\n          - { from: 'a["logs"]', to: b }\n          - { from: b, to: a }`)).toEqual([expect.stringMatching(/cycle: (a -> b -> a|b -> a -> b)/)]);
  });

  it('prunes unconnected nodes with a warning and routes one_of to competing consumers', () => {
    const r = resolveSpec(parseSpec(`${HEAD}        nodes:
          r: { type: receiver:test_r }
          lonely: { type: processor:x }
          e1: { type: exporter:z }
          e2: { type: exporter:z }
        connections:
          - { from: r, to: [e1, e2] }
`, 'p.yaml'), 'p.yaml');
    expect([...r.pipelines[0]!.nodes.keys()]).toEqual(['r', 'e1', 'e2']);
    expect(r.warnings).toEqual([expect.stringMatching(/nodes\.lonely .* is not connected on both sides; it is left out/)]);
    expect(r.pipelines[0]!.routes.get(routeKey('r', 'default'))).toEqual(['e1', 'e2']);
  });

  it('resolves policies pipeline > group > top level, with the engine defaults', () => {
    const r = resolveSpec(parseSpec(`version: otel_dataflow/v1
policies:
  channel_capacity: { pdata: 64 }
  resources: { core_allocation: { type: core_count, count: 2 } }
groups:
  g:
    policies: { channel_capacity: { pdata: 32, control: { node: 10 } } }
    pipelines:
      a:
        nodes: { r: { type: receiver:x }, e: { type: exporter:y } }
        connections: [{ from: r, to: e }]
      b:
        policies: { resources: { core_allocation: { strategy: core_set, set: [{ start: 0, end: 0 }] } } }
        nodes: { r: { type: receiver:x }, e: { type: exporter:y } }
        connections: [{ from: r, to: e }]
`, 'pol.yaml'), 'pol.yaml');
    expect(r.pipelines[0]!.policies.channelCapacity).toEqual({ pdata: 32, control: { node: 10, pipeline: 256, completion: 512 } });
    expect(r.pipelines[0]!.policies.coreAllocation).toMatchObject({ strategy: 'core_count', count: 2 });
    expect(r.pipelines[1]!.policies.coreAllocation).toMatchObject({ strategy: 'core_set', set: [{ start: 0, end: 0 }] });
    expect(issuesOf(() => parseSpec('version: otel_dataflow/v1\npolicies: { resources: { core_allocation: { strategy: core_count } } }', 'x.yaml')))
      .toEqual([expect.stringMatching(/policies\.resources\.core_allocation: core_count needs "count"/)]);
    expect(issuesOf(() => parseSpec('version: otel_dataflow/v1\npolicies: { channel_capacity: { pdata: 0 } }', 'x.yaml')))
      .toEqual([expect.stringMatching(/policies\.channel_capacity\.pdata: /)]);
  });

  it('names unknown node types with the known ones, and bad node config fields with their path', () => {
    const registry = builtinRegistry();
    const issues = issuesOf(() => validateText(`${HEAD}        nodes:
          r: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "localhost" } } } }
          x: { type: processor:nope }
          e: { type: exporter:noop, config: { a: 1 } }
        connections:
          - { from: r, to: x }
          - { from: x, to: e }
`, 'n.yaml', registry));
    expect(issues).toContain('groups.g.pipelines.p.nodes.r.config.protocols.grpc.listening_addr: "localhost" is not a socket address: write "host:port", e.g. "127.0.0.1:4317" (node type urn:otel:receiver:otlp)');
    expect(issues.find((i) => i.includes('nodes.x.type'))).toMatch(/unknown processor type "urn:otel:processor:nope"; known processors: urn:otel:processor:attribute, urn:otel:processor:batch, .*urn:otel:processor:type_router/);
    expect(issues.find((i) => i.includes('nodes.e'))).toMatch(/nodes\.e\.config/);
  });

  it('reads .json files and rejects other extensions', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-cfg-'));
    const json = path.join(dir, 'c.json');
    fs.writeFileSync(json, JSON.stringify({ version: 'otel_dataflow/v1', groups: { g: { pipelines: { p: { nodes: { r: { type: 'receiver:traffic_generator', config: { traffic_config: { log_weight: 1 } } }, e: { type: 'exporter:noop' } }, connections: [{ from: 'r', to: 'e' }] } } } } }));
    expect(validateFile(json, builtinRegistry()).resolved.pipelines).toHaveLength(1);
    const toml = path.join(dir, 'c.toml');
    fs.writeFileSync(toml, '');
    expect(issuesOf(() => validateFile(toml, builtinRegistry()))).toEqual([expect.stringMatching(/unsupported file extension ".toml"/)]);
  });
});
