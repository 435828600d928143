import { parseArgs } from 'node:util';
import { signLocalToken } from './local/local-jwt';

/**
 * `npm run token -- --sub alice [--admin demo[,other]] [--operator] [--email a@b.c] [--expires 12h]`
 * prints a local bearer token (HS256 with LOCAL_JWT_SECRET), as the local gateway expects.
 * `--operator` alone prints a platform operator's token (sub `operator`).
 */
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    admin: { type: 'string' },
    operator: { type: 'boolean', default: false },
    email: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

const sub = values.sub ?? (values.operator ? 'operator' : undefined);
if (!sub) {
  console.error('Usage: npm run token -- --sub <customer-or-staff-id> [--admin <shopId>[,<shopId>]] [--operator] [--email <address>] [--expires 12h]\n       npm run token -- --operator');
  process.exit(2);
}
const shops = values.admin
  ? values.admin
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : [];
const groups = [...(shops.length > 0 ? ['admin'] : []), ...(values.operator ? ['operator'] : [])];
const token = await signLocalToken({ sub, groups, shops, ...(values.email ? { email: values.email } : {}) }, process.env.LOCAL_JWT_SECRET ?? 'local-dev-secret', values.expires);
console.log(token);
