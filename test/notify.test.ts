import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Env } from '../core/settings.ts';
import { NODE_PATTERN, parseTransition, SPOOL_FILE } from '../core/transition.ts';
import { inlineIncludes } from '../scripts/shell-includes.mjs';
import { isolatedEnv, temporaryDirectory } from './support/harness.ts';

const hook = resolve('notify/notify.sh');
/** keepalived's scripts inherit a minimal environment; the tests add only the hook's own variables. */
const minimalPath = '/usr/bin:/bin';
const keyOrder = ['ts', 'node', 'type', 'name', 'state', 'priority'];

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Runs the hook as keepalived does: execve of the script, the arguments, and this environment only. */
function runHook(args: string[], env: Env, cwd?: string): Promise<Exit> {
  return collect(spawn(hook, args, { env: { PATH: minimalPath, ...env }, cwd }));
}

function spoolOf(env: { IPF_STATE_DIR: string }): string {
  return join(env.IPF_STATE_DIR, SPOOL_FILE);
}

function read(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The spool's lines; the file must end with a newline (a torn last line would not). */
function spoolLines(env: { IPF_STATE_DIR: string }): string[] {
  const text = read(spoolOf(env));
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

const tsText = /^\{"ts":(\d+\.\d{6}),/;

interface ValidCase {
  args: string[];
  node?: string;
  expected: { type: string; name: string; state: string; priority: number | null };
}

const longName = `${'n'.repeat(127)}:`;
const longNode = 'w'.repeat(253);

const valid: ValidCase[] = [
  {
    args: ['INSTANCE', 'web_VIP_1', 'MASTER', '250'],
    expected: { type: 'INSTANCE', name: 'web_VIP_1', state: 'MASTER', priority: 250 },
  },
  {
    args: ['INSTANCE', 'web_VIP_2', 'BACKUP', '100'],
    expected: { type: 'INSTANCE', name: 'web_VIP_2', state: 'BACKUP', priority: 100 },
  },
  {
    args: ['INSTANCE', 'a.b:c-d_9', 'FAULT', '0'],
    expected: { type: 'INSTANCE', name: 'a.b:c-d_9', state: 'FAULT', priority: 0 },
  },
  {
    args: ['INSTANCE', 'web_VIP_1', 'STOP', '255'],
    expected: { type: 'INSTANCE', name: 'web_VIP_1', state: 'STOP', priority: 255 },
  },
  {
    args: ['INSTANCE', 'web_VIP_1', 'DELETED', '7'],
    expected: { type: 'INSTANCE', name: 'web_VIP_1', state: 'DELETED', priority: 7 },
  },
  {
    args: ['GROUP', 'web_group', 'MASTER', '19'],
    expected: { type: 'GROUP', name: 'web_group', state: 'MASTER', priority: 19 },
  },
  {
    args: ['GROUP', 'web_group', 'DELETED'],
    expected: { type: 'GROUP', name: 'web_group', state: 'DELETED', priority: null },
  },
  {
    args: ['INSTANCE', 'web_VIP_1', 'BACKUP'],
    expected: { type: 'INSTANCE', name: 'web_VIP_1', state: 'BACKUP', priority: null },
  },
  {
    args: ['INSTANCE', longName, 'MASTER', '1'],
    node: longNode,
    expected: { type: 'INSTANCE', name: longName, state: 'MASTER', priority: 1 },
  },
];

describe('notify.sh, valid calls', () => {
  it.each(valid)(
    '$args appends exactly one line with the keys in order',
    async ({ args, node, expected }) => {
      const env = isolatedEnv({ NODE_NAME: node ?? 'worker-1.example.com' });
      const before = Date.now() / 1000;
      const result = await runHook(args, env);
      const after = Date.now() / 1000;
      expect(result).toEqual({ code: 0, stdout: '', stderr: '' });

      const lines = spoolLines(env);
      expect(lines).toHaveLength(1);
      const raw = lines[0] ?? '';
      const ts = tsText.exec(raw)?.[1];
      expect(ts, raw).toBeDefined();
      const { type, name, state, priority } = expected;
      expect(raw).toBe(
        `{"ts":${ts},"node":"${node ?? 'worker-1.example.com'}","type":"${type}","name":"${name}",` +
          `"state":"${state}","priority":${priority}}`,
      );
      expect(Object.keys(JSON.parse(raw))).toEqual(keyOrder);
      const transition = parseTransition(raw);
      expect(transition).toEqual({ ts: Number(ts), node: node ?? 'worker-1.example.com', ...expected });
      // The hook's own clock, in epoch seconds with microseconds.
      expect(transition?.ts).toBeGreaterThanOrEqual(before - 0.01);
      expect(transition?.ts).toBeLessThanOrEqual(after + 0.01);
    },
  );

  it('appends to an existing spool and keeps what is there', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    writeFileSync(spoolOf(env), 'earlier line\n');
    expect((await runHook(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env)).code).toBe(0);
    const lines = spoolLines(env);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('earlier line');
    expect(parseTransition(lines[1] ?? '')).toMatchObject({ name: 'web_VIP_1', state: 'MASTER' });
  });

  it('takes the node from bash’s HOSTNAME when NODE_NAME is unset or empty', async () => {
    // Only meaningful where this machine's name is a valid node name (it is on any Kubernetes node).
    expect(hostname()).toMatch(NODE_PATTERN);
    for (const extra of [{}, { NODE_NAME: '' }]) {
      const env = isolatedEnv(extra);
      expect((await runHook(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env)).code).toBe(0);
      expect(parseTransition(spoolLines(env)[0] ?? '')?.node).toBe(hostname());
    }
  });
});

interface MalformedCase {
  what: string;
  args: string[];
  node?: string;
  says: RegExp;
}

/**
 * The valid call INSTANCE web MASTER 250 (NODE_NAME worker-1) with one field wrong, and what the message
 * says of it: `<field>: expected …, got <got>` (`got` a regular expression's source).
 */
function oneWrong(
  what: string,
  field: 'type' | 'name' | 'state' | 'priority' | 'NODE_NAME',
  value: string,
  got: string,
): MalformedCase {
  const says = new RegExp(`${field}: expected .*, got ${got}$`);
  const call = { type: 'INSTANCE', name: 'web', state: 'MASTER', priority: '250' };
  if (field === 'NODE_NAME') return { what, args: Object.values(call), node: value, says };
  return { what, args: Object.values({ ...call, [field]: value }), says };
}

const malformed: MalformedCase[] = [
  { what: 'no arguments', args: [], says: /expected 3 or 4 arguments \(INSTANCE\|GROUP .*\), got 0$/ },
  { what: 'one argument', args: ['INSTANCE'], says: /expected 3 or 4 arguments .*, got 1: 'INSTANCE'$/ },
  {
    what: 'two arguments',
    args: ['INSTANCE', 'web'],
    says: /expected 3 or 4 arguments .*, got 2: 'INSTANCE' 'web'$/,
  },
  {
    what: 'five arguments',
    args: ['INSTANCE', 'web', 'MASTER', '250', 'extra'],
    says: /expected 3 or 4 arguments .*, got 5: /,
  },
  {
    what: 'a lowercase state (as the docs show)',
    args: ['INSTANCE', 'web', 'master', '250'],
    says: /state: expected MASTER, BACKUP, FAULT, STOP or DELETED, got 'master'$/,
  },
  oneWrong('an unknown state', 'state', 'INIT', "'INIT'"),
  {
    what: 'a lowercase type',
    args: ['instance', 'web', 'MASTER', '250'],
    says: /type: expected INSTANCE or GROUP, got 'instance'$/,
  },
  oneWrong('an unknown type', 'type', 'VRRP', "'VRRP'"),
  {
    what: 'a name with a quote',
    args: ['INSTANCE', 'we"b', 'MASTER', '250'],
    says: /name: expected 1 to 128 of the characters A-Z a-z 0-9 _ \. : -, got 'we"b'$/,
  },
  oneWrong('a name with a space', 'name', 'we b', "'we b'"),
  oneWrong('a name that closes the JSON object', 'name', 'x"}', `'x"}'`),
  oneWrong(
    'a name with a newline (the message stays one line)',
    'name',
    'web\n{"ts":1}',
    String.raw`\$'web\\n\{"ts":1\}'`,
  ),
  oneWrong('an empty name', 'name', '', "''"),
  oneWrong(
    'a name of 129 characters',
    'name',
    'n'.repeat(129),
    String.raw`'n{100}'\.\.\. \(129 characters\)`,
  ),
  oneWrong('a name with a non-ASCII letter', 'name', 'wéb', '.*'),
  {
    what: 'priority 256',
    args: ['INSTANCE', 'web', 'MASTER', '256'],
    says: /priority: expected a whole number from 0 to 255 without leading zeros, got '256'$/,
  },
  oneWrong('priority -1', 'priority', '-1', "'-1'"),
  oneWrong('priority 1e2', 'priority', '1e2', "'1e2'"),
  oneWrong('priority 050', 'priority', '050', "'050'"),
  oneWrong('an empty priority', 'priority', '', "''"),
  {
    what: 'a NODE_NAME with a quote',
    args: ['INSTANCE', 'web', 'MASTER', '250'],
    node: 'worker"-1',
    says: /NODE_NAME: expected 1 to 253 of the characters A-Z a-z 0-9 _ \. -, got 'worker"-1'$/,
  },
  oneWrong('a NODE_NAME with a colon', 'NODE_NAME', 'worker:1', "'worker:1'"),
  {
    what: 'several problems at once, all named on one line',
    args: ['INSTANCE', 'we b', 'master', '256'],
    says: /name: .*got 'we b'; state: .*got 'master'; priority: .*got '256'$/,
  },
];

describe('notify.sh, malformed calls', () => {
  it.each(malformed)('$what: exit 2, one stderr line, nothing appended', async ({ args, node, says }) => {
    const env = isolatedEnv({ NODE_NAME: node ?? 'worker-1' });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    writeFileSync(spoolOf(env), 'earlier line\n');
    const result = await runHook(args, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^notify\.sh: [^\n]+\n$/);
    const line = result.stderr.trimEnd();
    expect(line).toMatch(says);
    expect(read(spoolOf(env))).toBe('earlier line\n');
    // The same line, with the time, in IPF_LOG_TO.
    expect(read(env.IPF_LOG_TO)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
    expect(read(env.IPF_LOG_TO).slice(21)).toBe(`${line}\n`);
  });

  it('creates no state directory for a malformed call', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    expect((await runHook(['INSTANCE', 'web', 'master'], env)).code).toBe(2);
    expect(existsSync(env.IPF_STATE_DIR)).toBe(false);
  });
});

describe('notify.sh, the log line', () => {
  it('goes to IPF_LOG_TO with the UTC time of the transition', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1', TZ: 'America/New_York' });
    expect((await runHook(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env)).code).toBe(0);
    expect((await runHook(['GROUP', 'web_group', 'BACKUP'], env)).code).toBe(0);
    const log = read(env.IPF_LOG_TO).split('\n');
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ notify\.sh: web_VIP_1 -> MASTER \(priority 250\)$/,
    );
    expect(log[1]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ notify\.sh: web_group -> BACKUP \(priority none\)$/,
    );
    // The log's time is the transition's ts, in UTC whatever TZ the pod has.
    const ts = parseTransition(spoolLines(env)[0] ?? '')?.ts ?? 0;
    expect(Date.parse(log[0]?.slice(0, 20) ?? '') / 1000).toBe(Math.floor(ts));
  });

  it('IPF_LOG_TO=none writes no log anywhere', async () => {
    const cwd = temporaryDirectory();
    const env = isolatedEnv({ NODE_NAME: 'worker-1', IPF_LOG_TO: 'none' });
    const ok = await runHook(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env, cwd);
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = await runHook(['INSTANCE', 'web_VIP_1', 'master', '250'], env, cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^notify\.sh: state: [^\n]+\n$/);
    expect(readdirSync(cwd)).toEqual([]);
    expect(spoolLines(env)).toHaveLength(1);
  });

  it('an unwritable IPF_LOG_TO is reported and changes nothing else', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    env.IPF_LOG_TO = join(env.IPF_LOG_TO, 'no', 'such', 'dir');
    const result = await runHook(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`notify.sh: cannot append to IPF_LOG_TO ${env.IPF_LOG_TO}\n`);
    expect(spoolLines(env)).toHaveLength(1);
  });
});

