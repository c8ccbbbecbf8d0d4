#!/usr/bin/env node
import { serve } from './server.ts';

serve(process.env).then((code) => {
  if (code !== 0) process.exitCode = code;
});
