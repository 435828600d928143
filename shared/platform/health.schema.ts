import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { FAILURE_KINDS } from './check-health';

export const Liveness = z
  .object({
    status: z.enum(['ok', 'degraded']).meta({ description: 'From a check of the dependencies at most a few seconds old' }),
  })
  .meta({ id: 'Liveness' });

export const DependencyHealth = z
  .object({
    status: z.enum(['ok', 'error']),
    latencyMs: z.number().meta({ description: 'How long the probe took (up to its deadline when it failed)' }),
    error: z.enum(FAILURE_KINDS).optional().meta({ description: 'The kind of failure; only when status is error (the details are in the logs)' }),
    reference: z.string().optional().meta({ description: 'The id under which the logs have the failure; only when status is error' }),
  })
  .meta({ id: 'DependencyHealth' });

export const DependenciesHealth = z
  .object({
    status: z.enum(['ok', 'degraded']),
    stage: z.string(),
    checkedAt: z.string().meta({ description: 'When the check started (ISO 8601)' }),
    dependencies: z.record(z.string(), DependencyHealth),
  })
  .meta({ id: 'DependenciesHealth' });

export const healthContract = defineContract({
  operationId: 'getHealth',
  auth: 'public',
  summary: 'Liveness for load balancers and uptime checks (cheap: a recent check, no detail)',
  tags: ['operations'],
  responses: {
    200: { description: 'Every dependency answered the last check', schema: Liveness },
    503: { description: 'At least one dependency failed the last check', schema: Liveness },
  },
});

export const healthDependenciesContract = defineContract({
  operationId: 'getHealthDependencies',
  auth: 'operator',
  summary: 'Each dependency with its status, latency, and the kind of failure with a reference to the logs (platform operators)',
  tags: ['operations'],
  responses: {
    200: { description: 'The report of a check made for this request', schema: DependenciesHealth },
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
