import { isRecord } from '../../records.ts';
import type { PodVolume } from '../deployment.ts';
import type { FieldPath } from '../manifests.ts';
import type { IpfailoverDeployment } from './rule.ts';

export interface Mount {
  readonly mountPath: string;
  readonly subPath: string | undefined;
  readonly volume: PodVolume;
  /** Where the volume's defaultMode is, or would be. */
  readonly modePath: FieldPath;
}

export interface Script {
  readonly variable: 'OPENSHIFT_HA_CHECK_SCRIPT' | 'OPENSHIFT_HA_NOTIFY_SCRIPT';
  /** The program keepalived runs. */
  readonly path: string;
  /** The volume it comes from; undefined when no volumeMount holds it. */
  readonly mount: Mount | undefined;
}

/** The check and notify scripts that are not the image's own programs (/bin, /usr/sbin, …), in that order. */
export function scriptsOf(deployment: IpfailoverDeployment): Script[] {
  return (['OPENSHIFT_HA_CHECK_SCRIPT', 'OPENSHIFT_HA_NOTIFY_SCRIPT'] as const).flatMap((variable) => {
    const command = deployment.env.get(variable)?.value.trim();
    if (!command) return [];
    // keepalived splits the string into words; the first is the program it executes.
    const path = command.split(/\s+/)[0] ?? '';
    if (/^\/(usr\/)?s?bin\//.test(path)) return [];
    return [{ variable, path, mount: mountOf(deployment, path) }];
  });
}

/** The volumeMount of the keepalived container that holds the path: the deepest one. */
function mountOf(deployment: IpfailoverDeployment, path: string): Mount | undefined {
  const candidates = deployment.keepalived.volumeMounts
    .filter((mount) => typeof mount.mountPath === 'string')
    .filter((mount) => {
      const mountPath = (mount.mountPath as string).replace(/\/$/, '');
      return path === mountPath || path.startsWith(`${mountPath}/`);
    })
    .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length);
  const mount = candidates[0];
  if (!mount) return undefined;
  const volume = deployment.volumes.find(({ body }) => body.name === mount.name);
  if (!volume) return undefined;
  const source = ['configMap', 'secret', 'projected'].find((key) => isRecord(volume.body[key])) ?? 'volume';
  return {
    mountPath: String(mount.mountPath).replace(/\/$/, ''),
    subPath: typeof mount.subPath === 'string' ? mount.subPath : undefined,
    volume,
    modePath: [...volume.path, source, 'defaultMode'],
  };
}

/** The file mode a ConfigMap, Secret or projected volume gives the file; undefined where the volume sets none (hostPath, emptyDir). */
export function volumeMode(volume: PodVolume, file: string): number | undefined {
  for (const key of ['configMap', 'secret', 'projected'] as const) {
    const source = volume.body[key];
    if (!isRecord(source)) continue;
    const items = Array.isArray(source.items) ? source.items.filter(isRecord) : [];
    const item = items.find((candidate) => candidate.path === file);
    if (item && typeof item.mode === 'number') return item.mode;
    return typeof source.defaultMode === 'number' ? source.defaultMode : 0o644;
  }
  return undefined;
}
