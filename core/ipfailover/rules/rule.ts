import type { Deployment } from '../deployment.ts';
import type { ImageSettings } from '../image-env.ts';
import type { InstancePlan } from '../instances.ts';
import type { FieldPath, ManifestObject } from '../manifests.ts';

/** The cluster network types lint tells apart; `other` is any plugin but these two. */
export const NETWORK_TYPES = ['ovn-kubernetes', 'openshift-sdn', 'other'] as const;

export type NetworkType = (typeof NETWORK_TYPES)[number];

/** What lint knows of one ipfailover Deployment: the keepalived container's literal env, as the image reads it. */
export interface IpfailoverDeployment extends Deployment {
  readonly object: ManifestObject;
  readonly settings: ImageSettings;
  readonly instances: readonly InstancePlan[];
}

export interface LintInput {
  readonly deployments: readonly IpfailoverDeployment[];
  readonly network: ManifestObject | undefined;
  /** Given on the command line; the rules get it resolved, from the Network object when not given. */
  readonly networkType: NetworkType | undefined;
}

/**
 * error: the Deployment does not do what it says (the default); warning: something in it is ignored,
 * and the rest works.
 */
export type Severity = 'error' | 'warning';

/** One thing a rule found: at a field of an object, what is wrong and the fix. */
export interface Issue {
  readonly object: ManifestObject;
  readonly path: FieldPath;
  readonly message: string;
  readonly fix: string;
  /** error when not given. */
  readonly severity?: Severity;
}

export interface Rule<Id extends string = string> {
  readonly id: Id;
  /** One line for the README's rule list: what the rule flags. */
  readonly summary: string;
  check(input: LintInput): readonly Issue[];
}

/** Keeps the id's literal type, so that the rule list gives the union of ids. */
export function defineRule<const Id extends string>(rule: Rule<Id>): Rule<Id> {
  return rule;
}

type Found = Omit<Issue, 'object'>;

/** A check of each deployment on its own. */
export function eachDeployment(
  check: (deployment: IpfailoverDeployment, input: LintInput) => readonly (Found | undefined)[],
): Rule['check'] {
  return (input) =>
    input.deployments.flatMap((deployment) =>
      check(deployment, input).flatMap((found) => (found ? [{ object: deployment.object, ...found }] : [])),
    );
}

/** A check of each deployment against each one before it in the input; the issue is the later one's. */
export function eachPair(
  check: (deployment: IpfailoverDeployment, other: IpfailoverDeployment) => readonly (Found | undefined)[],
): Rule['check'] {
  return (input) =>
    input.deployments.flatMap((deployment, index) =>
      input.deployments
        .slice(0, index)
        .flatMap((other) =>
          check(deployment, other).flatMap((found) =>
            found ? [{ object: deployment.object, ...found }] : [],
          ),
        ),
    );
}

/** An issue about an env variable of the keepalived container: at its entry when set, at the env block when not. */
export function envIssue(
  deployment: IpfailoverDeployment,
  name: string,
  message: string,
  fix: string,
): Found {
  const entry = deployment.env.get(name);
  const path = entry
    ? [...deployment.keepalived.path, 'env', entry.index, 'value']
    : [...deployment.keepalived.path, 'env'];
  return { path, message: `${entry ? name : `${name} (unset)`}: ${message}`, fix };
}
