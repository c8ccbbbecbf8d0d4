import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { FileProblem, openRegularFile, readRegularText } from '../../core/bounded-file.ts';
import { describeError } from '../../core/errors.ts';
import { oneLine } from '../../core/probe.ts';
import { parseKeyedState } from '../../core/records.ts';
import { writeFileAtomic } from '../../core/report.ts';
import type { ApiAccess } from '../externalip/access.ts';

/**
 * Node maintenance: while the node is in maintenance the prober fails every check, so that keepalived
 * puts each instance into FAULT (priority 0) and the backups take the VIPs after their skew time.
 *
 * Three sources, in this order: the file IPF_MAINTENANCE_FILE (for places without the API), the label
 * `ipfailover-toolkit/maintenance=true` on the prober's own Node (IPF_MAINTENANCE_LABEL=true), and its
 * cordon, spec.unschedulable (IPF_FOLLOW_CORDON=true).
 *
 * The Node is read in the background, every IPF_MAINTENANCE_REFRESH_S, with a deadline; a probe only
 * looks at the last answer, so it never waits on the API. The answer is kept in IPF_STATE_DIR so that a
 * prober restart keeps it. An API that cannot be asked never starts a maintenance (with no answer yet
 * the node is not in maintenance), and never ends one early: the last answer holds for up to
 * IPF_MAINTENANCE_MAX_AGE_S. Past that the API-derived maintenance lapses: an outage hits every node at
 * once, and it must not keep VIPs off nodes indefinitely on an old word, nor ever take them all down.
 */
const MAINTENANCE_LABEL = 'ipfailover-toolkit/maintenance';
const MAINTENANCE_LABEL_VALUE = 'true';

export const MAINTENANCE_STATE_FILE = 'maintenance-node.json';
/** The state file holds a few hundred bytes; a larger one is not one the prober wrote. */
const STATE_MAX_BYTES = 64 * 1024;
/** The most one read of the Node may take; a slower API counts as unreachable for that round. */
const NODE_READ_DEADLINE_MS = 5000;

export interface NodeReading {
  readonly label: boolean;
  readonly cordoned: boolean;
  /** Epoch milliseconds of the API's answer. */
  readonly fetchedAt: number;
}

export interface MaintenanceOptions {
  /** IPF_MAINTENANCE_FILE. */
  readonly file: string | undefined;
  /** Set when the Node is read (IPF_MAINTENANCE_LABEL or IPF_FOLLOW_CORDON). */
  readonly api:
    | {
        readonly nodeName: string;
        /** Called before each read: the in-cluster token is rotated in place by the kubelet. */
        readonly access: () => ApiAccess;
        readonly label: boolean;
        readonly followCordon: boolean;
      }
    | undefined;
  /** IPF_MAINTENANCE_REFRESH_S: how often the Node is read and the file looked at for the log. */
  readonly refreshMs: number;
  /** IPF_MAINTENANCE_MAX_AGE_S: how long the API's last answer is trusted while it cannot be asked. */
  readonly maxAgeMs: number;
  readonly stateDir: string;
  readonly log: (line: string) => void;
  /** Epoch milliseconds; a parameter for the tests. */
  readonly now?: () => number;
}

export interface Maintenance {
  /** The reason every check fails now, or undefined when the node is not in maintenance. Never waits. */
  reason(): string | undefined;
  /** Reads the Node at once, then every refresh; and logs each change of the reason. */
  start(): void;
  close(): void;
}

/**
 * The file switch: present is maintenance, absent is not. Its content is ignored, so `touch` is the
 * whole runbook and no content can turn it off by mistake. It is opened non-blocking and only fstat'd,
 * never read: a FIFO cannot block, /dev/zero cannot be read for ever. Something that is there but is
 * not a regular file, or cannot be opened, still counts as maintenance: someone put it at that path,
 * and maintenance is a failing check, which is the closed way to fail. Only "not there" (ENOENT,
 * ENOTDIR, a dangling symlink) is no maintenance.
 */
function fileReason(path: string): string | undefined {
  let fd: number;
  try {
    fd = openRegularFile(path).fd;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    const problem =
      error instanceof FileProblem
        ? error.message
        : `${path}, which cannot be opened: ${describeError(error)}`;
    return `node in maintenance (file ${oneLine(problem)}; IPF_MAINTENANCE_FILE)`;
  }
  closeSync(fd);
  return `node in maintenance (file ${path})`;
}

function stateKey(server: string, nodeName: string): string {
  return JSON.stringify([server, nodeName]);
}

/** A state file this prober wrote for the same API and Node, or nothing. */
function parseNodeReading(text: string, key: string): NodeReading | undefined {
  const state = parseKeyedState(text, key);
  if (state && typeof state.label === 'boolean' && typeof state.cordoned === 'boolean')
    return { label: state.label, cordoned: state.cordoned, fetchedAt: state.fetchedAt as number };
  return undefined;
}

