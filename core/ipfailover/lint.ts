/**
 * `ipft lint`: reads the Deployments as the image would, runs every rule of rules/index.ts, and lists
 * the findings in the order of the files, top to bottom, so that they read alongside them.
 */
import { isRecord } from '../records.ts';
import { readDeployment } from './deployment.ts';
import { readImageSettings } from './image-env.ts';
import { planInstances } from './instances.ts';
import { describeObject, type FieldPath, formatPath, type ManifestObject } from './manifests.ts';
import { type RuleId, rules } from './rules/index.ts';
import type { IpfailoverDeployment, LintInput, NetworkType, Severity } from './rules/rule.ts';

export {
  type IpfailoverDeployment,
  type LintInput,
  NETWORK_TYPES,
  type NetworkType,
  type Severity,
} from './rules/rule.ts';

export interface Finding {
  readonly file: string;
  readonly line: number | undefined;
  readonly object: string;
  readonly field: string;
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
}

/** The Deployment with its keepalived env as the image reads it, and the instances the image makes of it. */
export function toIpfailoverDeployment(object: ManifestObject): IpfailoverDeployment {
  const deployment = readDeployment(object);
  const settings = readImageSettings(
    Object.fromEntries([...deployment.env].map(([name, { value }]) => [name, value])),
  );
  return { ...deployment, object, settings, instances: planInstances(settings) };
}

/**
 * Every finding, by file (in the order the Deployments come, then the Network's), then by line, then
 * in the order of the rule list; one rule's findings on one line stay in the order it found them.
 * Findings without a line (objects made in memory) come last, in the order of the rule list. Objects
 * know the lines of their fields, not the columns: two fields on one line keep the rule order.
 */
export function lint(input: LintInput): Finding[] {
  const resolved: LintInput = { ...input, networkType: networkTypeOf(input) };
  const files = [
    ...new Set([
      ...input.deployments.map(({ object }) => object.file),
      ...(input.network ? [input.network.file] : []),
    ]),
  ];
  /** The sort key: [no line, file, line, rule]; Array.prototype.sort is stable for the rest. */
  const place = (finding: Finding, ruleIndex: number): number[] =>
    finding.line === undefined
      ? [1, 0, 0, ruleIndex]
      : [0, files.indexOf(finding.file), finding.line, ruleIndex];
  return rules
    .flatMap((rule, ruleIndex) =>
      rule.check(resolved).map(({ object, path, message, fix, severity = 'error' }) => {
        const finding: Finding = {
          file: object.file,
          line: nearestLine(object, path),
          object: describeObject(object),
          field: formatPath(path),
          rule: rule.id,
          severity,
          message,
          fix,
        };
        return { finding, key: place(finding, ruleIndex) };
      }),
    )
    .sort((a, b) => a.key.reduce((order, value, index) => order || value - (b.key[index] ?? 0), 0))
    .map(({ finding }) => finding);
}

function networkTypeOf(input: LintInput): NetworkType | undefined {
  if (input.networkType) return input.networkType;
  const network = input.network?.body;
  if (!network) return undefined;
  const type = [network.spec, network.status]
    .map((part) => (isRecord(part) ? part.networkType : undefined))
    .find((value) => typeof value === 'string');
  if (type === undefined) return undefined;
  return type === 'OVNKubernetes' ? 'ovn-kubernetes' : type === 'OpenShiftSDN' ? 'openshift-sdn' : 'other';
}

/** The line of the field, or of its closest parent that exists (a missing field has no line of its own). */
function nearestLine(object: ManifestObject, path: FieldPath): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const line = object.lineOf(path.slice(0, length));
    if (line !== undefined) return line;
  }
  return undefined;
}
