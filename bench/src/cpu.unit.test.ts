import { describe, expect, it } from 'vitest';
import { parseStat } from './cpu';

describe('parseStat', () => {
  it('reads the command name and user + system ticks as milliseconds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const stat = '4242 (postgres) S 1 4242 4242 0 -1 4194560 812 0 0 0 153 47 0 0 20 0 1 0 100 0 0';
    expect(parseStat(stat)).toEqual({ comm: 'postgres', cpuMs: 2000 });
  });

  it('takes the name up to the last parenthesis, which may hold spaces and parentheses', () => {
    const stat = '7 (node (main) x) R 1 7 7 0 -1 0 0 0 0 0 5 3 0 0 20 0 1 0 100 0 0';
    expect(parseStat(stat)).toEqual({ comm: 'node (main) x', cpuMs: 80 });
  });
});
