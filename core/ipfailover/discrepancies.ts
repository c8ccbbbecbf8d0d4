import { imageVariables } from './image-env.ts';

const offset = imageVariables.OPENSHIFT_HA_VRRP_ID_OFFSET.fallback;
const replicas = imageVariables.OPENSHIFT_HA_REPLICA_COUNT.fallback;
const preemption = imageVariables.OPENSHIFT_HA_PREEMPTION.fallback;

/**
 * Where the official OpenShift IP failover docs and the image's code disagree. Read from
 * openshift/images ipfailover/keepalived (commit 13118bff) and keepalived 2.2.x; the code wins.
 * `ipft explain` prints this list and the README's section is generated from it.
 */
export interface Discrepancy {
  readonly topic: string;
  readonly docs: string;
  readonly code: string;
  readonly advice: string;
}

export const discrepancies: readonly Discrepancy[] = [
  {
    topic: 'OPENSHIFT_HA_VRRP_ID_OFFSET default',
    docs: 'The variable table gives 0.',
    code: `The default is ${offset}, and the first VRID is offset + 1 (${Number(offset) + 1}). Nothing checks the upper end: VRIDs above 255 are written and keepalived drops those instances. A leading 0 is octal, and 08 or 09 produce no instance at all.`,
    advice:
      'Set it explicitly in every deployment and keep offset + instances ≤ 255; `ipft lint` checks ranges across deployments.',
  },
  {
    topic: 'OPENSHIFT_HA_REPLICA_COUNT default',
    docs: 'The default is 2, and it must match spec.replicas.',
    code: `The default is ${replicas}. It is used only to spread the initial \`state MASTER\` slots (ipslot mod replicas); it is never compared with spec.replicas.`,
    advice: 'Set it to spec.replicas; `ipft lint` flags a mismatch.',
  },
  {
    topic: 'OPENSHIFT_HA_NETWORK_INTERFACE default',
    docs: 'The default is eth0.',
    code: 'The configured name is used only if that device exists; a typo falls back silently. Then enp0s3, enp0s8, eth1 and ens3 are tried in that order, and only then the device of the route to 8.8.8.8. A node with an eth1 uses eth1.',
    advice: 'Always set it (br-ex on OVN-Kubernetes) and check `ipft render` on a node.',
  },
  {
    topic: 'What the monitor port checks',
    docs: 'A TCP connection is opened to this port on each VIP.',
    code: "The default check is `/bin/bash -c '</dev/tcp/NODE_IP/PORT'`: one connection to the node’s own first IPv4 address (127.0.0.1 when it has none), shared by every instance. The VIPs are never checked.",
    advice: 'Use tcp-check with IPF_TCP_TARGETS, or http-check, to test what matters.',
  },
  {
    topic: 'OPENSHIFT_HA_CHECK_SCRIPT',
    docs: 'A script that runs to check the application, described next to the port check.',
    code: 'A custom check replaces the port check; it does not run in addition to it. It gets no arguments and the pod’s environment, and its timeout is the interval.',
    advice: 'Put every test that matters into the one check script.',
  },
  {
    topic: 'A failed check',
    docs: 'If the check script returns non-zero, the node goes into backup state.',
    code: 'The image tracks the script with weight 0 and fall 1, so one failed run puts every instance on the node into FAULT, not BACKUP. A run past the interval is killed and counts as a failure.',
    advice: 'Make checks that never hang (the toolkit’s deadline) and absorb blips with IPF_CHECK_FALL.',
  },
  {
    topic: 'OPENSHIFT_HA_IPTABLES_CHAIN',
    docs: 'Default INPUT; if the chain does not exist, keepalived runs in unicast mode.',
    code: 'There is no default. Any non-empty value (or OPENSHIFT_HA_NFTABLES_RULE) only switches on a fixed nftables table `inet keepalived` accepting 224.0.0.18; the chain name is ignored. It never changes the VRRP mode.',
    advice: 'Set OPENSHIFT_HA_UNICAST_PEERS for unicast.',
  },
  {
    topic: 'OPENSHIFT_HA_USE_UNICAST',
    docs: 'The example Deployment sets it.',
    code: 'Nothing reads it. Unicast is on exactly when OPENSHIFT_HA_UNICAST_PEERS is non-empty (split on commas, whitespace kept).',
    advice: 'Remove it; set OPENSHIFT_HA_UNICAST_PEERS.',
  },
  {
    topic: 'Notify script arguments',
    docs: 'Three arguments: group or instance, the name, and the new state in lowercase (master, backup, fault).',
    code: 'keepalived calls `SCRIPT INSTANCE NAME MASTER|BACKUP|FAULT|STOP PRIORITY`: four arguments, uppercase. Calls are concurrent, unordered and fire-and-forget, with output discarded.',
    advice: 'Use notify.sh, which records every transition with its priority.',
  },
  {
    topic: 'The removal Job',
    docs: 'Running the documented Job removes the iptables rule and the VIPs.',
    code: 'The Job sets no environment, no hostNetwork and no privileged mode. remove-failover.sh then has no VIP list and no firewall switch, and works in the pod’s own network namespace: it removes nothing. Even with the right environment IPv6 VIPs are not released (it deletes addr/32).',
    advice: 'Use the toolkit’s removal Job: the deployment’s env, hostNetwork, privileged, one pod per node.',
  },
  {
    topic: 'OPENSHIFT_HA_VIP_GROUPS unset',
    docs: 'One group per virtual IP range.',
    code: 'One VRRP instance per VIP address: `10.0.0.1-100` makes 100 instances, and 254 is the limit per cluster.',
    advice: 'Set OPENSHIFT_HA_VIP_GROUPS for large ranges.',
  },
  {
    topic: 'OPENSHIFT_HA_VIRTUAL_IPS syntax',
    docs: 'A list of addresses and ranges, e.g. 1.2.3.4-6,1.2.3.9.',
    code: 'Every character outside 0-9, a-f, `:`, `.`, `,` and `-` is deleted: `10.1.1.1/24` becomes 10.1.1.124, and spaces glue neighbours together. Invalid entries are dropped silently, range ends are not capped at 255, and IPv6 ranges work only in uppercase hex.',
    advice: 'Write plain addresses and ranges separated by commas; `ipft lint` flags the rest.',
  },
  {
    topic: 'OPENSHIFT_HA_PREEMPTION default',
    docs: 'preempt_nodelay 300.',
    code: `${preemption} (preempt_nodelay is not a keepalived keyword). The value is pasted into every instance; only the exact string \`nopreempt\` also removes \`state MASTER\`.`,
    advice: 'Use `preempt_delay N` or `nopreempt`.',
  },
  {
    topic: 'preempt_delay on the initial masters',
    docs: 'A node that comes back waits the preemption delay (300 s by default) before it takes its VIPs back.',
    code: 'The image writes `state MASTER` into each node’s master-slot instances, the ones with its high priorities, and keepalived clears preempt_delay on every instance that starts as MASTER (`keepalived -t` says "preempt delay will not work with initial state MASTER - clearing"). Those instances take their VIP back as soon as their check passes again; only the node’s other instances wait the delay. A node or a service that recovers pulls its VIPs back at once: a second short outage right after the first.',
    advice:
      'Use `nopreempt` to leave VIPs where they are (it also removes `state MASTER`), or IPF_CHECK_RISE=N to hold a recovered service back for N check intervals; `npm run lab -- --scenario preempt` measures both kinds of instance.',
  },
  {
    topic: 'HA_EXCLUDED_VRRP_IDS',
    docs: 'Not documented.',
    code: 'Read without the OPENSHIFT_ prefix, space-separated (`12,13` excludes nothing). Each excluded ID shifts that instance and every later one up by one.',
    advice: 'Use it to step around VRIDs used by other VRRP routers on the same network.',
  },
  {
    topic: 'Initial masters and priorities',
    docs: 'Any node can serve any VIP.',
    code: 'ipslot = last octet of the node IP mod 128. Instances whose number is a multiple of (ipslot mod replicas) + 1 start as MASTER with priority 255 − ipslot or ipslot + 1, alternating; the others get ipslot mod 64 + a random 0..31 drawn at every pod start, so placement changes across restarts.',
    advice: 'Expect VIPs to move when pods restart; `ipft render --seed` shows one outcome.',
  },
];

/** The README's "where the docs mislead" section, generated so the two cannot drift apart. */
export function discrepancyMarkdown(): string {
  return discrepancies
    .map(({ topic, docs, code, advice }) => `- **${topic}.** Docs: ${docs} Code: ${code} Do: ${advice}`)
    .join('\n');
}
