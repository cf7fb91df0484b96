export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const jsonLogger: Logger = {
  info: (message, fields) =>
    console.log(JSON.stringify({ level: 'info', service: 'console', message, ...fields })),
  error: (message, fields) =>
    console.error(JSON.stringify({ level: 'error', service: 'console', message, ...fields })),
};

export const silentLogger: Logger = { info: () => undefined, error: () => undefined };
