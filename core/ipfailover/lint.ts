/**
 * `ipft lint`: reads the Deployments as the image would, runs every rule of rules/index.ts, and lists
 * the findings by object (in input order, the Network last), then in the order of the rule list.
 */
import { isRecord } from '../records.ts';
import { readDeployment } from './deployment.ts';
import { readImageSettings } from './image-env.ts';
import { planInstances } from './instances.ts';
import { describeObject, type FieldPath, formatPath, type ManifestObject } from './manifests.ts';
import { type RuleId, rules } from './rules/index.ts';
import type { IpfailoverDeployment, LintInput, NetworkType } from './rules/rule.ts';

export type { IpfailoverDeployment, LintInput, NetworkType } from './rules/rule.ts';

export interface Finding {
  readonly file: string;
  readonly line: number | undefined;
  readonly object: string;
  readonly field: string;
  readonly rule: RuleId;
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

export function lint(input: LintInput): Finding[] {
  const resolved: LintInput = { ...input, networkType: networkTypeOf(input) };
  const objectOrder = new Map<ManifestObject, number>(
    input.deployments.map((deployment, index) => [deployment.object, index]),
  );
  const orderOf = (object: ManifestObject) => objectOrder.get(object) ?? input.deployments.length;
  return rules
    .flatMap((rule, ruleIndex) => rule.check(resolved).map((issue) => ({ issue, rule: rule.id, ruleIndex })))
    .sort((a, b) => orderOf(a.issue.object) - orderOf(b.issue.object) || a.ruleIndex - b.ruleIndex)
    .map(({ issue: { object, path, message, fix }, rule }) => ({
      file: object.file,
      line: nearestLine(object, path),
      object: describeObject(object),
      field: formatPath(path),
      rule,
      message,
      fix,
    }));
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
