import { createHash } from 'node:crypto';
import type { HttpResult } from './http-handler';

/** A strong ETag of a serialized answer. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/**
 * A cacheable JSON answer: strong ETag, Cache-Control for CloudFront and browsers, and
 * `304 Not Modified` when the client already holds this version (If-None-Match).
 */
export function cacheableJson(page: { body: string; etag: string; cached?: boolean }, ifNoneMatch: string | undefined, cacheControl: string): HttpResult {
  const headers: Record<string, string> = { etag: page.etag, 'cache-control': cacheControl };
  if (page.cached !== undefined) headers['x-cache'] = page.cached ? 'hit' : 'miss';
  const tags = ifNoneMatch?.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags?.includes(page.etag) || tags?.includes('*')) return { status: 304, headers };
  return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: page.body };
}
