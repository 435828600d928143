import { ConflictError, ValidationError } from '#shared/errors';

export class SkuTakenError extends ValidationError {
  constructor(readonly taken: ReadonlyArray<{ sku: string; index: number; productId: string }>) {
    super(
      'Some SKUs already belong to other products of this shop.',
      taken.map((t) => ({ path: `body.variants.${t.index}.sku`, message: `SKU ${t.sku} belongs to product ${t.productId}` })),
    );
  }
}

export class ProductChangedError extends ConflictError {
  constructor(productId: string) {
    super('conflict', `Product ${productId} was changed by another request meanwhile; read it again and retry.`);
  }
}
