import type { WebConfig } from '../../api-client/session';

export function Home({ config }: { config: WebConfig }) {
  return (
    <section>
      <h1>Welcome to {config.shopId === 'demo' ? 'Demo Outfitters' : config.shopId}</h1>
      <p>Search the catalog above.</p>
    </section>
  );
}
