import { type ChildProcess, spawn } from 'node:child_process';
import { processStart } from '../../lab/owner.ts';

/** A Node process that sleeps until killed; the caller kills it. */
export function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 900_000)'], { stdio: 'ignore' });
}

/** The PID and start time of a process that ran and is gone: an owner that no longer exists. */
export async function goneProcess(): Promise<{ pid: number; started: string }> {
  const child = sleeper();
  const pid = child.pid ?? 0;
  let started: string | undefined;
  for (let tries = 0; started === undefined && tries < 100; tries += 1) {
    started = processStart(pid);
    if (started === undefined) await new Promise((done) => setTimeout(done, 10));
  }
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
  return { pid, started: started ?? '' };
}
