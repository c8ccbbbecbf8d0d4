import { connect, type Socket } from 'node:net';
import { type Endpoint, formatEndpoint } from '../../core/endpoint.ts';
import { describeError } from '../../core/errors.ts';
import { type NodeTarget, resolveNodeTarget } from '../../core/node-target.ts';
import { type Check, failed, type ProbeContext, type ProbeResult, passed } from '../../core/probe.ts';
import { tcpSettings } from './settings.ts';

export interface TcpConfig {
  readonly targets: readonly Endpoint[];
  /** Why these targets: the image's default, or IPF_TCP_TARGETS. */
  readonly origin: string;
  readonly mode: 'all' | 'any';
  readonly send: string | undefined;
  readonly expect: RegExp | undefined;
}

/** What the expect regex is matched against at most; a service banner fits many times over. */
const EXPECT_WINDOW_BYTES = 64 * 1024;

export const tcpCheck: Check<typeof tcpSettings, TcpConfig> = {
  name: 'tcp-check',
  settings: tcpSettings,

  configure(values) {
    const common = { mode: values.IPF_TCP_MODE, send: values.IPF_TCP_SEND, expect: values.IPF_TCP_EXPECT };
    if (values.IPF_TCP_TARGETS)
      return { ...common, targets: values.IPF_TCP_TARGETS, origin: 'IPF_TCP_TARGETS' };
    const node: NodeTarget = resolveNodeTarget(values);
    return { ...common, targets: node.endpoint ? [node.endpoint] : [], origin: node.origin };
  },

  describe(config) {
    if (config.targets.length === 0)
      return [`targets: none (${config.origin}); the check passes without connecting`];
    return [
      `targets (${config.mode}, from ${config.origin}): ${config.targets.map(formatEndpoint).join(', ')}`,
    ];
  },

  async probe(config, context) {
    if (config.targets.length === 0) return passed;
    const attempts = config.targets.map((target) => probeEndpoint(target, config, context));
    return config.mode === 'all' ? firstFailure(attempts) : firstSuccess(attempts);
  },
};

async function firstFailure(attempts: Promise<ProbeResult>[]): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let remaining = attempts.length;
    for (const attempt of attempts) {
      attempt.then((result) => {
        if (!result.ok) resolve(result);
        else if (--remaining === 0) resolve(passed);
      });
    }
  });
}

async function firstSuccess(attempts: Promise<ProbeResult>[]): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const reasons: string[] = [];
    for (const attempt of attempts) {
      attempt.then((result) => {
        if (result.ok) resolve(result);
        else if (reasons.push(result.reason) === attempts.length)
          resolve(failed(`no target answered: ${reasons.join('; ')}`));
      });
    }
  });
}

function probeEndpoint(target: Endpoint, config: TcpConfig, context: ProbeContext): Promise<ProbeResult> {
  const name = formatEndpoint(target);
  return new Promise((resolve) => {
    let received = '';
    const socket: Socket = connect({ host: target.host, port: target.port });
    const settle = (result: ProbeResult) => {
      socket.destroy();
      context.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = () => settle(failed(`${name}: aborted`));
    context.signal.addEventListener('abort', onAbort, { once: true });
    context.step(`while connecting to ${name}`);
    socket.on('error', (error) => settle(failed(`${name}: ${describeError(error)}`)));
    socket.on('connect', () => {
      if (config.send !== undefined) socket.write(config.send);
      if (config.expect === undefined) return settle(passed);
      context.step(`while waiting for ${config.expect} from ${name}`);
    });
    socket.on('data', (chunk: Buffer) => {
      received = (received + chunk.toString('latin1')).slice(-EXPECT_WINDOW_BYTES);
      if (config.expect?.test(received)) settle(passed);
    });
    socket.on('close', () =>
      settle(
        failed(
          `${name}: closed before ${config.expect} matched; received ${JSON.stringify(received.slice(0, 80))}`,
        ),
      ),
    );
  });
}
