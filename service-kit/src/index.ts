/** The shared service kit: what every EventLens service builds on and no domain knows of. */
export {
  checkingIntervalMs,
  createHttpServer,
  DEFAULT_HTTP_LIMITS,
  startHttpServer,
  type HttpLimits,
  type ListenOptions,
} from './listener';
