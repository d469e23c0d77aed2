import { describe, expect, it } from 'vitest';
import { FrameBalance } from '../../src/transport/exporter/frame-balance.js';

describe('FrameBalance: which thread compresses an Arrow stream\'s messages', () => {
  function balance(): { fb: FrameBalance; step(ms: number, encoderBusyMs: number, loop: number): boolean } {
    let now = 0;
    let busy = 0;
    let loop = 0;
    const fb = new FrameBalance(() => busy, () => loop, () => now);
    return {
      fb,
      step(ms, encoderBusyMs, l) {
        now += ms;
        busy += encoderBusyMs;
        loop = l;
        return fb.encoderCompresses();
      },
    };
  }

  it('the encoder compresses while the event loop is the busier by more than the margin, the loop otherwise', () => {
    const b = balance();
    expect(b.step(60, 6, 0.95)).toBe(true); // encoder 10 %, loop 95 %
    expect(b.step(60, 54, 0.5)).toBe(false); // encoder 90 %, loop 50 %
    expect(b.step(60, 30, 0.55)).toBe(false); // 50 % vs 55 %: within the margin
    expect(b.step(60, 18, 0.95)).toBe(true); // 30 % vs 95 %
  });

  it('keeps its choice within a window', () => {
    const b = balance();
    expect(b.step(60, 54, 0.1)).toBe(false);
    // 10 ms later the figures would say otherwise: not re-decided yet.
    expect(b.step(10, 0, 1)).toBe(false);
    expect(b.step(50, 0, 1)).toBe(true);
  });

  it('starts with the encoder compressing (nothing measured yet)', () => {
    expect(balance().fb.encoderCompresses()).toBe(true);
  });
});
