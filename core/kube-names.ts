/**
 * Kubernetes object names (DNS-1123): the one definition the checks, the exporter's rules and the
 * packager share. Length is checked apart from the pattern, so the patterns need no lookahead.
 */
const label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const labelPattern = new RegExp(`^${label}$`);
const subdomainPattern = new RegExp(`^${label}(\\.${label})*$`);

/** Namespace and container names: at most 63 characters of lowercase letters, digits and "-". */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && labelPattern.test(name);
}

/** Deployment, service account names and label-key prefixes: labels joined by ".", at most 253 characters. */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && subdomainPattern.test(name);
}
