#!/usr/bin/env node
import { UserError } from '../core/errors.ts';
import { serve } from './server.ts';

// The one place the exporter turns an error into an exit code; any other error is a bug, shown in full.
serve(process.env).catch((error: unknown) => {
  if (!(error instanceof UserError)) throw error;
  for (const line of error.message.split('\n')) process.stderr.write(`exporter: ${line}\n`);
  process.exitCode = error.exitCode;
});
