/** The command line's help: asked for, it is printed and the command succeeds (it was "unknown command --help", exit 2). */
import { afterEach, expect, it, vi } from 'vitest';
import { cli } from './cli';

afterEach(() => vi.restoreAllMocks());

it.each(['--help', '-h', 'help'])('%s prints the usage and succeeds', async (flag) => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await expect(cli([flag])).resolves.toBeUndefined();
  expect(log).toHaveBeenCalledWith(expect.stringMatching(/^usage: projections <command>\n {2}run /));
});

it('an unknown command is still refused', async () => {
  await expect(cli(['--nope'])).rejects.toThrow('unknown command --nope');
});
