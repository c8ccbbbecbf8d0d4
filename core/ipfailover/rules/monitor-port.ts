import { imageMonitorPort, isUsableMonitorPort } from '../image-env.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const monitorPort = defineRule({
  id: 'monitor-port',
  summary: 'an `OPENSHIFT_HA_MONITOR_PORT` that is not digits, or not a port',
  check: eachDeployment((deployment) => {
    const port = deployment.env.get('OPENSHIFT_HA_MONITOR_PORT')?.value;
    if (port !== undefined && port !== '' && !/^\d+$/.test(port)) {
      const digits = imageMonitorPort(port);
      return [
        envIssue(
          deployment,
          'OPENSHIFT_HA_MONITOR_PORT',
          `"${port}" is not a number; the image deletes the non-digits and checks port ${digits}`,
          `Write the port as digits only, e.g. "${digits}".`,
        ),
      ];
    }
    if (port !== undefined && !isUsableMonitorPort(port)) {
      return [
        envIssue(
          deployment,
          'OPENSHIFT_HA_MONITOR_PORT',
          `"${port}" is not a port the check can connect to`,
          'Use 1..65535, or 0 to disable the check.',
        ),
      ];
    }
    return [];
  }),
});