/** A hook still running after this has hung (keepalived would never reap it): killed, and the test fails. */
const HUNG_MS = 5000;
/** What "at once" means for a hook that must not wait: bash's start-up on a loaded machine, many times over. */
const AT_ONCE_MS = 2000;

/** runHook, but a hook that hangs is killed at HUNG_MS instead of hanging the suite. */
async function runHookGuarded(args: string[], env: Env): Promise<Exit & { elapsedMs: number }> {
  const started = Date.now();
  const child = spawn(hook, args, { env: { PATH: minimalPath, ...env } });
  const timer = setTimeout(() => child.kill('SIGKILL'), HUNG_MS);
  const result = await collect(child);
  clearTimeout(timer);
  return { ...result, elapsedMs: Date.now() - started };
}

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

describe('notify.sh, a log target that could block', () => {
  it('IPF_LOG_TO a FIFO with no reader: exit 0 at once, and the spool line is there', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    fifo(env.IPF_LOG_TO);
    const result = await runHookGuarded(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(result.elapsedMs).toBeLessThan(AT_ONCE_MS);
    expect(parseTransition(spoolLines(env)[0] ?? '')).toMatchObject({ name: 'web_VIP_1', state: 'MASTER' });
  });

  it('IPF_LOG_TO a FIFO with no reader: a malformed call still exits 2 at once', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    fifo(env.IPF_LOG_TO);
    const result = await runHookGuarded(['INSTANCE', 'web_VIP_1', 'master', '250'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^notify\.sh: state: [^\n]+\n$/);
    expect(result.elapsedMs).toBeLessThan(AT_ONCE_MS);
  });

  it('IPF_LOG_TO a FIFO with a reader: the reader gets the line', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    fifo(env.IPF_LOG_TO);
    // Non-blocking, so that this reader is there before the hook runs and the test never waits on it.
    const reader = openSync(env.IPF_LOG_TO, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const result = await runHookGuarded(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
      expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const buffer = Buffer.alloc(4096);
      const text = buffer.subarray(0, readSync(reader, buffer)).toString('utf8');
      expect(text).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ notify\.sh: web_VIP_1 -> MASTER \(priority 250\)\n$/,
      );
    } finally {
      closeSync(reader);
    }
    expect(spoolLines(env)).toHaveLength(1);
  });

  it('IPF_LOG_TO a pipe, as /proc/1/fd/2 is under a container runtime: its reader gets the line', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    // Standing in for PID 1 and the runtime that reads its stderr: a process whose fd 2 is a real pipe
    // (pipe(2), from the process substitution) read by cat, which passes it on to this test. Node's own
    // `stdio: 'pipe'` would not do: it is a socket pair.
    const pid1 = spawn('bash', ['-c', 'exec 2> >(exec cat >&2); echo "$$"; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let pid = '';
      let received = '';
      pid1.stdout?.on('data', (chunk) => (pid += chunk));
      pid1.stderr?.on('data', (chunk) => (received += chunk));
      await expect.poll(() => pid).toMatch(/^\d+\n$/);
      env.IPF_LOG_TO = `/proc/${pid.trim()}/fd/2`;
      const result = await runHookGuarded(['GROUP', 'web_group', 'BACKUP'], env);
      expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
      await expect.poll(() => received).toMatch(/ notify\.sh: web_group -> BACKUP \(priority none\)\n$/);
    } finally {
      pid1.kill('SIGKILL');
    }
  });

  it.each([
    ['a directory', (env: { IPF_LOG_TO: string }) => mkdirSync(env.IPF_LOG_TO)],
    [
      'a device whose writes fail (/dev/full)',
      (env: { IPF_LOG_TO: string }) => symlinkSync('/dev/full', env.IPF_LOG_TO),
    ],
  ])('IPF_LOG_TO %s is reported and changes neither the exit code nor the spool line', async (_, make) => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    make(env);
    const result = await runHookGuarded(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`notify.sh: cannot append to IPF_LOG_TO ${env.IPF_LOG_TO}\n`);
    expect(parseTransition(spoolLines(env)[0] ?? '')).toMatchObject({ name: 'web_VIP_1', state: 'MASTER' });
  });
});

