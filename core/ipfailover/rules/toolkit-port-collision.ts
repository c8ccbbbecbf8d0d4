import { type Pod, toolkitPortEntries } from '../deployment.ts';
import { describeObject, type FieldPath } from '../manifests.ts';
import { defineRule, eachPair } from './rule.ts';

interface ToolkitPort {
  readonly port: number;
  readonly what: string;
  readonly path: FieldPath;
}

/** The node ports the toolkit's containers listen on (hostNetwork): their env, else the defaults. */
function toolkitPortsOf(pod: Pod): ToolkitPort[] {
  return toolkitPortEntries(pod).flatMap(({ port: known, container, entry }) => {
    const port =
      entry === undefined
        ? known.fallback
        : typeof entry.value === 'string' && /^\d+$/.test(entry.value)
          ? Number(entry.value)
          : undefined;
    if (port === undefined) return [];
    return [
      {
        port,
        what: `${known.variable} of ${known.container}${entry === undefined ? ' (unset: its default)' : ''}`,
        path: entry === undefined ? container.path : [...container.path, 'env', entry.index, 'value'],
      },
    ];
  });
}

/** Two node selectors can pick one node unless a label has different values in them (so equal, or one empty, always can). */
function canShareNode(a: Pod, b: Pod): boolean {
  return Object.entries(a.nodeSelector).every(
    ([label, value]) => !(label in b.nodeSelector) || b.nodeSelector[label] === value,
  );
}

/** Toolkit exporters and probers share the node's network: on one node, the second to bind a port never does. */
export const toolkitPortCollision = defineRule({
  id: 'toolkit-port-collision',
  summary:
    'toolkit exporter or prober ports shared by deployments whose nodeSelectors can pick the same node',
  check: eachPair((deployment, other) => {
    if (!canShareNode(deployment, other)) return [];
    const theirs = toolkitPortsOf(other);
    return toolkitPortsOf(deployment).flatMap((port) => {
      const taken = theirs.find(({ port: their }) => their === port.port);
      if (!taken) return [];
      return [
        {
          path: port.path,
          message: `${port.what} is ${port.port}, which ${describeObject(other.object)} (${other.object.file}) also listens on (${taken.what}), and their nodeSelectors can pick the same node: there the second one cannot bind`,
          fix: 'Give each deployment its own ports: ipft package derives them from the Deployment name, or takes --exporter-port and --prober-port.',
        },
      ];
    });
  }),
});
