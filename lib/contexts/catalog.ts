import type { Construct } from 'constructs';
import { BoundedContext, type ContextProps } from './bounded-context';

/** Products, variants and categories, the search index and the catalog projections, product imports (functions/catalog/). */
export class Catalog extends BoundedContext {
  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id, 'catalog', props);
  }
}
