import { dirname, isAbsolute, join } from 'node:path';
import { FileProblem, readRegularFile } from '../../core/bounded-file.ts';
import { formatEndpoint } from '../../core/endpoint.ts';
import { describeError, UserError } from '../../core/errors.ts';
import { isRecord } from '../../core/records.ts';

/** How to reach the Kubernetes API: the server, its TLS trust and this client's credentials. */
export interface ApiAccess {
  readonly server: URL;
  /** Where the access came from, for --validate and reasons; never includes a secret. */
  readonly origin: string;
  readonly tls: {
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    readonly servername?: string;
    readonly rejectUnauthorized: boolean;
  };
  readonly token: string | undefined;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A problem with a kubeconfig or the service account, as one line without the setting name. */
export class AccessError extends UserError {}

/**
 * The most read of each file. Any of them may be a FIFO (the open would block), a symlink to /dev/zero
 * (the read would never end) or simply huge, and the check must fail inside its deadline instead; so
 * each is read only if it is a regular file, up to a bound far above what it holds in practice.
 * A token is a JWT of one or two KiB (an OpenShift `sha256~` token is shorter).
 */
const TOKEN_MAX_BYTES = 64 * 1024;
/** A PEM certificate or key is a few KiB; a CA bundle, even the whole system trust store, some 200 KiB. */
const PEM_MAX_BYTES = 1024 * 1024;

/** `what` names the file for the message: `the service account token`, `certificate-authority`, … */
function readBounded(path: string, what: string, maxBytes: number): Buffer {
  try {
    return readRegularFile(path, maxBytes);
  } catch (error) {
    // Its message starts with the path: `/x/token is a FIFO, not a regular file`.
    if (error instanceof FileProblem) throw new AccessError(`${what} ${error.message}`);
    throw new AccessError(`cannot read ${what} ${path}: ${describeError(error)}`);
  }
}

/**
 * A bearer token is visible ASCII (RFC 6750); anything else is a garbled file, and would only fail
 * later as a header error. The token itself is never shown.
 */
function bearerToken(text: string, what: string): string {
  const token = text.trim();
  if (token === '') throw new AccessError(`${what} is empty`);
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new AccessError(
      `${what} holds characters a bearer token cannot have (expected visible ASCII only; the token is not shown)`,
    );
  }
  return token;
}

/**
 * In a pod: the API's service address from the variables Kubernetes sets in every pod, the token and
 * CA that it mounts. The token is read at every run: bound tokens are rotated in place by the kubelet.
 */
export function readInClusterAccess(host: string, port: number, directory = SERVICE_ACCOUNT_DIR): ApiAccess {
  const tokenPath = join(directory, 'token');
  const token = bearerToken(
    readBounded(tokenPath, 'the service account token', TOKEN_MAX_BYTES).toString('utf8'),
    `the service account token ${tokenPath}`,
  );
  const ca = readBounded(join(directory, 'ca.crt'), 'the service account CA', PEM_MAX_BYTES);
  return {
    server: new URL(`https://${formatEndpoint({ host, port })}`),
    origin: `the in-cluster service account (${directory})`,
    tls: { ca, rejectUnauthorized: true },
    token,
  };
}

/** A value given inline (`*-data`, base64) or as a file, relative to the kubeconfig's folder. */
type Source =
  | { readonly data: string; readonly field: string }
  | { readonly path: string; readonly field: string };

/** What a kubeconfig's current context points at, before any referenced file is read. */
export interface KubeconfigRefs {
  readonly context: string;
  readonly server: URL;
  readonly ca: Source | undefined;
  readonly insecure: boolean;
  readonly serverName: string | undefined;
  readonly token: Source | undefined;
  readonly clientCertificate: Source | undefined;
  readonly clientKey: Source | undefined;
}

function named(document: Record<string, unknown>, list: string, item: string, name: string) {
  const entries = document[list];
  if (!Array.isArray(entries)) throw new AccessError(`has no ${list} list`);
  const entry = entries.find((candidate) => isRecord(candidate) && candidate.name === name);
  if (!isRecord(entry)) throw new AccessError(`${list} has no entry named "${name}"`);
  const body = entry[item];
  if (!isRecord(body)) throw new AccessError(`${list} entry "${name}" has no ${item} object`);
  return body;
}

