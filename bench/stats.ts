// How sure a ratio of two percentiles is: a percentile bootstrap over the raw samples of each side
// (resampled independently), so a bench row can say whether "ours/kubectl" differs from 1x by more
// than the noise of one run on a shared machine.
import { percentile } from '../helpers/clients/latency.js';

/** Deterministic PRNG (mulberry32): the same samples give the same interval. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% interval of percentile(ours, p) / percentile(base, p) over `rounds` bootstrap resamples. */
export function ratioInterval(
  ours: readonly number[],
  base: readonly number[],
  p: number,
  rounds = 2000,
): [number, number] {
  if (!ours.length || !base.length) throw new Error('ratioInterval of no samples');
  const next = rng(0x5eed);
  const resample = (xs: readonly number[]) => xs.map(() => xs[Math.floor(next() * xs.length)]!);
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) ratios.push(percentile(resample(ours), p) / percentile(resample(base), p));
  return [percentile(ratios, 2.5), percentile(ratios, 97.5)];
}
