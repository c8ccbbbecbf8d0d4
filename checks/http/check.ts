import { setFlagsFromString } from 'node:v8';
import type { Dispatcher } from 'undici';
import { formatEndpoint } from '../../core/endpoint.ts';
import { SettingError } from '../../core/errors.ts';
import {
  Agent,
  describeHttpError,
  discardBody,
  readAtMost,
  redirect,
  request,
} from '../../core/http-client.ts';
import { matchWithin } from '../../core/linear-regex.ts';
import { resolveNodeTarget } from '../../core/node-target.ts';
import { type Check, failed, type ProbeContext, type ProbeResult, passed } from '../../core/probe.ts';
import { invalid } from '../../core/settings.ts';
import {
  formatStatusRanges,
  httpSettings,
  isSecretHeader,
  readHeaderFiles,
  type StatusRanges,
} from './settings.ts';

export interface HttpConfig {
  readonly urls: readonly URL[];
  readonly origin: string;
  readonly method: 'GET' | 'HEAD';
  readonly status: StatusRanges;
  readonly bodyRegex: RegExp | undefined;
  readonly bodyNotRegex: RegExp | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Lower-case names of the headers whose values are never shown. */
  readonly secretHeaders: ReadonlySet<string>;
  readonly tls: TlsOptions;
  readonly followRedirects: boolean;
  readonly maxBody: number;
}

interface TlsOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

const MAX_REDIRECTS = 5;

// undici parses HTTP with llhttp compiled to WebAssembly. V8's optimising tier recompiles it in the
// background, which this short-lived process never benefits from: baseline-only halves the CPU
// of a run (see bench/). It must be set before the first connection compiles the module.
setFlagsFromString('--liftoff-only');

export const httpCheck: Check<typeof httpSettings, HttpConfig> = {
  name: 'http-check',
  settings: httpSettings,

  configure(values) {
    const problems: string[] = [];
    if (values.IPF_HTTP_METHOD === 'HEAD' && (values.IPF_HTTP_BODY_REGEX || values.IPF_HTTP_BODY_NOT_REGEX)) {
      problems.push(
        invalid('IPF_HTTP_METHOD', 'GET when a body regex is set (a HEAD answer has no body)', '"HEAD"'),
      );
    }
    if (Boolean(values.IPF_HTTP_CERT_FILE) !== Boolean(values.IPF_HTTP_KEY_FILE)) {
      const missing = values.IPF_HTTP_CERT_FILE ? 'IPF_HTTP_KEY_FILE' : 'IPF_HTTP_CERT_FILE';
      problems.push(
        invalid(
          missing,
          'a file path, since a client certificate needs both a certificate and a key',
          'nothing',
        ),
      );
    }
    const headers: Record<string, string> = Object.fromEntries(values.IPF_HTTP_HEADERS ?? []);
    const secretHeaders = new Set((values.IPF_HTTP_SECRET_HEADERS ?? []).map((name) => name.toLowerCase()));
    const fromFiles = readHeaderFiles(values.IPF_HTTP_HEADER_FILES ?? [], problems);
    for (const [name, value] of fromFiles) {
      headers[name] = value;
      secretHeaders.add(name.toLowerCase());
    }
    if (values.IPF_HTTP_HOST !== undefined) headers.host = values.IPF_HTTP_HOST;
    let urls = values.IPF_HTTP_URL;
    let origin = 'IPF_HTTP_URL';
    if (!urls) {
      const node = resolveNodeTarget(values);
      if (!node.endpoint) {
        problems.push(
          invalid('IPF_HTTP_URL', `a URL, since ${node.origin} leaves no default target`, 'nothing'),
        );
      } else {
        urls = [new URL(`http://${formatEndpoint(node.endpoint)}/`)];
        origin = node.origin;
      }
    }
    if (problems.length > 0 || !urls) throw new SettingError(problems);
    return {
      urls,
      origin,
      method: values.IPF_HTTP_METHOD,
      status: values.IPF_HTTP_STATUS,
      bodyRegex: values.IPF_HTTP_BODY_REGEX,
      bodyNotRegex: values.IPF_HTTP_BODY_NOT_REGEX,
      headers,
      secretHeaders,
      tls: {
        ca: values.IPF_HTTP_CA_FILE?.contents,
        cert: values.IPF_HTTP_CERT_FILE?.contents,
        key: values.IPF_HTTP_KEY_FILE?.contents,
        servername: values.IPF_HTTP_SERVER_NAME ?? serverNameOf(values.IPF_HTTP_HOST),
        rejectUnauthorized: !values.IPF_HTTP_INSECURE,
      },
      followRedirects: values.IPF_HTTP_FOLLOW_REDIRECTS,
      maxBody: values.IPF_HTTP_MAX_BODY,
    };
  },

  describe(config) {
    const headers = Object.entries(config.headers).map(
      ([name, value]) =>
        `${name}: ${isSecretHeader(name, config.secretHeaders) ? `<hidden, ${value.length} characters>` : value}`,
    );
    return [
      `urls (all must pass, from ${config.origin}): ${config.urls.map((url) => url.href).join(', ')}`,
      `expect: ${config.method}, status ${formatStatusRanges(config.status)}${config.method === 'GET' ? `, a body of at most ${config.maxBody} bytes` : ''}${config.followRedirects ? `, following up to ${MAX_REDIRECTS} redirects` : ''}`,
      ...(headers.length > 0 ? [`headers: ${headers.join('; ')}`] : []),
    ];
  },

  async probe(config, context) {
    const agent = new Agent({ connect: { ...config.tls } });
    const dispatcher = config.followRedirects
      ? agent.compose(redirect({ maxRedirections: MAX_REDIRECTS }))
      : agent;
    try {
      const results = await Promise.all(config.urls.map((url) => probeUrl(url, config, dispatcher, context)));
      return results.find((result) => !result.ok) ?? passed;
    } finally {
      agent.destroy().catch(() => {});
    }
  },
};

