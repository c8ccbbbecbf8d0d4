#!/usr/bin/env node
import { runCli } from './main.ts';

runCli(process.argv.slice(2), {
  env: process.env,
  // The bundle is CommonJS (scripts/build.mjs), in dist/ beside the bundles `ipft package` packages.
  bundleDir: __dirname,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
