import { defineFunctions } from '../define';
import type { FunctionSpec } from '../definitions';

/** The platform functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const platformFunctions = defineFunctions({
  health: {
    id: 'Health',
    entry: 'functions/platform/health.handler.ts',
    description: 'GET /v1/health: liveness from a check of every dependency at most 5 s old.',
    uses: { redis: true, eventBus: true, describeAll: true, email: true },
    timeoutSeconds: 5,
  },
  healthDependencies: {
    id: 'HealthDependencies',
    entry: 'functions/platform/health-dependencies.handler.ts',
    description: 'GET /v1/health/dependencies (operators): each dependency with its status, latency and error.',
    uses: { redis: true, eventBus: true, describeAll: true, email: true },
    timeoutSeconds: 5,
  },
  openApi: {
    id: 'OpenApi',
    entry: 'functions/platform/openapi.handler.ts',
    description: 'GET /v1/openapi.json: the OpenAPI 3.1 document generated from the route contracts.',
    uses: {},
    timeoutSeconds: 5,
  },
  notFound: {
    id: 'NotFound',
    entry: 'functions/platform/not-found.handler.ts',
    description: 'Catch-all route: a not_found problem document for unknown routes.',
    uses: {},
    memoryMb: 256,
    timeoutSeconds: 3,
  },
  shops: {
    id: 'Shops',
    entry: 'functions/platform/get-shop.handler.ts',
    description: 'GET /v1/shops/{shopId}: public profile of a shop.',
    uses: { tables: { shops: 'read' } },
    timeoutSeconds: 5,
  },
  createShop: {
    id: 'CreateShop',
    entry: 'functions/platform/create-shop.handler.ts',
    description: 'POST /v1/shops (operators): create a shop (tenant); an existing id is 409 shop_exists.',
    uses: { tables: { shops: 'readWrite', idempotency: 'readWrite' } },
    timeoutSeconds: 5,
    // Operators create shops now and then; a handful in flight is plenty.
    maxConcurrency: 5,
  },
  updateShop: {
    id: 'UpdateShop',
    entry: 'functions/platform/update-shop.handler.ts',
    description: "PATCH /v1/shops/{shopId}/admin/profile: the shop's name and support email.",
    uses: { tables: { shops: 'readWrite' } },
    timeoutSeconds: 5,
  },
});

/**
 * The pre-token-generation trigger: `groups` and `shops` claims in the access token, which the
 * API's JWT authorizer checks (ID tokens have them already). Not an HTTP handler, so not in
 * FUNCTIONS: lib/identity.ts deploys it with the user pool (PRE_TOKEN_GENERATION).
 */
export const preTokenGenerationFunction: FunctionSpec = {
  id: 'PreTokenGeneration',
  entry: 'functions/platform/pre-token-generation.handler.ts',
  description: 'Cognito pre-token-generation (V2_0): copies cognito:groups and custom:shops into the access token as groups and shops.',
  uses: {},
  memoryMb: 256,
  timeoutSeconds: 3,
};
