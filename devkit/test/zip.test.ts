// The devkit build's zip writer (src/build/zip.ts): what a project's `npm run build` writes and Terraform deploys.
// Deterministic (same files, same bytes, whatever the order or time), and a zip another implementation reads.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, zip } from '../src/build/zip.js';
import { temporaryFolder } from './support/temporary.js';

const files = [
  { name: 'index.js', data: 'exports.handler = async () => ({ statusCode: 200 });\n'.repeat(40) },
  { name: 'index.js.map', data: '{"version":3}' },
];

describe('zip', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789')).toString(16)).toBe('cbf43926');
  });

  it('writes the same bytes for the same files, whatever their order', () => {
    const a: Buffer = zip(files);
    const b: Buffer = zip([...files].reverse());
    expect(a.equals(b)).toBe(true);
    expect(zip([{ ...files[0]!, data: `${files[0]!.data} ` }, files[1]]).equals(a)).toBe(false);
  });

  it("writes a zip that Python's zipfile reads back, with a fixed time and mode", () => {
    const dir = temporaryFolder('traced-api-zip-');
    const file = join(dir, 'handler.zip');
    writeFileSync(file, zip(files));
    const python = spawnSync(
      'python3',
      ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print([(i.filename, i.date_time, oct(i.external_attr >> 16), len(z.read(i))) for i in z.infolist()])', file],
      { encoding: 'utf8' },
    );
    if (python.error) {
      console.warn('\n*** python3 is not installed: the zip is not read back by a second implementation. ***\n');
      return;
    }
    expect(python.stderr).toBe('');
    expect(python.stdout.trim()).toBe(`[('index.js', (1980, 1, 1, 0, 0, 0), '0o100644', ${files[0]!.data.length}), ('index.js.map', (1980, 1, 1, 0, 0, 0), '0o100644', 13)]`);
  });
});
