// The lab's keys and its live report: the pure parts of the interactive view and of the progress
// lines. The view itself and the tour run against real keepalived in test/lab.test.ts (--tour).
import { describe, expect, it } from 'vitest';
import { actionFor, KEYS, legend } from '../../lab/live.ts';
import { liveReport } from '../../lab/progress.ts';

describe('the live view’s keys', () => {
  it('every key in the legend dispatches its action, and the legend names them all', () => {
    const text = legend(true);
    for (const entry of KEYS) {
      expect(actionFor(entry.key)).toBe(entry.action);
      expect(text).toContain(`${entry.key} ${entry.help}`);
    }
    expect(new Set(KEYS.map((entry) => entry.key)).size).toBe(KEYS.length);
  });

  it('covers what the issue asks: kill/restore the app, SIGKILL/restart keepalived, partition/heal, cycle the view', () => {
    const actions = new Set(KEYS.map((entry) => entry.action));
    for (const action of [
      'kill-app',
      'restore',
      'kill-keepalived',
      'partition',
      'cycle-view',
      'tour',
      'quit',
    ] as const)
      expect(actions.has(action)).toBe(true);
  });

  it('Ctrl-C quits in raw mode, Tab selects the next, other keys do nothing', () => {
    expect(actionFor('\u0003')).toBe('quit');
    expect(actionFor('\t')).toBe('next');
    expect(actionFor('z')).toBeUndefined();
    expect(legend(false)).toMatch(/keys are off/);
  });
});

describe('a scenario’s live report', () => {
  it('prints steps, lines and checks at once with the elapsed time, and keeps the checks for the summary', () => {
    const printed: string[] = [];
    const report = liveReport('demo', (text) => printed.push(text));
    report.step('doing a thing');
    report.line('  found 3');
    report.expect(true, 'it held');
    report.expect(false, 'it broke');
    report.close();
    expect(printed.map((text) => text.replace(/\[ *\d+\.\d s\]/, '[t]'))).toEqual([
      '  [t] demo: starting\n',
      '  [t] demo: doing a thing\n',
      '  [t] demo: found 3\n',
      '  [t] demo: ok   it held\n',
      '  [t] demo: FAIL it broke\n',
    ]);
    expect(report.lines).toEqual(['  found 3', '  ok   it held', '  FAIL it broke']);
    expect(report.passed).toBe(false);
  });

  it('says it is still on its step when nothing was printed for the heartbeat', async () => {
    const printed: string[] = [];
    const report = liveReport('demo', (text) => printed.push(text), 40);
    report.step('waiting for an alert');
    await new Promise((resolve) => setTimeout(resolve, 200));
    report.close();
    expect(printed.some((text) => text.endsWith('demo: … still waiting for an alert\n'))).toBe(true);
  });
});
