import { serve } from '@ecom/service-kit';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

// The only place that listens (house style): app.ts builds, tests inject.
await serve(() => readConfig(), buildApp);
