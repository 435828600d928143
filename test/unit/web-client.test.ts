import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generateClientTypes, SCHEMA_FILE } from '../../web/generate-client';

it("types the web apps' client from the API's current OpenAPI document (run `npm run web:client` after changing a route)", async () => {
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await generateClientTypes());
});
