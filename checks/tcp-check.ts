#!/usr/bin/env node
import { main } from '../core/probe.ts';
import { tcpCheck } from './tcp/check.ts';

main(tcpCheck);
