import { bcHex, entries, expandEntry, isImageIpv4, isImageIpv6 } from '../vips.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const malformedVip = defineRule({
  id: 'malformed-vip',
  summary:
    'a VIP entry the image changes or drops: CIDR notation, spaces, other characters, lowercase IPv6 ranges, ranges past .255',
  check: eachDeployment((deployment) =>
    virtualIpProblems(deployment.settings.virtualIps).map(({ message, fix }) =>
      envIssue(deployment, 'OPENSHIFT_HA_VIRTUAL_IPS', message, fix),
    ),
  ),
});

interface Problem {
  readonly message: string;
  readonly fix: string;
}

/** What the image silently does to each entry of OPENSHIFT_HA_VIRTUAL_IPS that the user did not mean. */
function virtualIpProblems(raw: string): Problem[] {
  const problems: Problem[] = [];
  const pieces = raw
    .split(/[,\n]/)
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '');
  for (const piece of pieces) {
    const [cleaned = '', ...glued] = entries(piece);
    const result = glued.length === 0 ? expandEntry(cleaned) : [];
    if (piece.includes('/')) {
      problems.push({
        message: `"${piece}" is CIDR notation; the image deletes the "/" and reads "${cleaned}"${result.length === 0 ? ', which it drops' : ` as ${result.join(', ')}`}`,
        fix: `Write the address alone: "${piece.split('/')[0]}".`,
      });
    } else if (/\s/.test(piece)) {
      problems.push({
        message: `"${piece}" contains spaces, which the image deletes rather than splits on: it becomes "${piece.replace(/\s/g, '')}"${result.length === 0 ? ', which is dropped' : ''}`,
        fix: 'Separate entries with commas only.',
      });
    } else if (cleaned !== piece) {
      problems.push({
        message: `"${piece}" contains characters the image deletes: it becomes "${cleaned}"`,
        fix: 'Use only addresses and ranges such as 10.0.0.1 or 10.0.0.1-5.',
      });
    } else if (isLowercaseIpv6Range(piece)) {
      problems.push({
        message: `"${piece}" is an IPv6 range with lowercase hex; the image's bc arithmetic reads only uppercase, so it yields ${result.length === 0 ? 'nothing' : result.join(', ')}`,
        fix: `Write the range in uppercase: "${piece.toUpperCase()}".`,
      });
    } else if (result.length === 0) {
      problems.push({
        message: droppedReason(piece),
        fix: 'Use an IPv4 address or range such as 10.0.0.1-5, or an IPv6 address.',
      });
    } else if (
      isImageIpv4(piece.split('-')[0] ?? '') &&
      result.some((vip) => Number(vip.split('.')[3]) > 255)
    ) {
      problems.push({
        message: `"${piece}" runs past .255: the image writes invalid addresses up to ${result.at(-1)}`,
        fix: 'End the range at .254 at most.',
      });
    }
  }
  return problems;
}

function isLowercaseIpv6Range(piece: string): boolean {
  const [first = '', end] = piece.split('-');
  return (
    end !== undefined &&
    isImageIpv6(first) &&
    /[a-f]/.test(`${first.slice(first.lastIndexOf(':') + 1)}${end}`)
  );
}

function droppedReason(piece: string): string {
  const [first = '', end = ''] = piece.split('-');
  if (isImageIpv4(first)) {
    return `"${piece}" is a range that ends before it starts (or has no numeric end); the image writes no address for it`;
  }
  if (isImageIpv6(first) && bcHex(end) === undefined) {
    return `"${piece}" is an IPv6 range whose end is not one uppercase hex group; the image's bc arithmetic yields nothing or wrong addresses`;
  }
  return `"${piece}" is not an address or range the image understands; it is dropped silently`;
}
