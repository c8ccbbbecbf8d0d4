import { describeError } from '../core/errors.ts';
import { packageUsage } from '../packaging/usage.ts';
import { type CliContext, type Command, UsageError } from './context.ts';
import { explain } from './explain.ts';
import { lintCommand, lintUsage } from './lint.ts';
import { render, renderUsage } from './render.ts';

const commands: Readonly<Record<string, Command>> = {
  render,
  lint: lintCommand,
  explain,
  // Loaded on use: it brings the schema validators (and re2's WebAssembly), which no other command needs.
  package: async (args, context) => (await import('../packaging/command.ts')).packageCommand(args, context),
};

const usage = `usage: ipft <command> [options]

commands:
  render    print the keepalived.conf the ipfailover image would generate
  lint      check ipfailover Deployment manifests
  explain   where the official docs and the image's code disagree
  package   write the install manifests (ConfigMaps, Deployment patch, monitoring) to dist/deploy

${renderUsage}

${lintUsage}

${packageUsage}`;

/** Runs one command and returns its exit code: 0 fine, 1 findings, 2 bad input. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    context.stdout(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  if (!command) {
    context.stderr(
      `ipft: unknown command ${JSON.stringify(name)}; expected one of ${Object.keys(commands).join(', ')}\n`,
    );
    return 2;
  }
  try {
    return await command(args, context);
  } catch (error) {
    // node:util parseArgs throws TypeErrors with a code for unknown or malformed flags.
    const flagError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (error instanceof UsageError || flagError) {
      context.stderr(`ipft ${name}: ${describeError(error).replace(/ \(ERR_PARSE_ARGS\w*\)$/, '')}\n`);
      return 2;
    }
    throw error;
  }
}
