#!/usr/bin/env node
// The `parley-node` bin: runs the TypeScript CLI through tsx's ESM loader, so the node ships as
// source with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
