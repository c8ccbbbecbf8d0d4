// `npx tsx scripts/generate-deploy.ts`: writes deploy/prometheus-rules.yaml from exporter/alerts.ts;
// test/alerts.test.ts fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { prometheusRuleYaml } from '../exporter/alerts.ts';

writeFileSync('deploy/prometheus-rules.yaml', prometheusRuleYaml());
