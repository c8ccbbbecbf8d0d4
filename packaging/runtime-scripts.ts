/**
 * The bash that puts Node.js into the keepalived container and runs the checks with it, in one-shot
 * mode. The scripts are shell files, packaging/shell/*.sh (shellcheck-clean as they are); the build
 * copies them to dist/packaging with their includes inlined, and `ipft package` reads them from there
 * (`--dist`) and fills in their `@name@` placeholders. test/package-keepalived.test.ts runs both under
 * a real keepalived.
 *
 * Why a wrapper per check: the ipfailover image has no Node.js, and keepalived fails open when the
 * interpreter is missing. A check with an absolute shebang (`#!/opt/…/node`) whose interpreter is absent
 * makes keepalived's execve fail, and its child then exits 0: the check passes. `#!/usr/bin/env node`
 * without node exits 127, a failure, but a silent one, because keepalived discards script output. The
 * wrapper is bash (which the image has), so it always starts, and a missing runtime becomes exit 1 with
 * a reason line.
 */
import { names, paths, RUNTIME_INSTALLER, SCRIPTS_CONFIGMAP } from './layout.ts';
import { shellWord } from './shell-word.ts';

/** The built templates, as `npm run build` writes them: paths below dist/, and their contents. */
export const RUNTIME_SCRIPT_TEMPLATES = {
  checkWrapper: 'packaging/check-wrapper.sh',
  installNodeRuntime: `packaging/${RUNTIME_INSTALLER}`,
} as const;
export type RuntimeScriptTemplates = Readonly<Record<keyof typeof RUNTIME_SCRIPT_TEMPLATES, string>>;

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

/**
 * `<check>` next to `<check>.js`: runs the bundle with the node the init container copied (then any on
 * PATH), or fails with one line to stderr and IPF_LOG_TO. `runtimeDir` is a parameter for the tests only.
 */
export function checkWrapper(
  templates: RuntimeScriptTemplates,
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
export function installNodeRuntimeScript(templates: RuntimeScriptTemplates): string {
  return filledTemplate(templates.installNodeRuntime, { init_container: names.runtimeInitContainer });
}
