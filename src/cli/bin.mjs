#!/usr/bin/env node
// The `parley` bin: runs the TypeScript CLI through tsx's ESM loader, so the CLI ships as
// source with no build step (as src/node/bin.mjs does for parley-node).
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
