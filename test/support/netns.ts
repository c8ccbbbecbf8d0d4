import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { onCleanup } from './harness.ts';

/**
 * Test hosts as network namespaces. Addresses live only inside them, in 203.0.113.0/24
 * (TEST-NET-3), after checking that the machine routes nothing there; the root namespace gets no
 * address and no route.
 */
export const TEST_SUBNET = '203.0.113';

let counter = 0;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function assertSubnetIsFree(subnet = TEST_SUBNET): void {
  const routes = ip('-4', 'route', 'show', 'table', 'all');
  if (routes.split('\n').some((line) => line.startsWith(`${subnet}.`))) {
    throw new Error(
      `${subnet}.0/24 is already routed on this machine; refusing to create test hosts that overlap it:\n${routes}`,
    );
  }
}

export interface TestHost {
  readonly name: string;
  readonly address: string;
  /** Runs a command inside the namespace and returns its stdout. */
  exec(command: string, args: string[], env?: NodeJS.ProcessEnv): string;
  /** Starts a long-running process inside the namespace; it is killed at cleanup. */
  spawn(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
}

/**
 * One namespace with loopback and `eth0` holding `address`/24: a single node for keepalived. `eth0` is
 * one end of a veth pair whose peer stays in the namespace too (this kernel has no dummy driver).
 */
export function singleHost(lastOctet = 2): TestHost {
  assertSubnetIsFree();
  const host = testHost(`${TEST_SUBNET}.${lastOctet}`);
  ip('-n', host.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer');
  ip('-n', host.name, 'link', 'set', 'eth0-peer', 'up');
  addressEth0(host);
  return host;
}

/**
 * Two namespaces joined by a veth pair, `eth0` in each: `.2` and `.3` of the test subnet. One can be
 * a node that observes, the other the node that holds (or stops holding) an address.
 */
export function connectedHosts(): [TestHost, TestHost] {
  assertSubnetIsFree();
  const first = testHost(`${TEST_SUBNET}.2`);
  const second = testHost(`${TEST_SUBNET}.3`);
  ip('-n', first.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', second.name);
  addressEth0(first);
  addressEth0(second);
  return [first, second];
}

function addressEth0(host: TestHost): void {
  ip('-n', host.name, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
  ip('-n', host.name, 'link', 'set', 'eth0', 'up');
}

/** A namespace with loopback up, removed (with every process it started) at cleanup. */
function testHost(address: string): TestHost {
  const name = `ipft-t${process.pid}-${++counter}`;
  ip('netns', 'add', name);
  onCleanup(() => {
    try {
      ip('netns', 'delete', name);
    } catch {
      // Already gone.
    }
  });
  ip('-n', name, 'link', 'set', 'lo', 'up');
  const children: ChildProcess[] = [];
  onCleanup(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
  });
  return {
    name,
    address,
    exec: (command, args, env) =>
      execFileSync('ip', ['netns', 'exec', name, command, ...args], {
        encoding: 'utf8',
        env: env ?? process.env,
      }),
    spawn: (command, args, env) => {
      const child = spawn('ip', ['netns', 'exec', name, command, ...args], {
        env: env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return child;
    },
  };
}
