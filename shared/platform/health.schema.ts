import { z } from 'zod';
import { defineContract } from '#shared/http/contract';

export const DependencyHealth = z.object({
  status: z.enum(['ok', 'error']),
  latencyMs: z.number(),
  detail: z.string().optional(),
});

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'degraded']),
    stage: z.string(),
    dependencies: z.record(z.string(), DependencyHealth),
  })
  .meta({ id: 'Health' });

export const healthContract = defineContract({
  operationId: 'getHealth',
  auth: 'public',
  summary: 'Health of the API and each dependency',
  tags: ['operations'],
  responses: {
    200: { description: 'Every dependency answers', schema: HealthResponse },
    503: { description: 'At least one dependency fails', schema: HealthResponse },
  },
});

export const openApiContract = defineContract({
  operationId: 'getOpenApi',
  auth: 'public',
  summary: 'The OpenAPI 3.1 document of this API',
  tags: ['operations'],
  responses: { 200: { description: 'OpenAPI document' } },
});

export const notFoundContract = defineContract({
  operationId: 'notFound',
  auth: 'public',
  summary: 'Any unknown route',
  tags: ['operations'],
  responses: {},
  errors: [404],
});
