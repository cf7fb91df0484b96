/** The command side's public surface: what the launcher and other packages' tests need. */
import { fileURLToPath } from 'node:url';

export { createCommandSide, type CommandSide, type CommandSideOptions } from './command-side';
export { createApp, type AppDeps } from './app';
export { loadConfig, ConfigError, type CommandSideConfig } from './config';
export { createJsonLogger, silentLogger, type Logger } from './logger';

/** The entry point, to run the command side as its own process: `node --import tsx <mainEntry>`. */
export const mainEntry = fileURLToPath(new URL('./main.ts', import.meta.url));
