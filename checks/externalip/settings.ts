import { port } from '../../core/endpoint.ts';
import { Expected } from '../../core/errors.ts';
import { canonicalIp } from '../../core/ip.ts';
import { imageSetting } from '../../core/ipfailover/image-env.ts';
import { expandVirtualIps } from '../../core/ipfailover/vips.ts';
import { isDnsLabel } from '../../core/kube-names.ts';
import { nodeTargetSettings } from '../../core/node-target.ts';
import type { SettingsOf } from '../../core/setting-names.ts';
import { fileContents, list, optional, seconds, specFor, text, withDefault } from '../../core/settings.ts';
import { vipSet } from './addresses.ts';
import { parseLabelSelector } from './selector.ts';

/*
 * scripts/settings-catalog.ts puts every check's settings into every bundle, so this module imports only what its
 * parsers need: the kubeconfig is read here, and followed (JSON, context, referenced files) in configure.
 */

/** Canonical, so that it compares equal to the API's addresses. */
function ipAddress(raw: string): string {
  const address = canonicalIp(raw.trim());
  if (address === undefined) throw new Expected('an IPv4 or IPv6 address');
  return address;
}

/** A namespace name is a DNS-1123 label. */
function namespaceName(raw: string): string {
  if (!isDnsLabel(raw)) {
    throw new Expected('namespace names (lowercase letters, digits and "-", at most 63 characters)');
  }
  return raw;
}

function namespaceList(raw: string): string[] {
  return [...new Set(list(namespaceName)(raw))];
}

/** The deployment's VIPs as the image expands them, canonical; none is a problem configure reports. */
function deploymentVips(raw: string): { readonly text: string; readonly vips: ReadonlySet<string> } {
  return { text: raw, vips: vipSet(expandVirtualIps(raw)) };
}

export const externalIpSettings = specFor<SettingsOf<'check'>>()({
  OPENSHIFT_HA_VIRTUAL_IPS: imageSetting(
    'OPENSHIFT_HA_VIRTUAL_IPS',
    deploymentVips,
    'Set by the ipfailover Deployment. The Services with an external IP or load-balancer IP among these VIPs (expanded as the image expands them) are the ones checked.',
  ),
  OPENSHIFT_HA_NETWORK_INTERFACE: nodeTargetSettings.OPENSHIFT_HA_NETWORK_INTERFACE,
  KUBERNETES_SERVICE_HOST: optional(
    text,
    'Set by Kubernetes in every pod: the API server, asked with the pod’s service account token and CA when IPF_KUBECONFIG is unset.',
  ),
  KUBERNETES_SERVICE_PORT: optional(port, 'Set by Kubernetes in every pod, with KUBERNETES_SERVICE_HOST.'),
  IPF_KUBECONFIG: optional(
    fileContents,
    'Outside a cluster: a kubeconfig in JSON (`oc config view --minify --flatten --raw -o json`; server; certificate-authority(-data) or insecure-skip-tls-verify; token, tokenFile or client-certificate(-data) and client-key(-data)). Unset: the in-cluster service account.',
  ),
  IPF_EXTERNALIP_NAMESPACES: optional(
    namespaceList,
    'Comma list of namespaces whose Services are checked. Unset: all namespaces.',
  ),
  IPF_EXTERNALIP_SELECTOR: optional(
    parseLabelSelector,
    'Label selector for the Services, sent to the API: `key=value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated.',
  ),
  IPF_EXTERNALIP_CACHE_S: withDefault(
    '30',
    seconds(0, 3600),
    'Seconds the API’s answer is kept in IPF_STATE_DIR before the API is asked again; 0 asks at every run.',
  ),
  IPF_EXTERNALIP_STALE_S: withDefault(
    '300',
    seconds(0, 86_400),
    'While the API cannot be asked, the last answer is used for up to this many seconds; after that the check fails.',
  ),
  IPF_EXTERNALIP_HEALTH_HOST: withDefault(
    '127.0.0.1',
    ipAddress,
    'Address asked for `/healthz` on the healthCheckNodePort of `externalTrafficPolicy: Local` Services.',
  ),
  IPF_EXTERNALIP_NODE_IP: optional(
    ipAddress,
    'Node IP for the NodePort probes. Unset: the node IP as the image finds it (the first IPv4 address of OPENSHIFT_HA_NETWORK_INTERFACE or the auto-detected interface).',
  ),
});
