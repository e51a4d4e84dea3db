#!/usr/bin/env node
// The `heed` command (package.json "bin", so `npx heed …` works): registers the TypeScript loader,
// then runs the CLI from source, as `npm start` does.
import { register } from 'tsx/esm/api';

register();
await import('./heed.ts');
