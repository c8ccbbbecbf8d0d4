import { scriptsOf } from './_scripts.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const scriptNotMounted = defineRule({
  id: 'script-not-mounted',
  summary: 'a check or notify script outside every volumeMount of the container',
  check: eachDeployment((deployment) =>
    scriptsOf(deployment)
      .filter(({ mount }) => mount === undefined)
      .map(({ variable, path }) =>
        envIssue(
          deployment,
          variable,
          `${path} is under no volumeMount of the container, and the image does not ship it: keepalived disables a missing check`,
          'Mount the ConfigMap holding the script at its directory (oc set volume … --mount-path=DIR).',
        ),
      ),
  ),
});
