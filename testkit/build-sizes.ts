/**
 * The sizes of what `npm run build` made: pure build outputs, which the README quotes (scripts/readme-blocks.ts,
 * kept true by test/readme-figures.test.ts) and `npm run bench` checks against their target.
 */
import { readBundles } from '../packaging/command.ts';
import { configMapDataBytes, exporterData, proberData, scriptsData } from '../packaging/configmaps.ts';

/** The one-shot check bundles together, which share the scripts ConfigMap with notify.sh and the wrappers. */
export const CHECK_BUNDLES_TARGET_BYTES = 700 * 1024;

export interface BuildSizes {
  /** Each one-shot check bundle (dist/checks/*.js but the prober), smallest first. */
  readonly checks: readonly { readonly name: string; readonly bytes: number }[];
  readonly allChecks: number;
  /** The data of each ConfigMap `ipft package` makes, in bytes as the API server counts them. */
  readonly configMaps: {
    readonly oneshotScripts: number;
    readonly proberScripts: number;
    readonly prober: number;
    readonly exporter: number;
  };
}

export function buildSizes(dist = 'dist'): BuildSizes {
  const bundles = readBundles(dist);
  const checks = Object.entries(bundles.checks)
    .map(([name, bundle]) => ({ name, bytes: Buffer.byteLength(bundle) }))
    .sort((a, b) => a.bytes - b.bytes || a.name.localeCompare(b.name));
  return {
    checks,
    allChecks: checks.reduce((total, { bytes }) => total + bytes, 0),
    configMaps: {
      oneshotScripts: configMapDataBytes(scriptsData(bundles, 'oneshot')),
      proberScripts: configMapDataBytes(scriptsData(bundles, 'prober')),
      prober: configMapDataBytes(proberData(bundles.prober)),
      exporter: configMapDataBytes(exporterData(bundles.exporter)),
    },
  };
}
