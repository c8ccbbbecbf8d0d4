import type { CliContext } from '../core/command.ts';
import { discrepancies } from '../core/ipfailover/discrepancies.ts';

function discrepancyText(): string {
  return discrepancies
    .map(({ topic, docs, code, advice }, index) =>
      [`${index + 1}. ${topic}`, `   docs: ${docs}`, `   code: ${code}`, `   do:   ${advice}`].join('\n'),
    )
    .join('\n\n');
}

export const explainUsage = `ipft explain

Prints where the OpenShift IP failover docs and the image's code disagree, what the code does, and what to do.`;

export function explain(_args: string[], context: CliContext): number {
  context.stdout(
    `Where the OpenShift IP failover docs and the image's code disagree (the code wins):\n\n${discrepancyText()}\n`,
  );
  return 0;
}
