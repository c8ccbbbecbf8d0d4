import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  claimLab,
  isRunning,
  processStart,
  readOwner,
  releaseDeadOwner,
  releaseLab,
} from '../../lab/owner.ts';
import { goneProcess, sleeper as startSleeper } from '../support/processes.ts';

/**
 * The lab's owner file, on real processes: a live owner keeps the lab, a dead one or a reused PID
 * gives it up, so a lab left behind by a killed run no longer blocks the next one (CI included).
 */
const dir = mkdtempSync(join(tmpdir(), 'ipft-owner-'));
const file = join(dir, 'owner');
const children: ChildProcess[] = [];

function sleeper(): ChildProcess {
  const child = startSleeper();
  children.push(child);
  return child;
}

afterEach(() => rmSync(file, { force: true }));
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the lab owner file', () => {
  it('is claimed when nobody holds it, with this process and its start time', () => {
    expect(claimLab(file)).toEqual({ claimed: true, previous: undefined });
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid} ${processStart(process.pid)}\n`);
    expect(isRunning(readOwner(file) ?? { pid: 0, started: '' })).toBe(true);
  });

  it('is refused while its owner runs, and names the owner', async () => {
    const child = sleeper();
    await new Promise((done) => setTimeout(done, 50));
    const owner = { pid: child.pid ?? 0, started: processStart(child.pid ?? 0) ?? '' };
    writeFileSync(file, `${owner.pid} ${owner.started}\n`);
    expect(claimLab(file)).toEqual({ claimed: false, owner });
    releaseLab(file);
    releaseDeadOwner(file);
    expect(existsSync(file), 'neither release touches a live owner').toBe(true);
  });

  it('is taken over from an owner that is gone, and reports it', async () => {
    const gone = await goneProcess();
    writeFileSync(file, `${gone.pid} ${gone.started}\n`);
    expect(claimLab(file)).toEqual({ claimed: true, previous: gone });
    expect(readOwner(file)?.pid).toBe(process.pid);
  });

  it('is taken over when the PID runs again but is another process (another start time)', () => {
    writeFileSync(file, `${process.pid} 1\n`);
    expect(claimLab(file)).toMatchObject({ claimed: true, previous: { pid: process.pid, started: '1' } });
    expect(readOwner(file)?.started).toBe(processStart(process.pid));
  });

  it('is taken over when it holds garbage, and garbage never reads as an owner', () => {
    writeFileSync(file, 'x'.repeat(10_000));
    expect(readOwner(file)).toBeUndefined();
    expect(claimLab(file)).toEqual({ claimed: true, previous: undefined });
  });

  it('reads a FIFO in its place as no owner, without blocking', () => {
    execFileSync('mkfifo', [file]);
    expect(readOwner(file)).toBeUndefined();
  });

  it('is released by its owner and by --cleanup once the owner is gone', async () => {
    claimLab(file);
    releaseLab(file);
    expect(existsSync(file)).toBe(false);
    const gone = await goneProcess();
    writeFileSync(file, `${gone.pid} ${gone.started}\n`);
    releaseDeadOwner(file);
    expect(existsSync(file)).toBe(false);
  });
});
