import type { Report } from './scenario-kit.ts';

/** The longest the lab stays silent while a scenario runs: CI logs must show it is alive. */
export const HEARTBEAT_MS = 20_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;

export interface LiveReport extends Report {
  /** The report's lines and checks, for the summary after the scenario. */
  readonly lines: readonly string[];
  readonly passed: boolean;
  /** Stops the heartbeat. */
  close(): void;
}

/**
 * A scenario's report, printed as it happens: each step, line and check with the time since the
 * scenario started, and a heartbeat naming the current step when nothing was printed for
 * HEARTBEAT_MS. The summary after the scenario repeats the lines and checks.
 */
export function liveReport(
  name: string,
  write: (text: string) => void,
  heartbeatMs = HEARTBEAT_MS,
): LiveReport {
  const started = Date.now();
  let printedAt = started;
  let current = 'starting';
  let passed = true;
  const lines: string[] = [];
  const print = (text: string) => {
    printedAt = Date.now();
    write(`  [${seconds(printedAt - started)}] ${name}: ${text}\n`);
  };
  const heartbeat = setInterval(
    () => {
      if (Date.now() - printedAt >= heartbeatMs) print(`… still ${current}`);
    },
    Math.min(1000, heartbeatMs / 2),
  );
  heartbeat.unref();
  print('starting');
  return {
    lines,
    get passed() {
      return passed;
    },
    step(text) {
      current = text;
      print(text);
    },
    line(text) {
      lines.push(text);
      print(text.trimStart());
    },
    expect(ok, what) {
      lines.push(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
      if (!ok) passed = false;
      print(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    },
    close() {
      clearInterval(heartbeat);
    },
  };
}
