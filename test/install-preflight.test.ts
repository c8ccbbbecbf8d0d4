// preflight.sh, run as ipft package writes it, against a stand-in `oc` on PATH: a
// bash script that plays the cluster (answers each subcommand, fails the one it is told to) and logs
// every call. The script under test is the generated one, unchanged.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_DEFAULTS } from '../packaging/layout.ts';
import { PACKAGE_FILES } from '../packaging/package.ts';
import { ipft } from './support/cli.ts';
import { suiteDirectory, temporaryDirectory } from './support/harness.ts';

const seed = 'deploy/example-deployment.yaml';
const image = PACKAGE_DEFAULTS.nodeImage;

/** The cluster: OC_FAIL names the one answer that goes wrong, as the real oc words it. */
const standIn = `#!/bin/bash
printf '%s\\n' "$*" >>"$OC_LOG"
fail() { [ "\${OC_FAIL:-}" = "$1" ]; }
case "$*" in
  "image info --show-multiarch ${image}")
    fail image && { echo "error: unable to read image ${image}: manifest unknown" >&2; exit 1; }
    echo "Name: ${image}" ;;
  "get deploy/ipfailover-keepalived -o jsonpath={.spec.template.spec.serviceAccountName}")
    fail deployment && { echo 'Error from server (NotFound): deployments.apps "ipfailover-keepalived" not found' >&2; exit 1; }
    printf ipfailover ;;
  "project -q") echo ipfailover ;;
  "adm policy scc-subject-review -z ipfailover deploy/ipfailover-keepalived -o jsonpath={.status.allowedBy.name}")
    fail scc || printf privileged ;;
  "get crd podmonitors.monitoring.coreos.com -o name"|"get crd prometheusrules.monitoring.coreos.com -o name")
    fail "crd \${3%%.*}" && { echo "Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io \\"$3\\" not found" >&2; exit 1; }
    echo "customresourcedefinition.apiextensions.k8s.io/$3" ;;
  "auth can-i create podmonitors.monitoring.coreos.com"|"auth can-i create prometheusrules.monitoring.coreos.com")
    fail "can-i \${4%%.*}" && { echo no; exit 1; }
    echo yes ;;
  *) echo "stand-in oc: no answer for: $*" >&2; exit 3 ;;
esac
`;

// Made in beforeAll, so they live until the file's last test.
const out = suiteDirectory();
const bin = suiteDirectory();

beforeAll(async () => {
  const packaged = await ipft(['package', '--from-deployment', seed, '--out', out]);
  expect(packaged.code, packaged.stderr).toBe(0);
  writeFileSync(join(bin, 'oc'), standIn);
  chmodSync(join(bin, 'oc'), 0o755);
});

/** preflight.sh in its directory, as the README says, with the stand-in first on PATH. */
function install(fail?: string, ...args: string[]) {
  const log = join(temporaryDirectory(), 'oc.log');
  writeFileSync(log, '');
  const result = spawnSync('sh', [PACKAGE_FILES.preflight, ...args], {
    cwd: out,
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, OC_LOG: log, ...(fail ? { OC_FAIL: fail } : {}) },
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code: result.status, stderr: result.stderr, stdout: result.stdout, calls };
}

/** The calls that change the cluster. */
const changes = (calls: readonly string[]) =>
  calls.filter((call) => /^(apply|patch|set|rollout) /.test(call));

const crdHint = (crd: string) => `inspect: oc get crd ${crd}; OpenShift monitoring installs it`;
const canIHint = (crd: string) =>
  `inspect: oc auth can-i create ${crd}; in a user project enable user-workload monitoring (enableUserWorkload: true in cm/cluster-monitoring-config -n openshift-monitoring)`;

describe('preflight.sh', () => {
  it.each([
    [
      'image',
      `preflight.sh: image: expected ${image} (--node-image) to resolve, got error: unable to read image ${image}: manifest unknown; inspect: oc image info --show-multiarch ${image}`,
    ],
    [
      'deployment',
      'preflight.sh: deployment: expected deploy/ipfailover-keepalived in project ipfailover, got Error from server (NotFound): deployments.apps "ipfailover-keepalived" not found; inspect: oc get deploy/ipfailover-keepalived',
    ],
    [
      'scc',
      'preflight.sh: scc: expected an SCC that admits the pods of deploy/ipfailover-keepalived (hostNetwork, privileged) for service account ipfailover, got none; fix: oc adm policy add-scc-to-user privileged -z ipfailover',
    ],
    [
      'crd podmonitors',
      `preflight.sh: monitoring: expected CRD podmonitors.monitoring.coreos.com (the Prometheus operator's), got Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "podmonitors.monitoring.coreos.com" not found; ${crdHint('podmonitors.monitoring.coreos.com')}`,
    ],
    [
      'can-i podmonitors',
      `preflight.sh: monitoring: expected permission to create podmonitors.monitoring.coreos.com in project ipfailover, got no; ${canIHint('podmonitors.monitoring.coreos.com')}`,
    ],
    [
      'crd prometheusrules',
      `preflight.sh: monitoring: expected CRD prometheusrules.monitoring.coreos.com (the Prometheus operator's), got Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "prometheusrules.monitoring.coreos.com" not found; ${crdHint('prometheusrules.monitoring.coreos.com')}`,
    ],
    [
      'can-i prometheusrules',
      `preflight.sh: monitoring: expected permission to create prometheusrules.monitoring.coreos.com in project ipfailover, got no; ${canIHint('prometheusrules.monitoring.coreos.com')}`,
    ],
  ])('a failing %s step stops it with one line and exit 1, before anything changes', (step, message) => {
    const result = install(step);
    expect(result.stderr).toBe(`${message}\n`);
    expect(result.code).toBe(1);
    expect(changes(result.calls)).toEqual([]);
  });

  it('with every step passing it asks each question once, read-only, changes nothing, and says so', () => {
    const result = install();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([
      `image info --show-multiarch ${image}`,
      'get deploy/ipfailover-keepalived -o jsonpath={.spec.template.spec.serviceAccountName}',
      'adm policy scc-subject-review -z ipfailover deploy/ipfailover-keepalived -o jsonpath={.status.allowedBy.name}',
      'get crd podmonitors.monitoring.coreos.com -o name',
      'auth can-i create podmonitors.monitoring.coreos.com',
      'get crd prometheusrules.monitoring.coreos.com -o name',
      'auth can-i create prometheusrules.monitoring.coreos.com',
    ]);
    expect(result.stdout).toBe(
      'preflight.sh: deploy/ipfailover-keepalived can take the toolkit: the image, the SCC and the monitoring CRDs and permissions are in place\n',
    );
  });
});
