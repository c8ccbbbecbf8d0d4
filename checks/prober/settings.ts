import { sharedSettings } from '../../core/common-settings.ts';
import { port } from '../../core/endpoint.ts';
import { Expected } from '../../core/errors.ts';
import { PROBER_CHECKS, type ProberCheck } from '../../core/prober-protocol.ts';
import { integer, list, oneOf, optional, withDefault } from '../../core/settings.ts';
import { DEFAULT_PROBER_PORT } from '../../core/toolkit-ports.ts';

const POD_UID = /^[0-9a-f][0-9a-f-]{0,63}$/;

export function podUid(raw: string): string {
  const value = raw.trim().toLowerCase();
  if (!POD_UID.test(value)) throw new Expected('the pod UID from the downward API (fieldRef metadata.uid)');
  return value;
}

export const proberSettings = {
  ...sharedSettings,
  IPF_CHECKS: optional(
    list(oneOf<ProberCheck>(...PROBER_CHECKS)),
    'The prober: comma list of the checks it serves (tcp-check, http-check, externalip-check), each with its own settings.',
  ),
  IPF_POD_UID: optional(
    podUid,
    'The pod’s UID (downward API `metadata.uid`), in the prober and in the keepalived container: a request from another pod is refused.',
  ),
  IPF_PROBER_PORT: withDefault(
    DEFAULT_PROBER_PORT,
    port,
    'The prober listens on 127.0.0.1 on this port; verdict.sh rings it. 9872: see the README.',
  ),
  IPF_PROBER_MIN_GAP_MS: withDefault(
    '500',
    integer(0, 10_000),
    'The prober: a request within this time of a probe’s end shares its result, so flooding the port cannot multiply probes.',
  ),
  IPF_PROBER_DRAIN_S: withDefault(
    '10',
    integer(0, 300),
    'The prober keeps answering this long after SIGTERM, so that keepalived can resign first.',
  ),
} as const;
