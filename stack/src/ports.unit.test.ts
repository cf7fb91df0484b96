import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { StackConfig } from './config';
import { assertPortsFree } from './ports';

const blockers: net.Server[] = [];
const takenPort = async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  blockers.push(server);
  return (server.address() as net.AddressInfo).port;
};
afterEach(() => {
  for (const server of blockers.splice(0)) server.close();
});

it('names every taken port in one line, with the variable of each, and what a second stack needs', async () => {
  const [kafka, query] = [await takenPort(), await takenPort()];
  const config = { ports: { kafka, query, console: 0 } } as unknown as StackConfig;
  await expect(assertPortsFree(config, ['kafka', 'console', 'query'])).rejects.toMatchObject({
    code: 'PORT_IN_USE',
    message: `ports ${kafka} (Kafka), ${query} (the query API) are already in use: stop what holds them or set EVENTLENS_KAFKA_PORT, EVENTLENS_QUERY_PORT to free ports; a second EventLens stack on this machine needs every port moved (README.md, "Configuration")`,
  });
  await expect(assertPortsFree(config, ['console'])).resolves.toBeUndefined();
});
