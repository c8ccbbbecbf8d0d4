import { plural } from '../../plural.ts';
import { describeObject } from '../manifests.ts';
import { rangeText } from './_vrids.ts';
import { defineRule, eachPair, envIssue } from './rule.ts';

export const vridOverlap = defineRule({
  id: 'vrid-overlap',
  summary: 'VRID ranges shared between deployments',
  check: eachPair((deployment, other) => {
    const theirs = new Set(other.instances.map(({ vrid }) => vrid));
    const shared = deployment.instances.map(({ vrid }) => vrid).filter((vrid) => theirs.has(vrid));
    if (shared.length === 0) return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_VRRP_ID_OFFSET',
        `gives ${plural(new Set(shared).size, 'VRID')} ${rangeText(shared)}, which ${describeObject(other.object)} (${other.object.file}) also uses; their VRRP instances would join each other`,
        `Choose offsets whose ranges do not overlap: ${describeObject(other.object)} uses ${rangeText(other.instances.map(({ vrid }) => vrid))}.`,
      ),
    ];
  }),
});
