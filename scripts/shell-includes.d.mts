/** The script at `path` with each of its `# @include` lines replaced by the snippet it names. */
export function inlineIncludes(path: string): string;
