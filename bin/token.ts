import { parseArgs } from 'node:util';
import { signLocalToken } from './local/local-jwt';

/**
 * `npm run token -- --sub alice [--admin demo[,other]] [--email a@b.c] [--expires 12h]`
 * prints a local bearer token (HS256 with LOCAL_JWT_SECRET), as the local gateway expects.
 */
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    admin: { type: 'string' },
    email: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

if (!values.sub) {
  console.error('Usage: npm run token -- --sub <customer-or-staff-id> [--admin <shopId>[,<shopId>]] [--email <address>] [--expires 12h]');
  process.exit(2);
}
const shops = values.admin ? values.admin.split(',').map((s) => s.trim()).filter(Boolean) : [];
const token = await signLocalToken(
  { sub: values.sub, groups: shops.length > 0 ? ['admin'] : [], shops, ...(values.email ? { email: values.email } : {}) },
  process.env.LOCAL_JWT_SECRET ?? 'local-dev-secret',
  values.expires,
);
console.log(token);
