/**
 * A small strategic merge patch, enough for the fields the toolkit's Deployment patches touch, so that
 * `ipft package` can lint the patched Deployment and strip an earlier install without a cluster.
 * Kubernetes' own (apimachinery's, kustomize's) is the reference; test/package.test.ts compares the two
 * when kubectl is installed.
 *
 * - Maps merge key by key; `null` deletes a key; a map or list the patch leaves empty is removed.
 * - Lists with a merge key merge element by element; an element `{<key>: …, $patch: delete}` removes
 *   its match. New elements are appended (kustomize puts them first, the API server near their patch
 *   neighbours: these lists' order means nothing, since no env value refers to another with $(VAR)).
 * - Every other list is replaced by the patch's.
 */
import { isRecord } from '../core/records.ts';

/** The patchMergeKey of each list the toolkit patches, by field name (all of them within a Deployment). */
const mergeKeys: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
};

const isDeleteDirective = (value: unknown) => isRecord(value) && value.$patch === 'delete';
const isEmpty = (value: unknown) =>
  (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);

export function strategicMerge(original: unknown, patch: unknown, field?: string): unknown {
  if (isRecord(patch)) {
    const result: Record<string, unknown> = isRecord(original) ? { ...original } : {};
    for (const [key, value] of Object.entries(patch)) {
      const merged = value === null ? undefined : strategicMerge(result[key], value, key);
      // A map or list that the patch emptied is gone, as the API server stores it (omitempty);
      // one the patch gives empty (`emptyDir: {}`) stays.
      if (merged === undefined || (isEmpty(merged) && !isEmpty(value))) delete result[key];
      else result[key] = merged;
    }
    return result;
  }
  if (Array.isArray(patch)) {
    const key = field === undefined ? undefined : mergeKeys[field];
    if (key === undefined || !Array.isArray(original)) {
      return patch.filter((item) => !isDeleteDirective(item)).map((item) => strategicMerge(undefined, item));
    }
    const result = [...original];
    for (const item of patch) {
      const index = result.findIndex(
        (element) => isRecord(element) && isRecord(item) && element[key] === item[key],
      );
      if (isDeleteDirective(item)) {
        if (index >= 0) result.splice(index, 1);
      } else if (index >= 0) {
        result[index] = strategicMerge(result[index], item);
      } else {
        result.push(strategicMerge(undefined, item));
      }
    }
    return result;
  }
  return patch;
}
