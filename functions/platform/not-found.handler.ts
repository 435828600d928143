import { NotFoundError } from '#shared/errors';
import { httpHandler } from '#shared/http/http-handler';
import { notFoundContract } from '#shared/platform/health.schema';

/** API Gateway's `$default` route: unknown paths get a problem document, not a bare 404. */
export const handler = httpHandler(notFoundContract, async () => {
  throw new NotFoundError('No such route. See /v1/openapi.json for the routes of this API.');
});