function stringField(owner: Record<string, unknown>, field: string, where: string): string | undefined {
  const value = owner[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new AccessError(`${where}: ${field} is not a string`);
  return value;
}

function source(
  owner: Record<string, unknown>,
  pathField: string,
  dataField: string,
  where: string,
  baseDir: string,
): Source | undefined {
  const path = stringField(owner, pathField, where);
  const data = stringField(owner, dataField, where);
  if (path !== undefined && data !== undefined) {
    throw new AccessError(`${where}: set ${pathField} or ${dataField}, not both`);
  }
  if (data !== undefined) return { data, field: dataField };
  if (path !== undefined) return { path: isAbsolute(path) ? path : join(baseDir, path), field: pathField };
  return undefined;
}

/** Follows current-context to its cluster and user, as kubectl does. Pure: referenced files are only named. */
export function resolveKubeconfig(document: unknown, baseDir: string): KubeconfigRefs {
  if (!isRecord(document))
    throw new AccessError('is not a kubeconfig (a JSON object with clusters, contexts and users)');
  const context = stringField(document, 'current-context', 'the kubeconfig');
  if (context === undefined) {
    throw new AccessError('has no current-context (set one with `kubectl config use-context NAME`)');
  }
  const contextBody = named(document, 'contexts', 'context', context);
  const clusterName = stringField(contextBody, 'cluster', `context "${context}"`);
  const userName = stringField(contextBody, 'user', `context "${context}"`);
  if (clusterName === undefined) throw new AccessError(`context "${context}" names no cluster`);
  if (userName === undefined) throw new AccessError(`context "${context}" names no user`);

  const cluster = named(document, 'clusters', 'cluster', clusterName);
  const where = `cluster "${clusterName}"`;
  const serverText = stringField(cluster, 'server', where);
  let server: URL;
  try {
    server = new URL(serverText ?? '');
  } catch {
    throw new AccessError(
      `${where}: expected an https:// server URL, got ${JSON.stringify(serverText ?? '')}`,
    );
  }
  // A bearer token must not cross the network in clear text.
  if (server.protocol !== 'https:') {
    throw new AccessError(`${where}: expected an https:// server URL, got ${JSON.stringify(serverText)}`);
  }
  const insecureValue = cluster['insecure-skip-tls-verify'];
  if (insecureValue !== undefined && typeof insecureValue !== 'boolean') {
    throw new AccessError(`${where}: insecure-skip-tls-verify is not true or false`);
  }
  const insecure = insecureValue === true;
  const ca = source(cluster, 'certificate-authority', 'certificate-authority-data', where, baseDir);
  if (insecure && ca) {
    // kubectl refuses this combination too: it is never clear which one was meant.
    throw new AccessError(`${where}: sets both insecure-skip-tls-verify and a certificate authority`);
  }

  const user = named(document, 'users', 'user', userName);
  const userWhere = `user "${userName}"`;
  for (const unsupported of ['exec', 'auth-provider', 'username', 'password']) {
    if (user[unsupported] !== undefined) {
      throw new AccessError(
        `${userWhere}: ${unsupported} is not supported; expected token, tokenFile or client-certificate and client-key`,
      );
    }
  }
  const token = source(user, 'tokenFile', 'token', userWhere, baseDir);
  const clientCertificate = source(user, 'client-certificate', 'client-certificate-data', userWhere, baseDir);
  const clientKey = source(user, 'client-key', 'client-key-data', userWhere, baseDir);
  if (Boolean(clientCertificate) !== Boolean(clientKey)) {
    throw new AccessError(`${userWhere}: a client certificate needs both client-certificate and client-key`);
  }
  if (!token && !clientCertificate) {
    throw new AccessError(`${userWhere}: expected a token, a tokenFile or a client certificate and key`);
  }
  return {
    context,
    server,
    ca,
    insecure,
    serverName: stringField(cluster, 'tls-server-name', where),
    token,
    clientCertificate,
    clientKey,
  };
}

/** Token values are text; certificates and keys in `*-data` are base64 of PEM. */
function readSource(value: Source, kind: 'token' | 'pem'): Buffer {
  if ('path' in value) {
    return readBounded(value.path, value.field, kind === 'token' ? TOKEN_MAX_BYTES : PEM_MAX_BYTES);
  }
  if (kind === 'token') return Buffer.from(value.data);
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value.data)) throw new AccessError(`${value.field} is not base64`);
  return Buffer.from(value.data, 'base64');
}

/**
 * Reads and follows a kubeconfig in JSON, which `oc config view --minify --flatten --raw -o json`
 * writes and kubectl reads as well. Not YAML: a YAML parser (the yaml package) would take the check
 * bundles past their 700 KiB, and this is only the outside-a-cluster path.
 */
export function readKubeconfigAccess(path: string, contents: string): ApiAccess {
  let document: unknown;
  try {
    document = JSON.parse(contents);
  } catch (error) {
    if (contents.trim() === '') throw new AccessError('is empty');
    throw new AccessError(
      looksLikeYaml(contents)
        ? 'YAML; `oc config view --minify --flatten --raw -o json > FILE` writes it as JSON'
        : `not valid JSON: ${describeJsonError(error, contents)}`,
    );
  }
  const refs = resolveKubeconfig(document, dirname(path));
  const token = refs.token ? readToken(refs.token, refs.context) : undefined;
  return {
    server: refs.server,
    origin: `IPF_KUBECONFIG ${path} (context ${refs.context})`,
    tls: {
      ca: refs.ca ? readSource(refs.ca, 'pem') : undefined,
      cert: refs.clientCertificate ? readSource(refs.clientCertificate, 'pem') : undefined,
      key: refs.clientKey ? readSource(refs.clientKey, 'pem') : undefined,
      servername: refs.serverName,
      rejectUnauthorized: !refs.insecure,
    },
    token,
  };
}

function readToken(value: Source, context: string): string {
  const text = readSource(value, 'token').toString('utf8');
  return bearerToken(
    text,
    'path' in value ? `${value.field} ${value.path}` : `user of context "${context}": the token`,
  );
}

/** YAML as kubectl writes it starts with a key, a comment or `---`; JSON with `{`. */
const looksLikeYaml = (text: string): boolean => /^\s*(?:[A-Za-z#]|---)/.test(text);

/**
 * V8's JSON.parse messages quote a stretch of the text, which here may hold a token, control
 * characters or line breaks; only the kind of error and where it is are kept.
 */
function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : '';
  // `Expected ',' or '}' after property value in JSON at position 31`: V8's own words, no quoted text.
  const positioned = /^([ !#-~]*?) (?:in|after) JSON at position (\d+)/.exec(message);
  if (positioned) {
    const offset = Number(positioned[2]);
    const before = text.slice(0, offset).split('\n');
    return `${positioned[1]} at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
  }
  if (message === 'Unexpected end of JSON input') return 'it ends in the middle of the JSON';
  return 'an unexpected character';
}
