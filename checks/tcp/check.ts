import { type Endpoint, formatEndpoint } from '../../core/endpoint.ts';
import { type NodeTarget, resolveNodeTarget } from '../../core/node-target.ts';
import { type Check, failed, type ProbeContext, type ProbeResult, passed } from '../../core/probe.ts';
import { tcpExchange } from '../../core/tcp-exchange.ts';
import { tcpSettings } from './settings.ts';

export interface TcpConfig {
  readonly targets: readonly Endpoint[];
  /** Why these targets: the image's default, or IPF_TCP_TARGETS. */
  readonly origin: string;
  readonly mode: 'all' | 'any';
  readonly send: string | undefined;
  readonly expect: RegExp | undefined;
}

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
    context.step(`while connecting to ${name}`);
    const exchange = {
      send: config.send,
      expect: config.expect,
      onConnect: () => context.step(`while waiting for ${config.expect} from ${name}`),
    };
    const cancel = tcpExchange(target, exchange, (outcome) => {
      context.signal.removeEventListener('abort', onAbort);
      resolve(outcome.ok ? passed : failed(`${name}: ${outcome.reason}`));
    });
    const onAbort = () => cancel('aborted');
    context.signal.addEventListener('abort', onAbort, { once: true });
  });
}
