import { Expected } from '../../core/errors.ts';
import { isDnsSubdomain } from '../../core/kube-names.ts';

/**
 * A Kubernetes label selector, parsed here rather than passed through, so that a typo is a settings
 * error at start-up instead of a 400 from the API on every node. The grammar is apimachinery's
 * (pkg/labels/selector.go) less the numeric `gt`/`lt` operators, which only the API's internal
 * callers use:
 *
 *   selector    ::= requirement ("," requirement)*
 *   requirement ::= "!" KEY | KEY | KEY ("=" | "==" | "!=") VALUE | KEY ("in" | "notin") "(" VALUE ("," VALUE)* ")"
 */
export type Requirement =
  | { readonly key: string; readonly operator: 'exists' | '!exists' }
  | { readonly key: string; readonly operator: '=' | '!='; readonly value: string }
  | { readonly key: string; readonly operator: 'in' | 'notin'; readonly values: readonly string[] };

export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  /** The canonical text, which is what the API is sent. */
  readonly text: string;
}

const SELECTOR_SYNTAX =
  'a label selector: requirements separated by commas, each one of key=value, key==value, key!=value, key in (a,b), key notin (a,b), key or !key';

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: '!' | '=' | '==' | '!=' | '(' | ')' | ','; readonly at: number }
  | { readonly kind: 'end'; readonly at: number };

/** Characters that end a word, as in apimachinery's lexer; `<` and `>` are refused with a reason. */
const special = /[\s!=(),<>]/;

function tokenize(raw: string, fail: (at: number, problem: string) => never): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < raw.length) {
    const character = raw[at] ?? '';
    if (/\s/.test(character)) {
      at++;
    } else if (raw.startsWith('==', at) || raw.startsWith('!=', at)) {
      tokens.push({ kind: raw.slice(at, at + 2) as '==' | '!=', at });
      at += 2;
    } else if ('!=(),'.includes(character)) {
      tokens.push({ kind: character as '!' | '=' | '(' | ')' | ',', at });
      at++;
    } else if (character === '<' || character === '>') {
      fail(at, `"${character}" is not supported (the numeric gt/lt operators are for the API’s own use)`);
    } else {
      const start = at;
      while (at < raw.length && !special.test(raw[at] ?? '')) at++;
      tokens.push({ kind: 'word', text: raw.slice(start, at), at: start });
    }
  }
  tokens.push({ kind: 'end', at: raw.length });
  return tokens;
}

const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why `key` is not a label key (`[prefix/]name`), or undefined when it is one. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) {
    return `the key prefix "${prefix}" is not a DNS subdomain (lowercase letters, digits, "-" and ".")`;
  }
  if (name.length > 63 || !qualifiedName.test(name)) {
    return `"${key}" is not a label key (a name of at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, with an optional DNS prefix and "/")`;
  }
  return undefined;
}

/** Why `value` is not a label value, or undefined when it is one (empty is a valid value). */
function labelValueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && qualifiedName.test(value))) return undefined;
  return `"${value}" is not a label value (at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit)`;
}

function formatRequirement(requirement: Requirement): string {
  switch (requirement.operator) {
    case 'exists':
      return requirement.key;
    case '!exists':
      return `!${requirement.key}`;
    case '=':
    case '!=':
      return `${requirement.key}${requirement.operator}${requirement.value}`;
    case 'in':
    case 'notin':
      return `${requirement.key} ${requirement.operator} (${requirement.values.join(',')})`;
  }
}

/** Parses strictly; throws Expected naming the first problem and where it is. */
export function parseLabelSelector(raw: string): LabelSelector {
  const fail = (at: number, problem: string): never => {
    throw new Expected(SELECTOR_SYNTAX, `${JSON.stringify(raw)} (character ${at + 1}: ${problem})`);
  };
  const tokens = tokenize(raw, fail);
  let index = 0;
  const peek = (): Token => tokens[index] ?? { kind: 'end', at: raw.length };
  const next = (): Token => {
    const token = peek();
    index++;
    return token;
  };
  const describe = (token: Token) =>
    token.kind === 'end' ? 'the end' : token.kind === 'word' ? `"${token.text}"` : `"${token.kind}"`;

  const key = (): string => {
    const token = next();
    if (token.kind !== 'word') return fail(token.at, `expected a label key, found ${describe(token)}`);
    const problem = labelKeyProblem(token.text);
    return problem ? fail(token.at, problem) : token.text;
  };
  const value = (): string => {
    const token = peek();
    // `key=` with nothing after it selects the empty value, as in apimachinery.
    if (token.kind === ',' || token.kind === 'end' || token.kind === ')') return '';
    next();
    if (token.kind !== 'word') return fail(token.at, `expected a label value, found ${describe(token)}`);
    const problem = labelValueProblem(token.text);
    return problem ? fail(token.at, problem) : token.text;
  };
  const valueSet = (): string[] => {
    const open = next();
    if (open.kind !== '(')
      return fail(open.at, `expected "(" to start the value set, found ${describe(open)}`);
    const values: string[] = [];
    for (;;) {
      const token = peek();
      if (token.kind !== 'word') {
        return fail(token.at, `expected a label value in the set, found ${describe(token)}`);
      }
      values.push(value());
      const separator = next();
      if (separator.kind === ')') return values;
      if (separator.kind !== ',') {
        return fail(separator.at, `expected "," or ")" in the value set, found ${describe(separator)}`);
      }
    }
  };
  const requirement = (): Requirement => {
    if (peek().kind === '!') {
      next();
      const absent = key();
      const after = peek();
      if (after.kind !== ',' && after.kind !== 'end') {
        return fail(
          after.at,
          `"!${absent}" selects objects without the label and takes no operator or value`,
        );
      }
      return { key: absent, operator: '!exists' };
    }
    const name = key();
    const operator = peek();
    if (operator.kind === ',' || operator.kind === 'end') return { key: name, operator: 'exists' };
    if (operator.kind === '=' || operator.kind === '==' || operator.kind === '!=') {
      next();
      return { key: name, operator: operator.kind === '!=' ? '!=' : '=', value: value() };
    }
    if (operator.kind === 'word' && (operator.text === 'in' || operator.text === 'notin')) {
      next();
      return { key: name, operator: operator.text, values: valueSet() };
    }
    return fail(
      operator.at,
      `expected =, ==, !=, in, notin, "," or the end after the key "${name}", found ${describe(operator)}`,
    );
  };

  if (peek().kind === 'end') fail(0, 'the selector is empty');
  const requirements = [requirement()];
  for (;;) {
    const token = next();
    if (token.kind === 'end') break;
    if (token.kind !== ',') {
      fail(token.at, `expected "," between requirements, found ${describe(token)}`);
    }
    if (peek().kind === 'end') fail(peek().at, 'a requirement is missing after the last ","');
    requirements.push(requirement());
  }
  return { requirements, text: requirements.map(formatRequirement).join(',') };
}
