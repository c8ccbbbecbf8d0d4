// expectAlertWhileQuiet, the step the blackhole, partition and all-fail scenarios share, against a
// fake Lab: what it records, in which order, with the alert fired and not. No lab needed.
import { describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/lab.ts';
import { expectAlertWhileQuiet, type Report } from '../../lab/scenario-kit.ts';

function recordingReport(): { report: Report; lines: string[] } {
  const lines: string[] = [];
  const report: Report = {
    step: (text) => lines.push(`step ${text}`),
    line: (text) => lines.push(`line ${text}`),
    expect: (ok, what) => lines.push(`${ok ? 'ok' : 'FAIL'} ${what}`),
  };
  return { report, lines };
}

function fakeLab(firing: readonly string[], waited: number | undefined): Lab {
  return {
    firing: async () => [...firing],
    waitForAlert: async (alert: string) => {
      if (waited === undefined) throw new Error(`${alert} did not fire`);
      return waited;
    },
  } as unknown as Lab;
}

describe('expectAlertWhileQuiet', () => {
  it('runs the cause, then records the quiet alerts and when the alert fired', async () => {
    const { report, lines } = recordingReport();
    await expectAlertWhileQuiet(
      fakeLab(['VIPUnreachable'], 61.4),
      report,
      { alert: 'VIPUnreachable', withinMs: 150_000, since: 'the drop' },
      ['VIPSplitBrain', 'VIPNoMaster'],
      async () => report.step('waiting for VIPUnreachable'),
    );
    expect(lines).toEqual([
      'step waiting for VIPUnreachable',
      'ok VIPSplitBrain did not fire',
      'ok VIPNoMaster did not fire',
      'ok VIPUnreachable fired 61 s after the drop',
    ]);
  });

  it('fails the scenario when the alert does not fire, or a quiet one does', async () => {
    const { report, lines } = recordingReport();
    await expectAlertWhileQuiet(
      fakeLab(['VIPNoMaster'], undefined),
      report,
      { alert: 'VIPSplitBrain', withinMs: 90_000, since: 'the partition' },
      ['VIPNoMaster'],
    );
    expect(lines).toEqual(['FAIL VIPNoMaster did not fire', 'FAIL VIPSplitBrain did not fire within 90 s']);
  });
});
