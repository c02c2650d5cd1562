import { describe, expect, it } from 'vitest';
import { CoalescedRun } from '../src/sync/coalesced-run.js';

/** Runs that each wait for `release()`; the first one fails if `failFirst`. Each answers its number. */
function gatedWork(failFirst = false) {
  let started = 0;
  let running = 0;
  let most = 0;
  const gates: (() => void)[] = [];
  const work = async () => {
    const mine = ++started;
    most = Math.max(most, ++running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
    if (mine === 1 && failFirst) throw new Error('the database went away');
    return mine;
  };
  return { work, release: () => gates.shift()?.(), counts: () => ({ started, most }) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a coalesced run (a feed tick and notifications reading the database)', () => {
  it('runs once more after the run in progress, however many calls came meanwhile, and never two at once', async () => {
    const gated = gatedWork();
    const run = new CoalescedRun(gated.work);
    const first = run.run();
    const during = [run.run(), run.run(), run.run()];
    await tick();
    gated.release();
    expect(await first).toBe(1);
    await tick();
    gated.release();
    // Every call made during the first run sees a run that started after it.
    expect(await Promise.all(during)).toEqual([2, 2, 2]);
    expect(gated.counts()).toEqual({ started: 2, most: 1 });
    await run.idle();
  });

  it('a failed run still lets the run asked for meanwhile happen', async () => {
    const gated = gatedWork(true);
    const run = new CoalescedRun(gated.work);
    const first = run.run();
    const second = run.run();
    await tick();
    gated.release();
    await expect(first).rejects.toThrow('the database went away');
    await tick();
    gated.release();
    expect(await second).toBe(2);
  });
});
