/**
 * The app.kubernetes.io labels of every object the toolkit makes: the packager's manifests and the
 * checks' RBAC share them, so that one selector finds all of a component's objects.
 */
export function toolkitLabels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'ipfailover-toolkit',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'ipfailover-toolkit',
  };
}
