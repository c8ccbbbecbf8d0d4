// undici's internal modules have no type declarations of their own; these give them the public types.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export default Agent;
}
declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';

  const request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  export default request;
}
declare module 'undici/lib/interceptor/redirect.js' {
  import { interceptors } from 'undici';

  const createRedirectInterceptor: typeof interceptors.redirect;
  export default createRedirectInterceptor;
}
