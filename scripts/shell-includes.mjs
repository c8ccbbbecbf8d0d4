// Shell includes. A shipped script is one file (a key of a ConfigMap), so a snippet that several share
// (core/log-to.sh) is written once and put in their place by the build. In the source the snippet is
// sourced, so that shellcheck (external-sources, in .shellcheckrc) reads the script with it:
//   # shellcheck source=SCRIPTDIR/../core/log-to.sh
//   . "${BASH_SOURCE%/*}/../core/log-to.sh" # @include
// Those two lines become the snippet's body: what follows its header, up to the first blank line. A
// snippet may be one the build writes before it inlines (dist/shell-constants/, the TypeScript constants a
// script reads: scripts/shell-constants.ts); shellcheck then reads it from dist, after a build.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const includeLines = /^# shellcheck source=SCRIPTDIR\/(\S+)\n\. "\$\{BASH_SOURCE%\/\*\}\/\1" # @include\n/gm;
const snippetHeader = '# shellcheck shell=bash';

/** The body of a snippet: its header (the directive line and the comments to the first blank line) dropped. */
function snippetBody(path) {
  const text = readFileSync(path, 'utf8');
  const end = text.indexOf('\n\n');
  if (!text.startsWith(snippetHeader) || end < 0) {
    throw new Error(`${path}: expected a snippet, a header starting ${snippetHeader} then a blank line`);
  }
  return text.slice(end + 2);
}

/** The script at `path` with each of its includes replaced by the snippet it names. */
export function inlineIncludes(path) {
  const inlined = readFileSync(path, 'utf8').replace(includeLines, (_, relative) =>
    snippetBody(join(dirname(path), relative)),
  );
  const left = /^.*# @include$/m.exec(inlined);
  if (left) {
    throw new Error(
      `${path}: expected each include as the two lines "# shellcheck source=SCRIPTDIR/X" and '. "\${BASH_SOURCE%/*}/X" # @include', got ${JSON.stringify(left[0])}`,
    );
  }
  return inlined;
}
