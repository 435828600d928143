import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, idempotencyKey, type components, type Problem } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { dateTime, ProblemAlert, run } from '../ui';

type ImportStatus = components['schemas']['ImportStatus'];
const POLL_MS = 700;
const EXAMPLE =
  '{"title":"Trail Cap","brand":"Acme","category":"hats","options":[{"name":"color","values":["red"]}],"variants":[{"sku":"CAP-RED","options":{"color":"red"},"price":{"amount":1900,"currency":"USD"}}],"initialStock":{"CAP-RED":10}}';

/**
 * Bulk import: NDJSON, one product per line in the shape of a new product, plus `initialStock`.
 * The upload answers at once; the page then follows the import (…/imports/{importId}) until it
 * is done, with every refused line as the API reports it.
 */
export function ProductImport({ config, importId }: { config: WebConfig; importId?: string }) {
  const { route } = useLocation();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const [sending, setSending] = useState(false);
  /** Kept until the upload is answered, so that sending again after a lost answer is the same import. */
  const [key, setKey] = useState(idempotencyKey());

  async function upload(event: Event) {
    event.preventDefault();
    if (!text.trim()) return setProblem({ status: 400, code: 'validation_failed', detail: 'Paste or choose a file of products, one JSON object per line.' });
    setSending(true);
    const result = await run((signal) =>
      api.POST('/v1/shops/{shopId}/admin/products/imports', {
        signal,
        params: { path: { shopId: config.shopId }, header: { 'idempotency-key': key } },
        body: text,
        bodySerializer: (body: string) => body,
        headers: { 'content-type': 'application/x-ndjson' },
      }),
    );
    setSending(false);
    if (result.problem) return setProblem(result.problem);
    setProblem(undefined);
    setKey(idempotencyKey());
    route(`/admin/products/imports/${encodeURIComponent(result.data.importId)}`);
  }

  return (
    <section>
      <h1>Bulk import</h1>
      {importId && <ImportProgress config={config} importId={importId} />}
      <form onSubmit={(event) => void upload(event)} class="import-form">
        <fieldset>
          <legend>{importId ? 'Another import' : 'Products to import'}</legend>
          <p class="hint">
            One product per line (NDJSON), as a new product plus <code>initialStock</code> per SKU; up to 10,000 lines and 4 MiB. A line whose SKUs are already the shop’s updates that product.
          </p>
          <label>
            Choose a file{' '}
            <input
              type="file"
              accept=".ndjson,.jsonl,.json,.txt,application/x-ndjson"
              onChange={(event) => {
                const file = event.currentTarget.files?.[0];
                if (file) void file.text().then(setText);
              }}
            />
          </label>
          <label>
            Products (one JSON object per line)
            <textarea name="ndjson" rows={8} value={text} placeholder={EXAMPLE} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
        </fieldset>
        <ProblemAlert problem={problem} context="The import was not started" />
        <button type="submit" disabled={sending}>
          Start import
        </button>
      </form>
    </section>
  );
}

function ImportProgress({ config, importId }: { config: WebConfig; importId: string }) {
  const [status, setStatus] = useState<ImportStatus>();
  const [problem, setProblem] = useState<Problem>();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const result = await run((signal) =>
        api.GET('/v1/shops/{shopId}/admin/products/imports/{importId}', {
          signal,
          params: { path: { shopId: config.shopId, importId } },
        }),
      );
      if (stopped) return;
      if (result.problem) setProblem(result.problem);
      else {
        setProblem(undefined);
        setStatus(result.data);
      }
      // A network failure or a 5xx is retried; a 4xx (no such import) is final.
      const again = result.problem ? result.problem.status === 0 || result.problem.status >= 500 : result.data.status === 'running';
      if (again) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [config.shopId, importId]);
  const processed = status ? status.created + status.updated + status.failed : 0;
  return (
    <section aria-labelledby="import-progress" class="panel">
      <h2 id="import-progress">Import {importId}</h2>
      <ProblemAlert problem={problem} context="The import's progress could not be read" />
      {status && (
        <>
          <p role="status">
            {status.status === 'running' ? 'Running' : status.status === 'done' ? 'Done' : 'Failed'}: {processed} of {status.total} lines ({status.created} created, {status.updated} updated,{' '}
            {status.failed} refused). Started {dateTime(status.startedAt)}.
          </p>
          <progress max={status.total || 1} value={processed} aria-label="Import progress">
            {processed} of {status.total}
          </progress>
          {status.errors.length > 0 && (
            <table>
              <caption>Refused lines</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Code</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {status.errors.map((error) => (
                  <tr key={`${error.line}-${error.code}`}>
                    <td>{error.line}</td>
                    <td>
                      <code>{error.code}</code>
                    </td>
                    <td>{error.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
