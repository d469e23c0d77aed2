import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  goDecode, goEncode, goEqual, goGen, goPeerBinary, hasGo, readFramedBars, writeFramedBars, type Signal,
} from './go-peer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'go-peer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasGo())('otap-go-peer', () => {
  it('builds (or reuses) the binary', async () => {
    const bin = await goPeerBinary();
    expect(fs.existsSync(bin)).toBe(true);
    expect(await goPeerBinary()).toBe(bin);
  }, 600_000);

  it('frames round-trip', () => {
    const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
    const file = path.join(tmp, 'frames.bars');
    writeFramedBars(file, frames);
    expect(fs.statSync(file).size).toBe(3 * 4 + 303);
    expect(readFramedBars(file)).toEqual(frames);
  });

  for (const signal of ['traces', 'logs', 'metrics'] as Signal[]) {
    it(`${signal}: gen -> decode -> equal, encode -> decode -> equal`, async () => {
      const dir = (name: string) => path.join(tmp, `${signal}-${name}`);
      const gen = await goGen({ signal, batches: 3, batchSize: 20, seed: 1, out: dir('gen') });
      expect(gen.batches).toBe(3);
      expect(gen.items).toBeGreaterThan(0);
      expect(readFramedBars(path.join(dir('gen'), 'go.bars'))).toHaveLength(3);
      expect(fs.readdirSync(dir('gen')).filter((n) => /^otlp-\d{4}\.pb$/.test(n))).toHaveLength(3);

      const dec = await goDecode({ signal, in: path.join(dir('gen'), 'go.bars'), out: dir('dec') });
      expect(dec.items).toBe(gen.items);
      expect((await goEqual({ signal, a: dir('gen'), b: dir('dec') })).equal).toBe(true);

      const reFile = path.join(tmp, `${signal}-re.bars`);
      const enc = await goEncode({ signal, in: dir('gen'), out: reFile, noZstd: true, iterations: 2 });
      expect(enc.batches).toBe(3);
      expect(enc.items).toBe(gen.items);
      expect(enc.perBatch).toHaveLength(3);
      expect(enc.encodeNanosAll).toHaveLength(2);
      const redec = await goDecode({ signal, in: reFile, out: dir('redec') });
      expect(redec.items).toBe(gen.items);
      await goEqual({ signal, a: dir('gen'), b: dir('redec') });
    });
  }

  it('equal reports a diff, decode reports the failing batch', async () => {
    await goGen({ signal: 'logs', batches: 1, batchSize: 10, seed: 2, out: path.join(tmp, 'other') });
    fs.mkdirSync(path.join(tmp, 'wrong'));
    fs.copyFileSync(path.join(tmp, 'other', 'otlp-0000.pb'), path.join(tmp, 'wrong', 'decoded-0000.pb'));
    await goGen({ signal: 'logs', batches: 1, batchSize: 10, seed: 3, out: path.join(tmp, 'base') });
    await expect(goEqual({ signal: 'logs', a: path.join(tmp, 'base'), b: path.join(tmp, 'wrong') })).rejects.toThrow(
      /request 0 differs/,
    );

    const frames = readFramedBars(path.join(tmp, 'logs-gen', 'go.bars'));
    const swapped = path.join(tmp, 'swapped.bars');
    writeFramedBars(swapped, [frames[1]!, frames[0]!]); // delta dictionaries before their schema
    await expect(goDecode({ signal: 'logs', in: swapped, out: path.join(tmp, 'sw') })).rejects.toThrow(/batch 0/);
  });
});
