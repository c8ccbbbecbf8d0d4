import { Registry } from 'prom-client';

interface Part {
  readonly registry: Registry;
  /** Unset: rendered at every scrape. */
  readonly key?: () => string;
  cached?: { readonly key: string; readonly text: Promise<string> };
}

/**
 * What /metrics renders: prom-client registries in order, the large families in registries of their
 * own that are rendered again only when what they show changed: the spool-derived ones (254
 * instances × 5 states, transitions) when the spool state did, VIP presence when the node's addresses
 * did. Rendering them was most of a scrape, and its garbage set the p99 (bench/exporter.ts). Their
 * keys, and every other family, are still read at scrape time. Built on prom-client's public API only:
 * each registry is rendered by its own `metrics()`.
 */
export class ScrapeCache {
  /** Counts scrapes, for `oncePerScrape`. */
  private scrapes = 0;
  private readonly parts: Part[] = [];
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  /** A registry rendered at every scrape; families go in the order of the calls. */
  live(): Registry {
    return this.add({ registry: new Registry() });
  }

  /** A registry rendered again only when `key()` changes. */
  cachedBy(key: () => string): Registry {
    return this.add({ registry: new Registry(), key });
  }

  /** One scrape: every registry's text in order, as one registry holding all the families renders it. */
  async metrics(): Promise<string> {
    this.scrapes += 1;
    const texts = this.parts
      .filter(({ registry }) => registry.getMetricsAsArray().length > 0)
      .map((part) => this.render(part));
    // Each text ends in a newline; one more gives the blank line prom-client puts between families.
    return (await Promise.all(texts)).join('\n');
  }

  /**
   * A value computed at most once per scrape. A scrape is one metrics() call: two scrapes in the same
   * tick (fastify's inject, or two requests read in one turn of the loop) still read anew.
   */
  oncePerScrape<T>(compute: () => T): () => T {
    let cached: { scrape: number; value: T } | undefined;
    return () => {
      if (cached?.scrape !== this.scrapes) cached = { scrape: this.scrapes, value: compute() };
      return cached.value;
    };
  }

  private add(part: Part): Registry {
    this.parts.push(part);
    return part.registry;
  }

  private render(part: Part): Promise<string> {
    if (!part.key) return part.registry.metrics();
    const key = part.key();
    if (part.cached?.key !== key) part.cached = { key, text: part.registry.metrics() };
    return part.cached.text;
  }
}
