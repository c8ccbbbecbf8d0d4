#!/usr/bin/env node
import { main } from './prober/main.ts';

main();
