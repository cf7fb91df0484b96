export { createApp, type AppDeps } from './app';
export { loadConfig, type Config } from './config';
export { ConfigError } from '@eventlens/service-kit';
export { createReaderDb, readerSessionOptions, type ReaderDbOptions } from './db';
export type { Logger } from './http/errors';
