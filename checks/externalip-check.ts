#!/usr/bin/env node
import { main } from '../core/probe.ts';
import { externalIpCheck } from './externalip/check.ts';

main(externalIpCheck);
