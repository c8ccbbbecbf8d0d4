// The constants the shipped bash reads, taken from their TypeScript definitions. scripts/build.mjs writes
// each script's set to dist/shell-constants/<script>.sh, and the script includes that file (the build's
// `# @include`, scripts/shell-includes.mjs), so that a value exists in TypeScript alone: the shell cannot
// hold an older copy, and shellcheck, following the include, still sees every name.
import { defaultStateDir, probeSettings } from '../core/common-settings.ts';
import { freshStreaks, STREAK_MAX, THRESHOLD_MAX } from '../core/hysteresis.ts';
import {
  CLIENT_MARGIN_MS,
  PROBER_CHECKS,
  PROTOCOL_VERSION,
  REPLY_MAX_BYTES,
  VERDICT_CHECK_NAME,
  VERDICT_MAX_BYTES,
  VERDICT_PREFIX,
  VERDICT_STREAK_FILE,
} from '../core/prober-protocol.ts';
import { statusFileName } from '../core/report.ts';
import { belongsInSettingsFile, SETTING_READERS } from '../core/setting-names.ts';
import { DEFAULT_PROBER_PORT } from '../core/toolkit-ports.ts';
import {
  NAME_CHARACTERS,
  NAME_MAX,
  NODE_CHARACTERS,
  NODE_MAX,
  PRIORITY_MAX,
  SPOOL_FILE,
  transitionStates,
  transitionTypes,
} from '../core/transition.ts';
import { shellWord } from '../packaging/shell-word.ts';

type Value = string | number | readonly string[];

function fallbackOf(name: keyof typeof probeSettings): string {
  const { fallback } = probeSettings[name];
  if (fallback === undefined) throw new Error(`${name}: expected a setting with a default, got none`);
  return fallback;
}

/**
 * The check settings refused on keepalived's container in prober mode, as glob patterns: each setting
 * that belongs in the prober's settings file, and a whole family `IPF_<WORD>_*` where the family has no
 * other setting, so that a misspelt or newer member (IPF_HTTP_FOO) is refused too.
 */
function refusedInKeepalived(): string[] {
  const names = Object.keys(SETTING_READERS);
  const refused = names.filter((name) => belongsInSettingsFile(name, 'prober'));
  const familyOf = (name: string) => /^IPF_[A-Z0-9]+_/.exec(name)?.[0];
  const families = new Set(
    refused
      .map(familyOf)
      .filter((family): family is string => family !== undefined)
      .filter((family) =>
        names.filter((name) => name.startsWith(family)).every((name) => refused.includes(name)),
      ),
  );
  return [
    ...[...families].map((family) => `${family}*`),
    ...refused.filter((name) => !families.has(familyOf(name) ?? '')),
  ];
}

/** Each shell script's constants, by the variable name the script uses. */
export function shellConstants(): Record<'verdict' | 'notify', Record<string, Value>> {
  return {
    verdict: {
      default_state_dir: defaultStateDir,
      default_interval: fallbackOf('OPENSHIFT_HA_CHECK_INTERVAL'),
      default_prober_port: DEFAULT_PROBER_PORT,
      default_check_fall: fallbackOf('IPF_CHECK_FALL'),
      default_check_rise: fallbackOf('IPF_CHECK_RISE'),
      protocol_version: PROTOCOL_VERSION,
      prober_checks: PROBER_CHECKS,
      client_margin_ms: CLIENT_MARGIN_MS,
      reply_max_bytes: REPLY_MAX_BYTES,
      verdict_max_bytes: VERDICT_MAX_BYTES,
      verdict_prefix: VERDICT_PREFIX,
      verdict_check_name: VERDICT_CHECK_NAME,
      verdict_record_file: statusFileName(VERDICT_CHECK_NAME),
      streak_file_name: VERDICT_STREAK_FILE,
      fresh_passing: Number(freshStreaks.prober.passing),
      streak_max: STREAK_MAX,
      threshold_max: THRESHOLD_MAX,
      refused_settings: refusedInKeepalived(),
    },
    notify: {
      default_state_dir: defaultStateDir,
      spool_file: SPOOL_FILE,
      transition_types: transitionTypes,
      transition_states: transitionStates,
      name_characters: NAME_CHARACTERS,
      name_max: NAME_MAX,
      node_characters: NODE_CHARACTERS,
      node_max: NODE_MAX,
      priority_max: PRIORITY_MAX,
    },
  };
}

/** One `readonly` line per constant, each value one shell word (an array for a list). */
function shellConstantLines(constants: Record<string, Value>): string {
  return Object.entries(constants)
    .map(([name, value]) =>
      typeof value === 'object'
        ? `readonly -a ${name}=(${value.map(shellWord).join(' ')})`
        : `readonly ${name}=${shellWord(String(value))}`,
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** The snippets, by script, with the header an include needs (scripts/shell-includes.mjs). */
export function shellConstantSnippets(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(shellConstants()).map(([script, constants]) => [
      script,
      `# shellcheck shell=bash disable=SC2034\n# ${script}.sh's constants, written by scripts/build.mjs from scripts/shell-constants.ts; ${script}.sh\n# uses them (SC2034, disabled above, is about this file alone).\n\n${shellConstantLines(constants)}`,
    ]),
  );
}
