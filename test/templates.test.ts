// The templates keep to loops and interpolation: every EJS scriptlet opens or closes a loop.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/generate.js';

const templates = (readdirSync(join(repoRoot, 'templates'), { recursive: true }) as string[]).filter((file) => file.endsWith('.ejs'));
const LOOP = /^\s*(?:[\w.]+\.forEach\(\([\w\s,]*\)\s*=>\s*\{|for\s*\((?:const|let)\s+[\w\s,[\]{}]+\s+of\s+[\w.()]+\)\s*\{|\}\s*\)?;?)\s*-?$/;

describe('the templates', () => {
  it.each(templates)('%s holds no logic beyond loops and interpolation', (file) => {
    const text = readFileSync(join(repoRoot, 'templates', file), 'utf8');
    const scriptlets = [...text.matchAll(/<%(?![=\-#%])([\s\S]*?)-?%>/g)].map((match) => match[1]!);
    for (const code of scriptlets) expect(code, `${file}: <%${code}%>`).toMatch(LOOP);
  });

  it('are all checked', () => {
    expect(templates.length).toBeGreaterThan(15);
  });
});
