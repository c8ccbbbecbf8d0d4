#!/usr/bin/env node
import { main } from '../core/probe.ts';
import { httpCheck } from './http/check.ts';

main(httpCheck);
