import { DEFAULT_SIZE } from './scenario-kit.ts';

/**
 * What each scenario asserts, as the README's scenario table states it: one claim per `ok` line the
 * scenario prints. `check` matches the text after `ok   ` in the scenario's report;
 * test/unit/lab-claims.test.ts holds the README's table to these texts, and test/lab.test.ts holds
 * every passed scenario's report to these checks, so the table cannot claim what nothing asserts.
 */
export interface Claim {
  readonly text: string;
  readonly check: RegExp;
  /** How many `ok` lines must match (one per host, one per interval); 1 unless given. */
  readonly count?: number;
  /** Asserted only in the measuring form (`--grid`), not in the default run that CI makes. */
  readonly grid?: true;
}

export const scenarioClaims: Readonly<Record<string, readonly Claim[]>> = {
  'service-down': [
    {
      text: "the mode's own check at 2 s: median failover ≤ bound + 0.3 s",
      check: /^(prober|one-shot http-check) at 2 s: median [\d.]+ ms ≤ bound \d+ ms \+ 300 ms$/,
    },
    {
      text: 'with `--grid`, its median ≤ 1.05 × the stock check’s',
      check: /^(prober|one-shot http-check) at 2 s: median [\d.]+ ms ≤ 1\.05 × the stock/,
      grid: true,
    },
    {
      text: "each of its failovers: the exporters' outage histogram agrees with the lab client's within 0.3 s (both count a RST as an answer)",
      check:
        /^(prober|one-shot http-check) at 2 s, app killed \d+ ms after a check: VIP unreachable \d+ ms to the lab client, observed by .+: within 300 ms$/,
      count: DEFAULT_SIZE.phases,
    },
    { text: 'no VIPSplitBrain', check: /^VIPSplitBrain did not fire$/ },
    { text: 'no VIPNoMaster', check: /^VIPNoMaster did not fire$/ },
  ],
  'node-down': [
    { text: 'another host serves the VIP', check: /^\S+ is served by another host$/ },
    { text: 'no VIPNoMaster', check: /^VIPNoMaster did not fire$/ },
  ],
  partition: [
    { text: 'VIPSplitBrain fires', check: /^VIPSplitBrain fired \d+ s after the partition$/ },
    { text: 'some VIP is held by several hosts', check: /^some VIP is held by several hosts$/ },
    { text: 'after the heal one master per VIP', check: /^one master per VIP after the heal$/ },
    { text: 'VIPSplitBrain resolves after the heal', check: /^VIPSplitBrain resolved after the heal$/ },
    { text: 'no VIPNoMaster', check: /^VIPNoMaster did not fire$/ },
  ],
  'all-fail': [
    { text: 'VIPNoMaster fires', check: /^VIPNoMaster fired \d+ s after every app stopped$/ },
    { text: 'every instance of every host in FAULT', check: /^h\d: all \d+ instances in FAULT$/, count: 3 },
    { text: 'no host holds a VIP', check: /^no host holds a VIP$/ },
    { text: 'no VIPSplitBrain', check: /^VIPSplitBrain did not fire$/ },
  ],
  preempt: [
    {
      text: 'the `state MASTER` VIP comes back at once, within [0, 2 × interval + 4] s, because keepalived cleared its `preempt_delay`',
      check:
        /^\S+ \(state MASTER, preempt_delay cleared\): back after [\d.]+ s, at once: within \[0, \d+\] s$/,
    },
    {
      text: 'the BACKUP one comes back after `preempt_delay`, within [delay − 1, delay + 2 × interval + 6] s',
      check:
        /^\S+ \(starts as BACKUP\): back after [\d.]+ s, after preempt_delay \d+ s: within \[\d+, \d+\] s$/,
    },
    {
      text: 'under `nopreempt` the VIP stays where it went',
      check: /^nopreempt: the recovered host does not take the VIP back$/,
    },
  ],
  flap: [
    {
      text: 'fewer transitions with `IPF_CHECK_FALL=3` than with 1',
      check: /^IPF_CHECK_FALL=3 makes fewer transitions$/,
    },
  ],
  'prober-down': [
    { text: 'FALL 1: the VIP moves', check: /^\S+ moved off h\d$/ },
    {
      text: 'FALL 1: it moves within the bound + 0.3 s',
      check: /^moved in \d+ ms ≤ bound \d+ ms \+ 300 ms$/,
    },
    { text: 'ProberDown fires', check: /^ProberDown fired$/ },
    { text: 'ProberDown fires before CheckStale', check: /^ProberDown fired before CheckStale$/ },
    {
      text: 'FALL 3: no VIP moves and no transition',
      check: /^a prober restart shorter than IPF_CHECK_FALL runs moves no VIP$/,
    },
  ],
  'cpu-pressure': [
    {
      text: 'the prober at 2 s and at 1 s: every run made',
      check: /^prober at [12] s: \d+ ≥ \d+ runs$/,
      count: 2,
    },
    { text: 'no run timed out', check: /^prober at [12] s: no run timed out$/, count: 2 },
    { text: 'no transition to FAULT', check: /^prober at [12] s: no transition to FAULT$/, count: 2 },
  ],
  blackhole: [
    { text: 'VIPUnreachable fires', check: /^VIPUnreachable fired \d+ s after the drop$/ },
    { text: 'a client cannot reach the VIP', check: /^a client cannot reach \S+ either$/ },
    { text: 'its owner keeps it', check: /^h\d still holds \S+: VRRP sees nothing wrong$/ },
    { text: 'no VIPSplitBrain', check: /^VIPSplitBrain did not fire$/ },
    { text: 'no VIPNoMaster', check: /^VIPNoMaster did not fire$/ },
    { text: 'no StateMismatch', check: /^StateMismatch did not fire$/ },
    {
      text: 'VIPUnreachable resolves after the rule goes',
      check: /^VIPUnreachable resolved \d+ s after the rule went$/,
    },
  ],
  maintenance: [
    { text: 'the host with the most VIPs has some to move', check: /^h\d held \d+ VIPs? to move$/ },
    {
      text: "each VIP's client-side outage as it leaves ≤ the backup's skew time + 0.3 s",
      check: /^maintenance: VIPs leave h\d: \S+ unreachable \d+ ms \(.*\) ≤ skew time \+ 300 ms = \d+ ms$/,
    },
    {
      text: 'and as it returns under preemption',
      check:
        /^maintenance: VIPs return to h\d: \S+ unreachable \d+ ms \(.*\) ≤ skew time \+ 300 ms = \d+ ms$/,
    },
    {
      text: 'no VIP unreachable longer than with a node whose link is cut',
      check:
        /^maintenance: VIPs leave h\d: \S+ unreachable \d+ ms ≤ the longest outage of "node-down: link of h\d cut", \d+ ms$/,
    },
  ],
  'rolling-restart': [
    {
      text: "each host in turn (SIGTERM, then started again): each VIP's outage ≤ the backup's skew time + 0.3 s",
      check: /^rolling restart: h\d: \S+ unreachable \d+ ms \(.*\) ≤ skew time \+ 300 ms = \d+ ms$/,
      count: 4,
    },
    {
      text: 'no VIP unreachable longer than with a node whose link is cut',
      check:
        /^rolling restart: h\d: \S+ unreachable \d+ ms ≤ the longest outage of "node-down: link of h\d cut", \d+ ms$/,
      count: 4,
    },
  ],
};

/** The README's "asserted" cell for a scenario. */
export const claimsCell = (name: string): string =>
  (scenarioClaims[name] ?? []).map((claim) => claim.text).join('; ');