describe('notify.sh, a spool that is not a regular file', () => {
  it('a FIFO: exit 1 at once with the reason, without waiting for a reader', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    fifo(spoolOf(env));
    const result = await runHookGuarded(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(result.code).toBe(1);
    expect(result.elapsedMs).toBeLessThan(AT_ONCE_MS);
    expect(result.stderr).toBe(
      `notify.sh: cannot append the MASTER transition of web_VIP_1 to ${spoolOf(env)}: ` +
        'it is a FIFO, not a regular file (appending could block for ever)\n',
    );
    expect(read(env.IPF_LOG_TO)).toContain(result.stderr);
  });

  it('a symlink to /dev/null: exit 1, rather than a line lost without a word', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    symlinkSync('/dev/null', spoolOf(env));
    const result = await runHookGuarded(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `notify.sh: cannot append the MASTER transition of web_VIP_1 to ${spoolOf(env)}: ` +
        'it is a character device, not a regular file\n',
    );
  });
});

describe('notify.sh, a failed append', () => {
  it('exits 1 with one line when the state directory cannot be made', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    writeFileSync(join(env.IPF_STATE_DIR, '..', 'a-file'), '');
    env.IPF_STATE_DIR = join(env.IPF_STATE_DIR, '..', 'a-file', 'state');
    const result = await runHook(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `notify.sh: cannot append the MASTER transition of web_VIP_1 to ${spoolOf(env)}: ` +
        `${env.IPF_STATE_DIR} is not a directory and mkdir -p cannot make it\n`,
    );
    expect(read(env.IPF_LOG_TO)).toContain(result.stderr);
  });

  it('exits 1 with one line when the spool cannot be opened', async () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    mkdirSync(spoolOf(env), { recursive: true });
    const result = await runHook(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `notify.sh: cannot append the MASTER transition of web_VIP_1 to ${spoolOf(env)}: it is a directory\n`,
    );
  });
});

