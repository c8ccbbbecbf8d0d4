import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const excludedIdsCommas = defineRule({
  id: 'excluded-ids-commas',
  summary: 'a comma-separated `HA_EXCLUDED_VRRP_IDS`, which the image splits on spaces only',
  check: eachDeployment((deployment) => {
    const excluded = deployment.env.get('HA_EXCLUDED_VRRP_IDS')?.value ?? '';
    if (!excluded.includes(',')) return [];
    return [
      envIssue(
        deployment,
        'HA_EXCLUDED_VRRP_IDS',
        'is split on spaces only, so a comma list excludes nothing',
        `Separate the IDs with spaces: "${excluded
          .split(/[,\s]+/)
          .filter(Boolean)
          .join(' ')}".`,
      ),
    ];
  }),
});
