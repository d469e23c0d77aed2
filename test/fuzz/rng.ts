// The fuzzer's PRNG is the generator's (src/random/rng.ts): a case is fully defined by (run
// seed, case index), so a worker that dies on a case can be replayed exactly by the parent.
export { mixSeed, Rng } from '../../src/random/rng.js';