function readStateFile(path: string, key: string): NodeReading | undefined {
  try {
    return parseNodeReading(readRegularText(path, STATE_MAX_BYTES), key);
  } catch {
    // Absent, a FIFO, a directory, too large: no state, so not in maintenance until the API answers.
    return undefined;
  }
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export function createMaintenance(options: MaintenanceOptions): Maintenance {
  const now = options.now ?? Date.now;
  const { api } = options;
  const statePath = join(options.stateDir, MAINTENANCE_STATE_FILE);
  let key: string | undefined;
  let known: NodeReading | undefined;
  /** Why the last read failed; undefined after an answer. */
  let problem: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: AbortController | undefined;
  let closed = false;
  let logged: string | undefined;

  const keyOf = (access: ApiAccess) => stateKey(access.server.href, api?.nodeName ?? '');

  if (api) {
    try {
      key = keyOf(api.access());
      known = readStateFile(statePath, key);
    } catch {
      // The access is checked at start; a token gone since then is the first read's problem.
    }
  }

  /** The API's word, while it is fresh enough; undefined past IPF_MAINTENANCE_MAX_AGE_S. */
  const trusted = (): { reading: NodeReading; ageMs: number } | undefined => {
    if (!api || !known) return undefined;
    const ageMs = now() - known.fetchedAt;
    // A reading from the future (the clock went back) has no known age: not trusted.
    if (ageMs < 0 || ageMs > options.maxAgeMs) return undefined;
    return { reading: known, ageMs };
  };

  const apiReason = (): string | undefined => {
    const current = trusted();
    if (!api || !current) return undefined;
    let source: string;
    if (api.label && current.reading.label) source = `label ${MAINTENANCE_LABEL}=${MAINTENANCE_LABEL_VALUE}`;
    else if (api.followCordon && current.reading.cordoned)
      source = 'cordon: spec.unschedulable, IPF_FOLLOW_CORDON=true';
    else return undefined;
    const reason = `node in maintenance (${source})`;
    if (problem === undefined) return reason;
    return `${reason}, as the API said ${seconds(current.ageMs)} ago (trusted up to IPF_MAINTENANCE_MAX_AGE_S=${seconds(options.maxAgeMs)}); it fails now: ${problem}`;
  };

  const reason = (): string | undefined =>
    (options.file === undefined ? undefined : fileReason(options.file)) ?? apiReason();

  /** One line per change of the outcome, not per read: the log tells when the VIPs were told to leave. */
  const logChange = () => {
    const current = reason();
    // The age in the text changes at every read; the line is logged when the source changes.
    const head = current?.replace(/, as the API said .*$/, '');
    if (head === logged) return;
    const before = logged;
    logged = head;
    if (current !== undefined) {
      options.log(`prober: ${current}: every check fails, so keepalived resigns its VIPs`);
    } else if (before !== undefined) {
      const lapsed = api && known && !trusted();
      options.log(
        lapsed
          ? `prober: maintenance ends: the last answer of the API is older than IPF_MAINTENANCE_MAX_AGE_S=${seconds(options.maxAgeMs)} (${problem ?? 'no answer since'}); the checks run again`
          : 'prober: node out of maintenance: the checks run again',
      );
    }
  };

  const read = async () => {
    if (!api) return;
    const controller = new AbortController();
    inFlight = controller;
    const deadline = Math.min(NODE_READ_DEADLINE_MS, options.refreshMs);
    const timeout = setTimeout(
      () => controller.abort(new Error(`no answer within ${deadline} ms`)),
      deadline,
    );
    try {
      const access = api.access();
      const { fetchNode } = await import('../externalip/kube-api.ts');
      const node = await fetchNode(access, api.nodeName, controller.signal);
      if (closed) return;
      known = {
        label: node.labels[MAINTENANCE_LABEL] === MAINTENANCE_LABEL_VALUE,
        cordoned: node.unschedulable,
        fetchedAt: now(),
      };
      key = keyOf(access);
      problem = undefined;
      try {
        writeFileAtomic(statePath, JSON.stringify({ version: 1, key, ...known }));
      } catch (error) {
        // The state only outlives a restart: its loss costs nothing while the prober runs.
        options.log(`prober: cannot write ${statePath}: ${describeError(error)}`);
      }
    } catch (error) {
      const next = oneLine(describeError(error));
      if (next !== problem) {
        const held = trusted();
        options.log(
          `prober: cannot read Node ${api.nodeName}: ${next}; ${held ? `keeping its state of ${seconds(held.ageMs)} ago` : 'no usable state, so not in maintenance by the API'}`,
        );
      }
      problem = next;
    } finally {
      clearTimeout(timeout);
      inFlight = undefined;
    }
  };

  const tick = async () => {
    try {
      await read();
      logChange();
    } catch (error) {
      options.log(`prober: internal error reading the maintenance state: ${describeError(error)}`);
    }
    if (closed) return;
    timer = setTimeout(tick, options.refreshMs);
    timer.unref();
  };

  return {
    reason,
    start() {
      if (api === undefined && options.file === undefined) return;
      void tick();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      inFlight?.abort(new Error('the prober is closing'));
    },
  };
}
