import { exitOnStartupFailure, runServer } from '@ecom/service-kit';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

try {
  const config = readConfig();
  const app = await buildApp(config);
  await runServer(app, config.HOST, config.PORT);
} catch (error) {
  exitOnStartupFailure(error);
}
