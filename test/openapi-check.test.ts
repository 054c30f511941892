import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/generate.js';
import { validateOpenApi } from './support/openapi-check.js';

describe('the OpenAPI check', () => {
  it('rejects a document that breaks the OpenAPI schema', async () => {
    const project = tempDir();
    mkdirSync(join(project, 'openapi'));
    writeFileSync(join(project, 'openapi/openapi.yaml'), 'openapi: 3.0.3\ninfo: { title: x }\npaths:\n  /a:\n    get:\n      operationId: a\n');
    await expect(validateOpenApi(project)).rejects.toThrow(/version|responses/);
  });
});
