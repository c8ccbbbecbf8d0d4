// The shipped shell reads some of the toolkit's settings and the image's variables itself (verdict.sh,
// notify.sh), with `${NAME:-default}`. A default that TypeScript defines must reach the shell as one of
// the constants the build writes from it (scripts/shell-constants.ts), never as a literal; every other
// default is listed here with the reason it has no TypeScript definition.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageVariables } from '../../core/ipfailover/image-env.ts';
import { settingsByName } from '../../scripts/settings-catalog.ts';
import { shellConstants } from '../../scripts/shell-constants.ts';

/** The folders whose shell files ship (the build copies them to dist, ipft package into ConfigMaps and Jobs). */
const SHIPPED_FOLDERS = ['core', 'checks', 'notify', 'exporter', 'packaging'];

interface ShellDefault {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  /** `:-` (unset or empty) or `-` (unset only). */
  readonly operator: ':-' | '-';
  readonly value: string;
}

/**
 * Defaults with no TypeScript definition to follow, by variable and default, each with the reason. A
 * default of '' (`${NAME-}`) only keeps `set -u` quiet and claims no value, so it is not listed.
 */
const WITHOUT_TYPESCRIPT: readonly { name: string; value: string; reason: string }[] = [
  {
    name: 'NODE_NAME',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own expansion, as notify.sh writes it
    value: '${HOSTNAME-}',
    reason:
      'notify.sh names the node in each transition; the prober requires NODE_NAME (no default), but the hook must log a transition anyway, and in the hostNetwork pod the host name is the node’s',
  },
  {
    name: 'NODE_NAME',
    value: '$HOSTNAME',
    reason:
      'the removal Job sets NODE_NAME from the downward API; the host name (hostNetwork: the node’s) is what its log lines say without it',
  },
  {
    name: 'priority',
    value: 'none',
    reason: 'a variable of notify.sh: the word its log line shows when keepalived passed no priority',
  },
  {
    name: 'SA',
    value: 'default',
    reason:
      'a variable of the install pre-flight: a Deployment without serviceAccountName runs as Kubernetes’ own `default` service account',
  },
  {
    name: 'EPOCHREALTIME',
    value: '0.000000',
    reason: 'bash’s own clock (5.0 and later); the stamp of a log line when it is missing',
  },
  {
    name: 'BASH_VERSION',
    value: 'unknown',
    reason: 'bash’s own variable, shown in the message that this bash is too old',
  },
];

function shellFiles(): string[] {
  return SHIPPED_FOLDERS.flatMap((folder) =>
    readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.sh'))
      .map((name) => join(folder, name)),
  ).sort();
}

/** `${NAME:-default}` and `${NAME-default}`; a default may hold one `${…}` of its own, which is read too. */
const expansion = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)((?:[^{}]|\$\{[^{}]*\})*)\}/g;

function defaultsIn(file: string, text: string, line: number): ShellDefault[] {
  return [...text.matchAll(expansion)].flatMap(([, name = '', operator, value = '']) => [
    { file, line, name, operator: operator === ':-' ? ':-' : '-', value },
    ...defaultsIn(file, value, line),
  ]);
}

/** Every default with a value in the shipped shell; comments are skipped, as they claim nothing. */
function shellDefaults(): ShellDefault[] {
  return shellFiles().flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((text, index) => (text.trimStart().startsWith('#') ? [] : defaultsIn(file, text, index + 1)))
      .filter(({ value }) => value !== ''),
  );
}

/**
 * The one TypeScript definition of a variable's default: the image's, for a variable the image reads
 * (image-env.ts), else the toolkit setting's (the settings specs; their ports are core/toolkit-ports.ts's).
 */
function typeScriptDefault(name: string): string | undefined {
  if (Object.hasOwn(imageVariables, name))
    return imageVariables[name as keyof typeof imageVariables].fallback;
  return settingsByName.get(name)?.fallback;
}

const found = shellDefaults();
const where = ({ file, line }: ShellDefault) => `${file}:${line}`;

/** The constant a script's generated snippet defines under `name`, if the script has a snippet. */
function generatedConstant(file: string, name: string): string | undefined {
  const constants: Record<string, Record<string, unknown>> = shellConstants();
  const value = constants[basename(file, '.sh')]?.[name];
  return value === undefined ? undefined : String(value);
}

describe('the shell’s defaults come from TypeScript', () => {
  it('reads the scripts that read settings themselves', () => {
    const files = new Set(found.map(({ file }) => file));
    expect([...files]).toEqual(expect.arrayContaining(['checks/prober/verdict.sh', 'notify/notify.sh']));
    expect(found.some(({ name }) => typeScriptDefault(name) !== undefined)).toBe(true);
  });

  it.each(
    found
      .filter(({ name }) => typeScriptDefault(name) !== undefined)
      .map((entry) => [`${where(entry)} ${entry.name}`, entry]),
  )('%s is a generated constant that holds the TypeScript default', (_, { file, name, operator, value }) => {
    // The image and readSettings both take an empty value as unset: so must the shell.
    expect(operator).toBe(':-');
    const constant = /^\$([a-z_]+)$/.exec(value)?.[1];
    expect(constant, `${name}'s default ${value}: expected one of the generated constants`).toBeDefined();
    expect(generatedConstant(file, constant ?? '')).toBe(typeScriptDefault(name));
  });

  it('lists every other default with its reason, and only those', () => {
    const others = found
      .filter(({ name }) => typeScriptDefault(name) === undefined)
      .map(({ name, value }) => ({ name, value }));
    const listed = WITHOUT_TYPESCRIPT.map(({ name, value }) => ({ name, value }));
    expect(new Set(others.map((entry) => JSON.stringify(entry)))).toEqual(
      new Set(listed.map((entry) => JSON.stringify(entry))),
    );
  });
});
