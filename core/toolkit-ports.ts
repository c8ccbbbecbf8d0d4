/**
 * The default node ports of the toolkit's two listeners. The exporter, the prober, the packager and the
 * linter all read them here.
 *
 * 9871 (exporter): inside OpenShift's 9000-9999 range for host-level services, which node firewalls open
 * between nodes (the exporter shares the ipfailover pod's host network); not one of RESERVED_PORTS
 * below; and not the keepalived exporters' 9165 or 9650, so either can run beside it.
 *
 * 9872 (prober): beside the exporter's, outside the NodePort range (30000-32767) and the ephemeral range
 * (32768-60999), so no outgoing connection can hold it; and declared as a containerPort, so the
 * scheduler keeps another pod that declares it off the node. It is bound on 127.0.0.1 only.
 */
export const DEFAULT_EXPORTER_PORT = '9871';
export const DEFAULT_PROBER_PORT = '9872';

/**
 * Ports the toolkit's listeners must not take, with the reason: `ipft package` refuses them for
 * `--exporter-port` and `--prober-port`, and the README lists them (`npm run readme`).
 */
export const RESERVED_PORTS: readonly (readonly [from: number, to: number, why: string])[] = [
  [0, 1023, 'a privileged port, which the unprivileged containers cannot bind'],
  [9100, 9107, 'used by OpenShift node components'],
  [9192, 9192, 'used by an OpenShift node component'],
  [9537, 9537, 'used by CRI-O'],
  [9637, 9637, 'used by CRI-O'],
  [9641, 9644, 'used by OVN-Kubernetes'],
  [9978, 9980, 'used by etcd'],
  [10248, 10259, 'used by the kubelet and the control plane'],
  [30000, 32767, 'the NodePort range'],
  [32768, 60999, 'the ephemeral range, where an outgoing connection can hold it'],
];
