/**
 * Every rule of `ipft lint`, in the order its findings on one line are listed (lint.ts sorts them by
 * file and line first). The README's rule list is generated from this list (npm run readme;
 * test/unit/readme.test.ts keeps it true).
 */
import { checkBudget } from './check-budget.ts';
import { duplicateVip } from './duplicate-vip.ts';
import { excludedIdsCommas } from './excluded-ids-commas.ts';
import { externalIpCidr } from './external-ip-cidr.ts';
import { externalIpNotCovered } from './external-ip-not-covered.ts';
import { groupsExceedVips } from './groups-exceed-vips.ts';
import { hostNetwork } from './host-network.ts';
import { malformedVip } from './malformed-vip.ts';
import { misplacedSetting } from './misplaced-setting.ts';
import { monitorPort } from './monitor-port.ts';
import { noVips } from './no-vips.ts';
import { octalOffset } from './octal-offset.ts';
import { ovnInterface } from './ovn-interface.ts';
import { preemption } from './preemption.ts';
import { privileged } from './privileged.ts';
import { replicaCount } from './replica-count.ts';
import { tooFewReplicas } from './replicas.ts';
import { rolloutStrategy } from './rollout-strategy.ts';
import { scriptNotExecutable } from './script-not-executable.ts';
import { scriptNotMounted } from './script-not-mounted.ts';
import { serviceAccount } from './service-account.ts';
import { tooManyInstances } from './too-many-instances.ts';
import { toolkitPortCollision } from './toolkit-port-collision.ts';
import { useUnicastIgnored } from './use-unicast-ignored.ts';
import { vipInTwoDeployments } from './vip-in-two-deployments.ts';
import { vridOutOfRange } from './vrid-out-of-range.ts';
import { vridOverlap } from './vrid-overlap.ts';

export const rules = [
  tooManyInstances,
  vridOutOfRange,
  octalOffset,
  excludedIdsCommas,
  malformedVip,
  noVips,
  duplicateVip,
  groupsExceedVips,
  monitorPort,
  preemption,
  replicaCount,
  useUnicastIgnored,
  scriptNotMounted,
  scriptNotExecutable,
  checkBudget,
  misplacedSetting,
  hostNetwork,
  privileged,
  serviceAccount,
  tooFewReplicas,
  rolloutStrategy,
  ovnInterface,
  vridOverlap,
  vipInTwoDeployments,
  toolkitPortCollision,
  externalIpCidr,
  externalIpNotCovered,
] as const;

export type RuleId = (typeof rules)[number]['id'];

/** The README's rule list: one line per rule. */
export function ruleListMarkdown(): string {
  return rules.map(({ id, summary }) => `- \`${id}\`: ${summary}.`).join('\n');
}
