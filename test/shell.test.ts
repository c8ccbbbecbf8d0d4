// The shell the toolkit ships: each script one file, built from its source with its includes inlined
// (scripts/shell-includes.mjs); core/log-to.sh, the include that resolves IPF_LOG_TO, agrees with the
// TypeScript checks; and every shell file, source or built, is shellcheck-clean.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedSettings } from '../core/common-settings.ts';
import { defaultLogTarget, logTarget } from '../core/report.ts';
import { type Env, readSettings } from '../core/settings.ts';
import { readBundles } from '../packaging/command.ts';
import { IMAGE_REMOVAL_SCRIPT, removalCommand } from '../packaging/removal-job.ts';
import { checkWrapper, installNodeRuntimeScript, SHELL_TEMPLATES } from '../packaging/shell-templates.ts';
import { inlineIncludes } from '../scripts/shell-includes.mjs';
import { temporaryDirectory } from './support/harness.ts';

const snippet = 'core/log-to.sh';
/** Each shell script the build writes (scripts/build.mjs), from its source; the templates where ipft package reads them. */
const built = {
  'notify/notify.sh': 'dist/notify/notify.sh',
  'checks/prober/verdict.sh': 'dist/checks/verdict.sh',
  'packaging/shell/check-wrapper.sh': join('dist', SHELL_TEMPLATES.checkWrapper),
  'packaging/shell/install-node-runtime.sh': join('dist', SHELL_TEMPLATES.installNodeRuntime),
  'packaging/shell/install-preflight.sh': join('dist', SHELL_TEMPLATES.installPreflight),
  'packaging/shell/uninstall.sh': join('dist', SHELL_TEMPLATES.uninstall),
  'packaging/shell/remove-ipfailover.sh': join('dist', SHELL_TEMPLATES.removeIpfailover),
};
/** The templates that are parts of other scripts: a shellcheck directive where a script has its shebang. */
const fragments = new Set(['packaging/shell/remove-ipfailover.sh']);
/** The shell files of the repository that git's `*.sh` does not name: CI's own script. */
const unsuffixedShellFiles = ['.ci/run'];

/** shellcheck's findings on the files, at every severity; '' when clean. */
function shellcheck(...files: string[]): string {
  const result = spawnSync('shellcheck', ['-S', 'style', ...files], { encoding: 'utf8' });
  if (result.error) throw new Error(`shellcheck is needed for this test: ${result.error.message}`);
  return result.stdout + result.stderr;
}

