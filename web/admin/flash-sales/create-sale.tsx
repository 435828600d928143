import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, describeProblem, idempotencyKey, problemOf } from '../../api-client/client';

type Field = 'sku' | 'units' | 'startsAt' | 'endsAt' | 'perCustomerLimit' | 'holdSeconds' | 'expectedEntries';

const FIELDS: ReadonlyArray<{ name: Field; label: string; type: 'text' | 'number' | 'datetime-local'; hint?: string; optional?: true }> = [
  { name: 'sku', label: 'SKU', type: 'text', hint: 'The variant on sale; its units leave available stock for the sale.' },
  { name: 'units', label: 'Units', type: 'number' },
  { name: 'startsAt', label: 'Starts at', type: 'datetime-local', hint: 'Your local time.' },
  { name: 'endsAt', label: 'Ends at', type: 'datetime-local' },
  { name: 'perCustomerLimit', label: 'Per-customer limit', type: 'number' },
  { name: 'holdSeconds', label: 'Hold (seconds)', type: 'number', hint: 'How long a winner has to check out.' },
  { name: 'expectedEntries', label: 'Expected entries', type: 'number', hint: 'Optional: sizes the capacity warmed before the start.', optional: true },
];

/** `datetime-local` wants local time without a zone: `2026-12-06T14:30`. */
function localInput(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

function initialValues(): Record<Field, string> {
  const start = new Date(Date.now() + 5 * 60_000);
  start.setSeconds(0, 0);
  return {
    sku: '',
    units: '10',
    startsAt: localInput(start),
    endsAt: localInput(new Date(start.getTime() + 60 * 60_000)),
    perCustomerLimit: '1',
    holdSeconds: '300',
    expectedEntries: '',
  };
}

/**
 * Creates a sale (`POST …/admin/flash-sales`). The API validates: its problem's `errors` are shown
 * under their fields (`body.units` → Units); a conflict (the SKU already in a sale, not enough stock)
 * above the form. Empty fields are left out, so the API names them.
 */
export function CreateSale({ shopId }: { shopId: string }) {
  const { route } = useLocation();
  const [values, setValues] = useState(initialValues);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(idempotencyKey);

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    const number = (field: Field) => (values[field].trim() === '' ? undefined : Number(values[field]));
    const time = (field: Field) => {
      if (!values[field]) return undefined;
      const date = new Date(values[field]);
      return Number.isNaN(date.getTime()) ? values[field] : date.toISOString();
    };
    const body = {
      sku: values.sku.trim(),
      units: number('units'),
      startsAt: time('startsAt'),
      endsAt: time('endsAt'),
      perCustomerLimit: number('perCustomerLimit'),
      holdSeconds: number('holdSeconds'),
      ...(number('expectedEntries') !== undefined ? { expectedEntries: number('expectedEntries') } : {}),
    };
    try {
      const { data, error, response } = await api.POST('/v1/shops/{shopId}/admin/flash-sales', {
        params: { path: { shopId }, header: { 'idempotency-key': key } },
        // Sent as typed; what is missing or wrong comes back as the API's field errors.
        body: body as never,
      });
      if (data) {
        route(`/admin/flash-sales/${encodeURIComponent(data.saleId)}`);
        return;
      }
      const problem = problemOf(error, response);
      setKey(idempotencyKey()); // a refused request may be corrected and sent again
      const byField: Partial<Record<Field, string>> = {};
      const rest: string[] = [];
      for (const e of problem.errors ?? []) {
        const field = FIELDS.find((f) => e.path === `body.${f.name}`)?.name;
        if (field) byField[field] = byField[field] ? `${byField[field]}; ${e.message}` : e.message;
        else rest.push(e.path ? `${e.path}: ${e.message}` : e.message);
      }
      if (problem.code === 'sale_exists') byField.sku = problem.detail ?? 'This SKU is already in an open sale.';
      setErrors(byField);
      setFailure(problem.errors?.length ? ['Check the fields marked below.', ...rest].join(' ') : describeProblem(problem));
    } catch {
      setFailure('The shop could not be reached. Try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      aria-labelledby="create-sale"
      class="create-sale"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="create-sale">Create a flash sale</h2>
      {failure && <p role="alert">{failure}</p>}
      {FIELDS.map((field) => {
        const id = `sale-${field.name}`;
        const error = errors[field.name];
        const described = [field.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
        return (
          <p key={field.name} class="field">
            <label for={id}>
              {field.label}
              {field.optional ? ' (optional)' : ''}
            </label>{' '}
            <input
              id={id}
              name={field.name}
              type={field.type}
              value={values[field.name]}
              {...(field.type === 'number' ? { min: 1, step: 1 } : {})}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={described || undefined}
              onInput={(event) => setValues({ ...values, [field.name]: event.currentTarget.value })}
            />
            {field.hint && (
              <small id={`${id}-hint`} class="hint">
                {' '}
                {field.hint}
              </small>
            )}
            {error && (
              <span id={`${id}-error`} class="field-error" style={{ color: '#a00', display: 'block' }}>
                {field.label}: {error}
              </span>
            )}
          </p>
        );
      })}
      <button type="submit" disabled={busy} aria-busy={busy}>
        Create the sale
      </button>
    </form>
  );
}
