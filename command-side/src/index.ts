/** The command side's public surface: what the launcher and other packages' tests need. */
import { fileURLToPath } from 'node:url';

export { createCommandSide, type CommandSide, type CommandSideOptions } from './command-side';
export { createApp, type AppDeps } from './app';
export { commandSideDocument } from './api-document';
export { loadConfig, type CommandSideConfig } from './config';
export { ConfigError } from '@eventlens/service-kit';
export { silentLogger, type Logger } from '@eventlens/service-kit';

/** The entry point, to run the command side as its own process: `node --import tsx <mainEntry>`. */
export const mainEntry = fileURLToPath(new URL('./main.ts', import.meta.url));
