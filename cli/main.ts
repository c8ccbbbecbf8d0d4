import type { CliContext, Command } from '../core/command.ts';
import { asUserError, EXIT_BAD_INPUT, UsageError } from '../core/errors.ts';
import { packageUsage } from '../packaging/usage.ts';
import { explain, explainUsage } from './explain.ts';
import { lintCommand, lintUsage } from './lint.ts';
import { render, renderUsage } from './render.ts';

interface CommandEntry {
  /** Printed for `--help` and `-h`, here, so that no command can forget them. */
  readonly usage: string;
  readonly run: Command;
}

const commands: Readonly<Record<string, CommandEntry>> = {
  render: { usage: renderUsage, run: render },
  lint: { usage: lintUsage, run: lintCommand },
  explain: { usage: explainUsage, run: explain },
  package: {
    usage: packageUsage,
    // Loaded on use: it brings the schema validators (and re2's WebAssembly), which no other command needs.
    run: async (args, context) => (await import('../packaging/command.ts')).packageCommand(args, context),
  },
};

const usage = `usage: ipft <command> [options]

commands:
  render    print the keepalived.conf the ipfailover image would generate
  lint      check ipfailover Deployment manifests
  explain   where the official docs and the image's code disagree
  package   write the install folder for an ipfailover Deployment (oc apply -k)

${renderUsage}

${lintUsage}

${packageUsage}`;

const isHelpFlag = (argument: string) => argument === '--help' || argument === '-h';

/** `--help` or `-h` before any `--`: no option takes a value that starts with a dash (parseArgs refuses it). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some(isHelpFlag);
}

/**
 * Runs one command and returns its exit code: 0 fine, 1 findings or a package that cannot be made,
 * 2 bad input. The one place that turns an error into an exit code; any other error is a bug and
 * is thrown, stack and all.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || isHelpFlag(name) || name === 'help') {
    context.stdout(`${usage}\n`);
    return name === undefined ? EXIT_BAD_INPUT : 0;
  }
  const command = commands[name];
  try {
    if (!command) {
      throw new UsageError(
        `unknown command ${JSON.stringify(name)}; expected one of ${Object.keys(commands).join(', ')}`,
      );
    }
    if (asksForHelp(args)) {
      context.stdout(`${command.usage}\n`);
      return 0;
    }
    return await command.run(args, context);
  } catch (error) {
    const known = asUserError(error);
    if (!known) throw error;
    context.stderr(`${command ? `ipft ${name}` : 'ipft'}: ${known.message}\n`);
    return known.exitCode;
  }
}
