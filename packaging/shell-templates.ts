/**
 * The shell that `ipft package` writes into what it generates: real shell files, packaging/shell/*.sh
 * (shellcheck-clean as they are); the build copies them to dist/packaging with their includes inlined,
 * and `ipft package` reads them from there (`--dist`) and fills in their `@name@` placeholders.
 *
 * Two are whole scripts of the one-shot mode, the bash that puts Node.js into the keepalived container
 * and runs the checks with it; test/package-keepalived.test.ts runs both under a real keepalived.
 * Why a wrapper per check: the ipfailover image has no Node.js, and keepalived fails open when the
 * interpreter is missing. A check with an absolute shebang (`#!/opt/…/node`) whose interpreter is absent
 * makes keepalived's execve fail, and its child then exits 0: the check passes. `#!/usr/bin/env node`
 * without node exits 127, a failure, but a silent one, because keepalived discards script output. The
 * wrapper is bash (which the image has), so it always starts, and a missing runtime becomes exit 1 with
 * a reason line.
 *
 * Two are the package folder's own scripts, preflight.sh and uninstall/uninstall.sh. One is a fragment,
 * the removal Job's `bash -c` text: a file of its own needs a shellcheck directive to say its shell and
 * a header to say what it is part of; neither belongs in what it is part of, so its header is dropped.
 */
import { names, paths, RUNTIME_INSTALLER, SCRIPTS_CONFIGMAP } from './layout.ts';
import { shellWord } from './shell-word.ts';

/**
 * The built templates, as `npm run build` writes them: paths below dist/, each the build's copy of
 * packaging/shell/ with the same name; and their contents.
 */
export const SHELL_TEMPLATES = {
  checkWrapper: 'packaging/check-wrapper.sh',
  installNodeRuntime: `packaging/${RUNTIME_INSTALLER}`,
  installPreflight: 'packaging/install-preflight.sh',
  uninstall: 'packaging/uninstall.sh',
  removeIpfailover: 'packaging/remove-ipfailover.sh',
} as const;
export type ShellTemplates = Readonly<Record<keyof typeof SHELL_TEMPLATES, string>>;

const placeholder = /@([a-z_]+)@/g;

/**
 * One value as a shell word. A value of more than one line is refused: a placeholder may stand in a
 * comment, which its second line would end.
 */
function shellQuoted(name: string, value: string): string {
  if (value.includes('\n')) {
    throw new Error(`Expected the value of @${name}@ on one line, got ${JSON.stringify(value)}`);
  }
  return shellWord(value);
}

/** The template with each `@name@` replaced by its value, shell-quoted; every placeholder needs a value, and every value a placeholder. */
export function filledTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const filled = template.replace(placeholder, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(
        `Expected a value for the placeholder @${name}@, got none (values: ${Object.keys(values).join(', ')})`,
      );
    }
    used.add(name);
    return shellQuoted(name, value);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new Error(
      `Expected a placeholder for each value, got none for ${unused.map((name) => `@${name}@`).join(', ')}`,
    );
  }
  return filled;
}

/** The header a fragment starts with: shellcheck's directive (a fragment has no shebang), then comments to the first blank line. */
const fragmentHeader = /^# shellcheck shell=(?:sh|bash)\n(?:#.*\n)*\n/;

/** A fragment template filled in as filledTemplate does, without its header. */
export function filledFragment(
  name: keyof ShellTemplates,
  templates: ShellTemplates,
  values: Readonly<Record<string, string>>,
): string {
  const template = templates[name];
  const header = fragmentHeader.exec(template);
  if (!header) {
    throw new Error(
      `Expected ${SHELL_TEMPLATES[name]} to start with "# shellcheck shell=sh" (or bash), comments and a blank line, got ${JSON.stringify(template.slice(0, 60))}`,
    );
  }
  return filledTemplate(template.slice(header[0].length), values);
}

/**
 * `<check>` next to `<check>.js`: runs the bundle with the node the init container copied (then any on
 * PATH), or fails with one line to stderr and IPF_LOG_TO. `runtimeDir` is a parameter for the tests only.
 */
export function checkWrapper(
  templates: ShellTemplates,
  check: string,
  runtimeDir: string = paths.runtime,
): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(check)) {
    throw new Error(
      `Expected a check name of lowercase letters, digits and dashes, got ${JSON.stringify(check)}`,
    );
  }
  return filledTemplate(templates.checkWrapper, {
    check,
    runtime: runtimeDir,
    init_container: names.runtimeInitContainer,
    scripts_configmap: SCRIPTS_CONFIGMAP,
  });
}

/**
 * install-node-runtime.sh DEST, run by the init container in the UBI Node.js image: copies its node and
 * the shared libraries node loads besides glibc into DEST (DEST/node, DEST/lib), checks that the copy
 * starts, and replaces DEST's previous contents only then. glibc stays the keepalived image's own (its
 * libc must match its own dynamic loader); both images are RHEL 9, so the glibc node was built for is there.
 */
export function installNodeRuntimeScript(templates: ShellTemplates): string {
  return filledTemplate(templates.installNodeRuntime, { init_container: names.runtimeInitContainer });
}
