// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the distribution's default
// behaviour: the web apps' bucket. The storefront (`/`) and the merchant console (`/admin/`) are
// single-page apps whose routes (`/products/p_1`, `/admin/orders`) are no files in the bucket:
// a path whose last segment has no extension is rewritten to the app's index.html, so the app
// answers it; a file (`/assets/index-3f2a.js`, `/config.json`) is served as it is.
// Distribution-wide error responses would do the same, but would also rewrite the API's own
// 403 and 404 answers. The API's paths (`/v1/...`) have their own behaviours and never reach
// this function; it leaves them alone all the same. Keep it to the runtime's JavaScript (no
// Node APIs) and under 10 KB; test/unit/spa-edge-function.test.ts runs this very file.
/* eslint-disable no-unused-vars -- `handler` is the runtime's entry point by name. */

const API = /^\/v1(\/|$)/;
const ADMIN = /^\/admin(\/|$)/;
// The last segment names a file when it has an extension: `app.js`, `config.json`, `favicon.ico`.
const FILE = /\/[^/]*\.[A-Za-z0-9]+$/;

function handler(event) {
  const request = event.request;
  const uri = request.uri;
  if (API.test(uri) || FILE.test(uri)) return request;
  request.uri = ADMIN.test(uri) ? '/admin/index.html' : '/index.html';
  return request;
}
