export { createApp, type AppDeps } from './app';
export { loadConfig, ConfigError, type Config } from './config';
export { createReaderDb, type ReaderDbOptions } from './db';
export type { Logger } from './http/errors';
