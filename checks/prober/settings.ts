import { sharedSettings } from '../../core/common-settings.ts';
import { port } from '../../core/endpoint.ts';
import { Expected } from '../../core/errors.ts';
import { isDnsSubdomain } from '../../core/kube-names.ts';
import { POD_UID, PROBER_CHECKS, type ProberCheck } from '../../core/prober-protocol.ts';
import type { SettingsOf } from '../../core/setting-names.ts';
import {
  boolean,
  integer,
  list,
  oneOf,
  optional,
  seconds,
  specFor,
  text,
  withDefault,
} from '../../core/settings.ts';
import { DEFAULT_PROBER_PORT } from '../../core/toolkit-ports.ts';
import { externalIpSettings } from '../externalip/settings.ts';

export function podUid(raw: string): string {
  const value = raw.trim().toLowerCase();
  if (!POD_UID.test(value)) throw new Expected('the pod UID from the downward API (fieldRef metadata.uid)');
  return value;
}

/** A Node's name, as the downward API gives it (spec.nodeName): a DNS-1123 subdomain. */
export function nodeName(raw: string): string {
  if (!isDnsSubdomain(raw))
    throw new Expected('the node name from the downward API (fieldRef spec.nodeName)');
  return raw;
}

export const proberSettings = specFor<SettingsOf<'everywhere' | 'prober' | 'link' | 'check'>>()({
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
  IPF_MAINTENANCE_LABEL: withDefault(
    'false',
    boolean,
    'The prober: `true` reads its own Node (`NODE_NAME`) and, while it has the label `ipfailover-toolkit/maintenance=true`, fails every check so the VIPs leave the node. Needs `get` on `nodes` (deploy/maintenance-rbac.yaml; `ipft package` applies it when settings.env sets this or IPF_FOLLOW_CORDON).',
  ),
  IPF_FOLLOW_CORDON: withDefault(
    'false',
    boolean,
    'The prober: `true` treats a cordoned Node (`spec.unschedulable: true`, `oc adm cordon`/`drain`) as in maintenance too. Reads the Node as IPF_MAINTENANCE_LABEL does.',
  ),
  IPF_MAINTENANCE_FILE: optional(
    text,
    'The prober: while a file is at this path (any content; something that is not a regular file counts too), the node is in maintenance and every check fails. For places without the API.',
  ),
  IPF_MAINTENANCE_REFRESH_S: withDefault(
    '10',
    seconds(1, 3600),
    'The prober reads its Node in the background this often, each read within 5 s at most; a probe never waits on it.',
  ),
  IPF_MAINTENANCE_MAX_AGE_S: withDefault(
    '600',
    seconds(2, 86_400),
    'While the API cannot be asked, its last answer about the Node (kept in IPF_STATE_DIR) is trusted this long; then a maintenance by label or cordon lapses. At least twice IPF_MAINTENANCE_REFRESH_S.',
  ),
  NODE_NAME: optional(
    nodeName,
    'The prober’s Node (downward API `spec.nodeName`, set by `ipft package`), read with IPF_MAINTENANCE_LABEL or IPF_FOLLOW_CORDON.',
  ),
  KUBERNETES_SERVICE_HOST: externalIpSettings.KUBERNETES_SERVICE_HOST,
  KUBERNETES_SERVICE_PORT: externalIpSettings.KUBERNETES_SERVICE_PORT,
  IPF_KUBECONFIG: externalIpSettings.IPF_KUBECONFIG,
});
