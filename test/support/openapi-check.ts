// Validates a generated OpenAPI document with @apidevtools/swagger-parser (schema and references).
import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export async function validateOpenApi(project: string): Promise<Record<string, any>> {
  const document = parse(readFileSync(join(project, 'openapi/openapi.yaml'), 'utf8'));
  await SwaggerParser.validate(structuredClone(document));
  return document;
}
