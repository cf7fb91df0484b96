import { describe, expect, it } from 'vitest';
import { aimMet } from '../report';
import { sizesRows } from './sizes';

describe('sizesRows', () => {
  it('holds the script tag to 2,200 bytes and the console first load to 150 KB', () => {
    const [script, console] = sizesRows({
      scriptTagBytes: 2_970,
      consoleInitialJsBytes: 46_797,
      consoleInitialJsFiles: 3,
    });
    expect(script).toMatchObject({ value: 2_970, unit: 'bytes', aim: { atMost: 2_200 } });
    expect(aimMet(script!)).toBe(false);
    expect(console!.figure).toContain('3 files');
    expect(console!.value).toBeCloseTo(45.7, 1);
    expect(aimMet(console!)).toBe(true);
    expect(
      aimMet(sizesRows({ scriptTagBytes: 2_200, consoleInitialJsBytes: 0, consoleInitialJsFiles: 1 })[0]!),
    ).toBe(true);
  });
});