describe('notify.sh as keepalived runs it', () => {
  it.each(['an existing', 'a missing'])(
    '254 hooks at once into %s state directory: 254 whole lines, every name once',
    async (directory) => {
      const env = isolatedEnv({ NODE_NAME: 'worker-1' });
      if (directory === 'an existing') mkdirSync(env.IPF_STATE_DIR, { recursive: true });
      const states = ['MASTER', 'BACKUP', 'FAULT', 'STOP'];
      const names = Array.from({ length: 254 }, (_, i) => `web_VIP_${i + 1}`);
      // Spawn every hook before waiting for any of them.
      const children = names.map((name, i) =>
        collect(
          spawn(hook, ['INSTANCE', name, states[i % 4] ?? 'MASTER', String(i)], {
            env: { PATH: minimalPath, ...env },
          }),
        ),
      );
      const exits = await Promise.all(children);
      expect(exits.filter((exit) => exit.code !== 0 || exit.stderr !== '')).toEqual([]);
      const lines = spoolLines(env);
      expect(lines).toHaveLength(254);
      const transitions = lines.map((line) => parseTransition(line));
      expect(lines.filter((_, i) => transitions[i] === undefined)).toEqual([]);
      expect(new Set(transitions.map((transition) => transition?.name))).toEqual(new Set(names));
      for (const transition of transitions) {
        const i = names.indexOf(transition?.name ?? '');
        expect(transition).toMatchObject({ state: states[i % 4], priority: i });
      }
    },
  );

  it('runs under env -i with only PATH and its variables, and creates a missing state directory', async () => {
    const env = isolatedEnv();
    const result = await collect(
      spawn('/usr/bin/env', [
        '-i',
        `PATH=${minimalPath}`,
        `IPF_STATE_DIR=${env.IPF_STATE_DIR}`,
        `IPF_LOG_TO=${env.IPF_LOG_TO}`,
        hook,
        'INSTANCE',
        'web_VIP_1',
        'MASTER',
        '250',
      ]),
    );
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(statSync(env.IPF_STATE_DIR).isDirectory()).toBe(true);
    const lines = spoolLines(env);
    expect(lines).toHaveLength(1);
    expect(parseTransition(lines[0] ?? '')).toMatchObject({ node: hostname(), name: 'web_VIP_1' });
    expect(read(env.IPF_LOG_TO)).toMatch(/ notify\.sh: web_VIP_1 -> MASTER \(priority 250\)\n$/);
  });

  it('is built to dist/notify/notify.sh, mode 0755, with its include inlined', () => {
    const built = 'dist/notify/notify.sh';
    expect(statSync(built).mode & 0o777).toBe(0o755);
    expect(readFileSync(built, 'utf8')).toBe(inlineIncludes(hook));
    expect(readFileSync(hook, 'utf8').startsWith('#!/bin/bash\n')).toBe(true);
  });
});