/** log_to as core/log-to.sh leaves it, in bash with nothing but `env`. */
function logToInBash(env: Env): string {
  return execFileSync('/bin/bash', ['-c', `. ${snippet} && printf %s "$log_to"`], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', ...env },
    // stdin a socket (as node's pipes are) makes bash think rshd runs it, and read ~/.bashrc.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The same setting as a TypeScript check resolves it (core/probe.ts): read, then logTarget; '' for no log. */
function logToInTypeScript(env: Env): string {
  const { values, problems } = readSettings(sharedSettings, env);
  expect(problems).toEqual([]);
  return logTarget(values.IPF_LOG_TO) ?? '';
}

describe('core/log-to.sh resolves IPF_LOG_TO as the TypeScript checks do', () => {
  const directory = temporaryDirectory();
  const file = join(directory, 'check.log');
  writeFileSync(file, '');
  const fifo = join(directory, 'log.fifo');
  execFileSync('mkfifo', [fifo]);
  const subdirectory = join(directory, 'a-directory');
  mkdirSync(subdirectory);
  const cases: [string, string | undefined][] = [
    ['unset', undefined],
    ['empty', ''],
    ['none', 'none'],
    ['NONE (not none)', 'NONE'],
    [' none (not none)', ' none'],
    ['stderr (a relative path, not a stream)', 'stderr'],
    ['a regular file', file],
    ['a FIFO', fifo],
    ['a directory', subdirectory],
    ['a path that does not exist', join(directory, 'no', 'such', 'file')],
    ['/dev/null', '/dev/null'],
    ['PID 1’s stderr, named', defaultLogTarget],
  ];
  it.each(cases)('%s', (_, value) => {
    const env: Env = value === undefined ? {} : { IPF_LOG_TO: value };
    expect(logToInBash(env)).toBe(logToInTypeScript(env));
  });
});

describe('the built shell scripts', () => {
  it.each(Object.entries(built))('%s is built to %s with its includes inlined', (source, target) => {
    const text = readFileSync(target, 'utf8');
    expect(text).toBe(inlineIncludes(source));
    expect(text).toMatch(fragments.has(source) ? /^# shellcheck shell=/ : /^#!\/bin\/(ba)?sh\n/);
    expect(text).not.toMatch(/@include|BASH_SOURCE/);
  });

  it('notify.sh and verdict.sh carry the snippet’s body as it is, and are executable', () => {
    const body = readFileSync(snippet, 'utf8').split('\n\n').slice(1).join('\n\n');
    for (const target of ['dist/notify/notify.sh', 'dist/checks/verdict.sh']) {
      expect(readFileSync(target, 'utf8')).toContain(body);
      expect(statSync(target).mode & 0o777).toBe(0o755);
    }
  });

  it('a script whose include line is malformed fails the build, naming the line', () => {
    const script = join(temporaryDirectory(), 'broken.sh');
    writeFileSync(script, '#!/bin/bash\n. core/log-to.sh # @include\n');
    expect(() => inlineIncludes(script)).toThrow(`${script}: expected each include as the two lines`);
  });
});

describe('the fragments', () => {
  it('lose their header when filled in, and one without a header is refused, naming its file', () => {
    const templates = readBundles('dist').shellTemplates;
    const [command = '', , script = ''] = removalCommand(templates, IMAGE_REMOVAL_SCRIPT, []);
    expect(command).toBe('/bin/bash');
    expect(script.startsWith('set -u\n')).toBe(true);
    expect(templates.removeIpfailover.endsWith(script)).toBe(true);
    const headless = { ...templates, removeIpfailover: script };
    expect(() => removalCommand(headless, IMAGE_REMOVAL_SCRIPT, [])).toThrow(
      `Expected ${SHELL_TEMPLATES.removeIpfailover} to start with "# shellcheck shell=sh" (or bash)`,
    );
  });
});

describe('shellcheck, at every severity', () => {
  it('passes every shell file of the repository, as it is', () => {
    const files = execFileSync('git', ['ls-files', '*.sh', ...unsuffixedShellFiles], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(files).toEqual(expect.arrayContaining([snippet, ...Object.keys(built), ...unsuffixedShellFiles]));
    expect(shellcheck(...files)).toBe('');
  });

  it('CI shellchecks those without the suffix too', () => {
    const line = readFileSync('.ci/run', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('git ls-files') && candidate.includes('shellcheck'));
    expect(line?.split(' | ')[0]?.split(' ')).toEqual(expect.arrayContaining(unsuffixedShellFiles));
  });

  it('passes the built scripts, and the wrapper and installer ipft package fills in', () => {
    const templates = readBundles('dist').shellTemplates;
    const directory = temporaryDirectory();
    const wrapper = join(directory, 'tcp-check');
    writeFileSync(wrapper, checkWrapper(templates, 'tcp-check', "/opt/a runtime/with 'quotes'"));
    const installer = join(directory, 'install-node-runtime.sh');
    writeFileSync(installer, installNodeRuntimeScript(templates));
    expect(shellcheck(...Object.values(built), wrapper, installer)).toBe('');
  });

  it('a value with quotes reaches the wrapper as one shell word', () => {
    const runtime = "/opt/a runtime/with 'quotes'";
    const wrapper = checkWrapper(readBundles('dist').shellTemplates, 'tcp-check', runtime);
    expect(wrapper).toContain(`readonly runtime='/opt/a runtime/with '\\''quotes'\\'''\n`);
    expect(() => checkWrapper(readBundles('dist').shellTemplates, 'tcp-check', '/opt/a\nb')).toThrow(
      'Expected the value of @runtime@ on one line, got "/opt/a\\nb"',
    );
  });
});
