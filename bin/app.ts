#!/usr/bin/env node
import { buildApp } from '../lib/app.ts';
import { ConfigError } from '../lib/config/stage-config.ts';

try {
  buildApp().app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