/** SNI carries a name, never an address: a Host header of `10.0.0.5:8443` sends no server name. */
function serverNameOf(host: string | undefined): string | undefined {
  const name = host?.replace(/:\d+$/, '');
  return name && !/^[\d.]+$|^\[.*\]$/.test(name) ? name : undefined;
}

function inRanges(status: number, ranges: StatusRanges): boolean {
  return ranges.some(([low, high]) => status >= low && status <= high);
}

async function probeUrl(
  url: URL,
  config: HttpConfig,
  dispatcher: Dispatcher,
  context: ProbeContext,
): Promise<ProbeResult> {
  const label = `${config.method} ${url.href}`;
  try {
    context.step(`while waiting for the response headers of ${label}`);
    const response = await request.call(dispatcher, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: config.method,
      headers: config.headers,
      signal: context.signal,
      throwOnMaxRedirect: true,
    } as Dispatcher.RequestOptions);
    if (!inRanges(response.statusCode, config.status)) {
      discardBody(response.body);
      return failed(`${label}: status ${response.statusCode}, expected ${formatStatusRanges(config.status)}`);
    }
    if (config.method === 'HEAD') {
      discardBody(response.body);
      return passed;
    }
    // The body is read whatever the settings, as kubelet's httpGet and blackbox_exporter read it: a
    // body that cannot be read whole (a reset, Content-Length not reached) is a failed answer.
    context.step(`while reading the body of ${label}`);
    let body: string;
    try {
      const read = await readAtMost(response.body, config.maxBody);
      if (read.truncated) {
        return failed(`${label}: body longer than IPF_HTTP_MAX_BODY (${config.maxBody} bytes)`);
      }
      body = read.text;
    } catch (error) {
      return failed(`${label}: body cut short: ${explain(error)}`);
    }
    if (config.bodyRegex) {
      context.step(`while matching the body of ${label} against ${config.bodyRegex}`);
      const outcome = await matchWithin(config.bodyRegex, body, context.signal);
      if ('reason' in outcome) return failed(`${label}: ${outcome.reason}`);
      if (!outcome.matched) return failed(`${label}: body does not match ${config.bodyRegex}`);
    }
    if (config.bodyNotRegex) {
      context.step(`while matching the body of ${label} against ${config.bodyNotRegex}`);
      const outcome = await matchWithin(config.bodyNotRegex, body, context.signal);
      if ('reason' in outcome) return failed(`${label}: ${outcome.reason}`);
      if (outcome.matched) return failed(`${label}: body matches ${config.bodyNotRegex}`);
    }
    return passed;
  } catch (error) {
    return failed(`${label}: ${explain(error)}`);
  }
}

function explain(error: unknown): string {
  const message = describeHttpError(error);
  return /redirect/i.test(message) ? `more than ${MAX_REDIRECTS} redirects` : message;
}
