import { scriptsOf, volumeMode } from './_scripts.ts';
import { defineRule, eachDeployment } from './rule.ts';

export const scriptNotExecutable = defineRule({
  id: 'script-not-executable',
  summary: 'a check or notify script mounted without an executable mode',
  check: eachDeployment((deployment) =>
    scriptsOf(deployment).flatMap(({ variable, path, mount }) => {
      if (!mount) return [];
      const mode = volumeMode(
        mount.volume,
        mount.subPath ?? path.slice(mount.mountPath.length).replace(/^\//, ''),
      );
      if (mode === undefined || (mode & 0o111) !== 0) return [];
      return [
        {
          path: mount.modePath,
          message: `${variable}: ${path} is mounted from volume ${mount.volume.body.name} with mode 0${mode.toString(8)}, which is not executable; keepalived disables the check`,
          fix: 'Set defaultMode: 0755 (493 in JSON) on the volume.',
        },
      ];
    }),
  ),
});
