import { bashArithmetic } from '../image-env.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const octalOffset = defineRule({
  id: 'octal-offset',
  summary: 'an `OPENSHIFT_HA_VRRP_ID_OFFSET` with a leading 0, which bash reads as octal',
  check: eachDeployment((deployment) => {
    // The raw value, not the image's parse: the leading 0 is what the finding is about.
    const offset = deployment.env.get('OPENSHIFT_HA_VRRP_ID_OFFSET')?.value.trim();
    if (offset === undefined || !/^0\d/.test(offset)) return [];
    const value = bashArithmetic(offset);
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_VRRP_ID_OFFSET',
        value === undefined
          ? `"${offset}" is not a number to bash (leading 0 means octal): the image writes no VRRP instance at all`
          : `"${offset}" has a leading 0, which bash reads as octal ${value}`,
        `Write it without leading zeros, e.g. "${Number(offset)}".`,
      ),
    ];
  }),
});
