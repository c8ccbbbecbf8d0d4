/**
 * The default node ports of the toolkit's two listeners. The exporter, the prober, the packager and the
 * linter all read them here.
 *
 * 9871 (exporter): inside OpenShift's 9000-9999 range for host-level services, which node firewalls open
 * between nodes (the exporter shares the ipfailover pod's host network); not a port an OpenShift
 * node component listens on (9100-9107, 9192, 9537, 9637, 9641-9644, 9978-9980); and not the
 * keepalived exporters' 9165 or 9650, so either can run beside it.
 *
 * 9872 (prober): beside the exporter's, outside the NodePort range (30000-32767) and the ephemeral range
 * (32768-60999), so no outgoing connection can hold it; and declared as a containerPort, so the
 * scheduler keeps another pod that declares it off the node. It is bound on 127.0.0.1 only.
 */
export const DEFAULT_EXPORTER_PORT = '9871';
export const DEFAULT_PROBER_PORT = '9872';
