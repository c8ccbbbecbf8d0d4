// A local Kubernetes API over real TLS: the Service and EndpointSlice lists the externalip-check asks
// for, the Node the prober reads for maintenance, the API's error answers, and the ways an answer goes
// wrong (slow, truncated, malformed).
import { writeFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { IEndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import type { INode } from 'kubernetes-models/v1/Node';
import type { IService } from 'kubernetes-models/v1/Service';
import { endpointSliceList, serviceList, status } from './kube-objects.ts';

/** What the next answers are: the lists, or one kind of trouble for every request. */
export type Behaviour =
  | { readonly kind: 'normal' }
  | { readonly kind: 'status'; readonly code: number; readonly reason: string; readonly message: string }
  /** Any body with status 200, e.g. malformed JSON. */
  | { readonly kind: 'body'; readonly body: string }
  /** A 200 whose JSON stops halfway, delivered as a complete HTTP answer. */
  | { readonly kind: 'truncated' }
  /** Headers promise the whole list; the connection drops halfway through it. */
  | { readonly kind: 'dropped' }
  | { readonly kind: 'slow'; readonly ms: number }
  /** Only the EndpointSlice requests get this status (e.g. 404 on an API without discovery.k8s.io/v1). */
  | {
      readonly kind: 'slices-status';
      readonly code: number;
      readonly reason: string;
      readonly message: string;
    };

export interface RecordedRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly clientCertificate: boolean;
}

export interface FakeKubeApi {
  readonly url: string;
  readonly port: number;
  services: IService[];
  slices: IEndpointSlice[];
  /** Served one by one at /api/v1/nodes/NAME; any other name is a 404 NotFound. */
  nodes: INode[];
  behaviour: Behaviour;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeKubeApiOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The bearer token it accepts. */
  readonly token: string;
  /** With a CA: a client certificate signed by it is accepted instead of a token. */
  readonly clientCa?: Buffer;
}

const SERVICE_NAME_IN = /^kubernetes\.io\/service-name in \(([^)]*)\)$/;

export async function startFakeKubeApi(options: FakeKubeApiOptions): Promise<FakeKubeApi> {
  const app = fastify({
    https: {
      key: options.key,
      cert: options.cert,
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
    },
    forceCloseConnections: true,
  });
  const api: FakeKubeApi = {
    url: '',
    port: 0,
    services: [],
    slices: [],
    nodes: [],
    behaviour: { kind: 'normal' },
    requests: [],
    close: () => app.close(),
  };

  /** Authentication and trouble first, as the API server's filters come before its handlers. */
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    list: () => unknown,
    isSlices: boolean,
    missing?: () => string | undefined,
  ): Promise<unknown> => {
    const socket = request.raw.socket as TLSSocket;
    const clientCertificate = Boolean(options.clientCa) && socket.authorized;
    api.requests.push({
      path: request.url.split('?')[0] ?? '',
      query: request.query as Record<string, string>,
      authorization: request.headers.authorization,
      clientCertificate,
    });
    if (!clientCertificate && request.headers.authorization !== `Bearer ${options.token}`) {
      return reply.code(401).send(status(401, 'Unauthorized', 'Unauthorized'));
    }
    const behaviour = api.behaviour;
    switch (behaviour.kind) {
      case 'status':
        return reply.code(behaviour.code).send(status(behaviour.code, behaviour.reason, behaviour.message));
      case 'slices-status':
        if (isSlices) {
          return reply.code(behaviour.code).send(status(behaviour.code, behaviour.reason, behaviour.message));
        }
        break;
      case 'body':
        return reply.code(200).type('application/json').send(behaviour.body);
      case 'truncated': {
        const text = JSON.stringify(list());
        return reply
          .code(200)
          .type('application/json')
          .send(text.slice(0, Math.floor(text.length / 2)));
      }
      case 'dropped': {
        const text = JSON.stringify(list());
        reply.hijack();
        reply.raw.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        reply.raw.write(text.slice(0, Math.floor(text.length / 2)), () => reply.raw.socket?.destroy());
        return reply;
      }
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, behaviour.ms).unref());
        break;
      case 'normal':
        break;
    }
    const notFound = missing?.();
    if (notFound !== undefined) return reply.code(404).send(status(404, 'NotFound', notFound));
    return reply.code(200).type('application/json').send(JSON.stringify(list()));
  };

  const servicesIn = (namespace: string | undefined) =>
    serviceList(
      api.services.filter((item) => namespace === undefined || item.metadata?.namespace === namespace),
    );
  const slicesIn = (namespace: string | undefined, selector: string | undefined) => {
    const names = selector ? SERVICE_NAME_IN.exec(selector)?.[1]?.split(',') : undefined;
    return endpointSliceList(
      api.slices.filter(
        (slice) =>
          (namespace === undefined || slice.metadata?.namespace === namespace) &&
          (names === undefined ||
            names.includes(slice.metadata?.labels?.['kubernetes.io/service-name'] ?? '')),
      ),
    );
  };
  type Scoped = { Params: { namespace?: string }; Querystring: { labelSelector?: string } };
  app.get<Scoped>('/api/v1/services', (request, reply) =>
    answer(request, reply, () => servicesIn(undefined), false),
  );
  app.get<Scoped>('/api/v1/namespaces/:namespace/services', (request, reply) =>
    answer(request, reply, () => servicesIn(request.params.namespace), false),
  );
  app.get<Scoped>('/apis/discovery.k8s.io/v1/endpointslices', (request, reply) =>
    answer(request, reply, () => slicesIn(undefined, request.query.labelSelector), true),
  );
  app.get<Scoped>('/apis/discovery.k8s.io/v1/namespaces/:namespace/endpointslices', (request, reply) =>
    answer(request, reply, () => slicesIn(request.params.namespace, request.query.labelSelector), true),
  );

  const nodeNamed = (name: string) => api.nodes.find((item) => item.metadata?.name === name);
  app.get<{ Params: { name: string } }>('/api/v1/nodes/:name', (request, reply) =>
    answer(
      request,
      reply,
      () => nodeNamed(request.params.name),
      false,
      () => (nodeNamed(request.params.name) ? undefined : `nodes "${request.params.name}" not found`),
    ),
  );

  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return Object.assign(api, { url: `https://127.0.0.1:${port}`, port });
}

export interface KubeconfigParts {
  readonly cluster: Readonly<Record<string, unknown>>;
  readonly user: Readonly<Record<string, unknown>>;
}

/** A kubeconfig as `oc config view --minify --flatten --raw -o json` writes one. */
export function kubeconfigText({ cluster, user }: KubeconfigParts): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test-cluster', cluster }],
      contexts: [
        {
          name: 'default/test-cluster/checker',
          context: { cluster: 'test-cluster', namespace: 'default', user: 'checker/test-cluster' },
        },
      ],
      'current-context': 'default/test-cluster/checker',
      preferences: {},
      users: [{ name: 'checker/test-cluster', user }],
    },
    null,
    2,
  );
}

export function writeKubeconfig(path: string, parts: KubeconfigParts): string {
  writeFileSync(path, kubeconfigText(parts));
  return path;
}
