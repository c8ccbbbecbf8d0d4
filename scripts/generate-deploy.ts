// `npx tsx scripts/generate-deploy.ts`: writes deploy/prometheus-rules.yaml from exporter/alerts.ts;
// test/alerts.test.ts fails when the file is stale. Also deploy/externalip-rbac.yaml from
// checks/externalip/rbac.ts and deploy/maintenance-rbac.yaml from checks/prober/rbac.ts
// (test/unit/rbac.test.ts).
import { writeFileSync } from 'node:fs';
import { externalIpRbacYaml } from '../checks/externalip/rbac.ts';
import { maintenanceRbacYaml } from '../checks/prober/rbac.ts';
import { prometheusRuleYaml } from '../exporter/alerts.ts';

writeFileSync('deploy/prometheus-rules.yaml', prometheusRuleYaml());
writeFileSync('deploy/externalip-rbac.yaml', externalIpRbacYaml());
writeFileSync('deploy/maintenance-rbac.yaml', maintenanceRbacYaml());
