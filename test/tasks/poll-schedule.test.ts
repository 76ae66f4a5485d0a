// The poll schedule: the adapter's pace backed off (by polls or by age, whichever is further) to 15 s while a task is young, the cap growing with
// the task's age (a quarter of its wait so far) up to 60 s, a channel's fixed pace kept as it is.

import { expect, it } from 'vitest';
import { nominalPollDelayMs, OLD_CAP_MS, pollCapMs, pollDelayMs, YOUNG_CAP_MS } from '../../src/tasks/poll-schedule.ts';

const BFL = { baseMs: 500 };
const S = 1_000;

it('backs off from the adapter pace ×1.3 a poll to 15 s while the task is young', () => {
  expect(nominalPollDelayMs(BFL, 0, 0)).toBe(500);
  expect(nominalPollDelayMs(BFL, 1, 1 * S)).toBeCloseTo(650);
  expect(nominalPollDelayMs(BFL, 5, 5 * S)).toBeCloseTo(500 * 1.3 ** 5);
  expect(nominalPollDelayMs(BFL, 30, 40 * S)).toBe(YOUNG_CAP_MS);
  expect(nominalPollDelayMs(BFL, 30, 60 * S)).toBe(YOUNG_CAP_MS);
});

it('lets an old task wait a quarter of its age, up to 60 s', () => {
  expect(nominalPollDelayMs(BFL, 30, 2 * 60 * S)).toBe(30 * S);
  expect(nominalPollDelayMs(BFL, 30, 4 * 60 * S)).toBe(OLD_CAP_MS);
  expect(nominalPollDelayMs(BFL, 30, 30 * 60 * S)).toBe(OLD_CAP_MS);
});

it('backs off by age as well as by polls: a task that waited behind a backlog does not keep short waits', () => {
  // Three polls in ten minutes (a backlog held it back): it waits by its age, not 500 ms × 1.3³.
  expect(nominalPollDelayMs(BFL, 3, 10 * 60 * S)).toBe(OLD_CAP_MS);
  // Never polled, 20 s old: a quarter of its age.
  expect(nominalPollDelayMs(BFL, 0, 20 * S)).toBe(5 * S);
  // Polls further along than the age: the backoff's wait.
  expect(nominalPollDelayMs(BFL, 10, 4 * S)).toBeCloseTo(500 * 1.3 ** 10);
});

it('never lets the cap fall below an adapter pace that is slower than 15 s', () => {
  expect(pollCapMs(20 * S, 0)).toBe(20 * S);
  expect(nominalPollDelayMs({ baseMs: 90 * S }, 10, 10 * 60 * S)).toBe(90 * S);
});

it('grows with age and never shrinks', () => {
  let last = 0;
  for (let age = 0; age <= 20 * 60 * S; age += 5 * S) {
    const cap = pollCapMs(500, age);
    expect(cap).toBeGreaterThanOrEqual(last);
    last = cap;
  }
});

it('keeps a channel fixed pace without backoff or jitter, however old the task', () => {
  expect(pollDelayMs({ baseMs: 500, fixedMs: 250 }, 40, 9 * 60 * S, 0.99)).toBe(250);
});

it('jitters ±20 % around the nominal wait', () => {
  const nominal = nominalPollDelayMs(BFL, 30, 4 * 60 * S);
  expect(pollDelayMs(BFL, 30, 4 * 60 * S, 0)).toBe(Math.round(nominal * 0.8));
  expect(pollDelayMs(BFL, 30, 4 * 60 * S, 1)).toBe(Math.round(nominal * 1.2));
});
