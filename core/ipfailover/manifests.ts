import { LineCounter, parseAllDocuments } from 'yaml';
import { FileProblem, readRegularText } from '../bounded-file.ts';
import { describeError, EXIT_BAD_INPUT, UserError } from '../errors.ts';
import { isRecord } from '../records.ts';

/** Input that cannot be linted at all: unreadable, not YAML, not a Deployment. Exit 2. */
export class ManifestError extends UserError {
  constructor(message: string) {
    super(message, EXIT_BAD_INPUT);
  }
}

export type FieldPath = readonly (string | number)[];

/** One object from a file, with a way back to the line of any of its fields. */
export interface ManifestObject {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly body: Record<string, unknown>;
  lineOf(path: FieldPath): number | undefined;
}

/** An object that was made in memory, not read from a file (a patched Deployment): it has no lines. */
export function objectInMemory(body: Record<string, unknown>, label: string): ManifestObject {
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  return {
    file: label,
    kind: typeof body.kind === 'string' ? body.kind : 'Deployment',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    body,
    lineOf: () => undefined,
  };
}

export function describeObject(object: Pick<ManifestObject, 'kind' | 'name' | 'namespace'>): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}

export function formatPath(path: FieldPath): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}

const allowedKinds = new Set(['Deployment', 'Network']);

/** An `oc get -o yaml` of a whole namespace's Deployments stays well below this. */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

/** Reads multi-document YAML; a `List` contributes its items. Only Deployments and a Network config may appear. */
export function readManifests(file: string): ManifestObject[] {
  let text: string;
  try {
    // A FIFO or /dev/zero given as a manifest is refused, not read for ever.
    text = readRegularText(file, MANIFEST_MAX_BYTES);
  } catch (error) {
    throw new ManifestError(
      `${file}: cannot read: ${error instanceof FileProblem ? error.problem : describeError(error)}`,
    );
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const objects: ManifestObject[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const [firstError] = document.errors;
    if (firstError) {
      const line = lineCounter.linePos(firstError.pos[0]).line;
      throw new ManifestError(`${file}:${line}: not valid YAML: ${firstError.message.split('\n')[0]}`);
    }
    let root: unknown;
    try {
      root = document.toJS();
    } catch (error) {
      // An alias without its anchor, or aliases that multiply into an exponential tree (the yaml
      // library's bound on them): not a manifest kubectl would take either.
      const line = lineCounter.linePos(document.range[0]).line;
      throw new ManifestError(`${file}:${line}: cannot read this YAML document: ${describeError(error)}`);
    }
    if (root === null || root === undefined) continue;
    const lineOf = (path: FieldPath) => {
      const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    };
    const startLine = lineOf([]) ?? 1;
    if (!isRecord(root))
      throw new ManifestError(`${file}:${startLine}: expected a Kubernetes object, got ${typeof root}`);
    if (root.kind === 'List' || (typeof root.kind === 'string' && root.kind.endsWith('List'))) {
      const items = Array.isArray(root.items) ? root.items : [];
      items.forEach((item, index) => {
        objects.push(
          toObject(
            file,
            item,
            (path) => lineOf(['items', index, ...path]),
            lineOf(['items', index]) ?? startLine,
          ),
        );
      });
    } else {
      objects.push(toObject(file, root, lineOf, startLine));
    }
  }
  if (objects.length === 0) throw new ManifestError(`${file}: no Kubernetes object in the file`);
  return objects;
}

function toObject(
  file: string,
  value: unknown,
  lineOf: (path: FieldPath) => number | undefined,
  line: number,
): ManifestObject {
  if (!isRecord(value))
    throw new ManifestError(`${file}:${line}: expected a Kubernetes object, got ${typeof value}`);
  const kind = typeof value.kind === 'string' ? value.kind : '(no kind)';
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '(no name)';
  if (!allowedKinds.has(kind)) {
    throw new ManifestError(
      `${file}:${line}: ${kind} ${name} is not a Deployment (ipft lint reads ipfailover Deployments and the cluster's config.openshift.io/v1 Network)`,
    );
  }
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return { file, kind, name, namespace, body: value, lineOf };
}