/**
 * strace is required (CI installs it): the hot path must start no process, and that can only be seen from
 * outside. `#!/bin/bash` rather than `#!/usr/bin/env bash` is part of it: env would be a second execve.
 */
describe('notify.sh system calls (strace)', () => {
  function traced(args: string[], env: Env): { code: number | null; calls: string[] } {
    const output = join(temporaryDirectory(), 'strace.out');
    const result = spawnSync(
      'strace',
      ['-f', '-qq', '-s', '4096', '-e', 'trace=execve,openat,open,write', '-o', output, hook, ...args],
      // A hook that hangs would hold this worker for ever: spawnSync cannot be interrupted otherwise.
      { env: { PATH: minimalPath, ...env }, encoding: 'utf8', timeout: HUNG_MS, killSignal: 'SIGKILL' },
    );
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      throw new Error(`strace is needed for this test (apt-get install strace): ${result.error}`);
    if (result.error) throw new Error(`the traced hook did not finish within ${HUNG_MS} ms: ${result.error}`);
    return { code: result.status, calls: read(output).trimEnd().split('\n') };
  }
  const execs = (calls: string[]) => calls.filter((call) => /^\d+ +execve\(/.test(call));

  it('the hot path execs nothing but bash and appends with one O_APPEND write', () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    const { code, calls } = traced(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(code).toBe(0);
    expect(execs(calls)).toHaveLength(1);
    expect(execs(calls)[0]).toContain(`execve("${hook}", `);

    const line = `${spoolLines(env)[0]}\n`;
    const opens = calls.filter((call) => call.includes(`"${spoolOf(env)}"`));
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatch(/O_WRONLY\|O_CREAT\|O_APPEND/);
    // Exactly one write(2) carries any part of the line, and it carries all of it.
    const writes = calls.filter((call) => /^\d+ +write\(/.test(call) && call.includes('\\"ts\\":'));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain(`, ${JSON.stringify(line)}, ${line.length}) = ${line.length}`);
  });

  it('opens a FIFO log target read-write, which never blocks, and a log file with O_APPEND', () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    const logFile = env.IPF_LOG_TO;
    const logOpens = (calls: string[], path: string) => calls.filter((call) => call.includes(`"${path}"`));

    const toFile = traced(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(toFile.code).toBe(0);
    expect(logOpens(toFile.calls, logFile)).toEqual([expect.stringMatching(/O_WRONLY\|O_CREAT\|O_APPEND/)]);

    // With a reader, so that a hook that opened it write-only would not hang (the tests above cover the
    // hang): the flags alone tell.
    const logFifo = fifo(join(temporaryDirectory(), 'log.fifo'));
    const reader = openSync(logFifo, constants.O_RDONLY | constants.O_NONBLOCK);
    let toFifo: ReturnType<typeof traced>;
    try {
      toFifo = traced(['INSTANCE', 'web_VIP_1', 'BACKUP', '100'], { ...env, IPF_LOG_TO: logFifo });
    } finally {
      closeSync(reader);
    }
    expect(toFifo.code).toBe(0);
    expect(execs(toFifo.calls)).toHaveLength(1);
    const opens = toFifo.calls.filter((call) => call.includes('log.fifo"'));
    expect(opens).toEqual([expect.stringMatching(/O_RDWR\|O_CREAT/)]);
    expect(spoolLines(env)).toHaveLength(2);
  });

  it('sees an external process when there is one: mkdir -p on the cold path', () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    const { code, calls } = traced(['INSTANCE', 'web_VIP_1', 'MASTER', '250'], env);
    expect(code).toBe(0);
    expect(execs(calls)).toHaveLength(2);
    expect(execs(calls)[1]).toMatch(/execve\("[^"]*\/mkdir", \["mkdir", "-p"/);
    expect(spoolLines(env)).toHaveLength(1);
  });

  it('a malformed call execs nothing either', () => {
    const env = isolatedEnv({ NODE_NAME: 'worker-1' });
    const { code, calls } = traced(['INSTANCE', 'we"b', 'MASTER', '250'], env);
    expect(code).toBe(2);
    expect(execs(calls)).toHaveLength(1);
  });
});
