import type { WebConfig } from '../../api-client/session';

export function Overview({ config }: { config: WebConfig }) {
  return (
    <section>
      <h1>Shop {config.shopId}</h1>
    </section>
  );
}
