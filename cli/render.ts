import { parseArgs } from 'node:util';
import type { CliContext } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';
import { readImageSettings } from '../core/ipfailover/image-env.ts';
import {
  IMAGE_ENV_OPTION,
  readImageEnvFile,
  refuseEnvFileOption,
} from '../core/ipfailover/image-env-file.ts';
import { bashRandom, placeInstances, planInstances } from '../core/ipfailover/instances.ts';
import { detectInterface, nodeIpOf, readHostNetwork } from '../core/ipfailover/node.ts';
import { renderKeepalivedConf } from '../core/ipfailover/render.ts';
import type { Env } from '../core/settings.ts';

export const renderUsage = `ipft render [--image-env FILE] [--node-ip IP] [--interface NAME] [--seed N]

Prints the keepalived.conf the ipfailover image would write for an OPENSHIFT_HA_* environment:
this process's, or FILE's (KEY=VALUE lines). The interface and node IP are found as the image
finds them on this machine, unless given. The image draws slave priorities from bash's $RANDOM;
--seed (default 1) seeds the same generator, so the output is reproducible.`;

export function render(args: string[], context: CliContext): number {
  refuseEnvFileOption(args);
  const { values } = parseArgs({
    args,
    options: {
      [IMAGE_ENV_OPTION]: { type: 'string' },
      'node-ip': { type: 'string' },
      interface: { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`--seed: expected a whole number of 0 or more, got ${JSON.stringify(values.seed)}`);
  }
  const file = values[IMAGE_ENV_OPTION];
  const env: Env = file === undefined ? context.env : readImageEnvFile(file);
  const settings = readImageSettings(env);
  const network = readHostNetwork();
  const interfaceName = values.interface ?? detectInterface(settings.networkInterface, network) ?? '';
  const nodeIp = values['node-ip'] ?? nodeIpOf(interfaceName, network);
  const instances = planInstances(settings);
  const placements = placeInstances(instances.length, nodeIp, settings, bashRandom(seed));
  context.stdout(renderKeepalivedConf(settings, { interfaceName, nodeIp }, instances, placements));
  return 0;
}
