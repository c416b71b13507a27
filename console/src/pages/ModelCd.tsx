/**
 * Model CD: the ledger (`GET /api/cd-runs?limit=&model=`, the Operator role): each model version, most recently
 * decided first, with the targets its CD rules started (the run's id and link, how many attempts it took) or why CD
 * skipped it.
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { query } from '../api.js';
import { ErrorNotice, Loading, Notice, StatusBadge, TableScroll, When } from '../components/common.js';
import { href, useConsole } from '../context.js';
import { useLoad } from '../load.js';
import { cdVersionListSchema, type CdRun, type CdVersion } from '../schemas.js';

const LIMIT = 100;

/** A run's link, when it is a web address a person can open. */
function openable(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function Run({ run }: { run: CdRun }) {
  const link = openable(run.link);
  return (
    <li>
      <strong>{run.target}</strong> <StatusBadge status={run.status} />{' '}
      {link === undefined ? (run.runId === undefined ? null : <span>run {run.runId}</span>) : <a href={link}>{run.runId === undefined ? 'the run' : `run ${run.runId}`}</a>}
      {run.attempts > 1 ? <span class="hint"> — {run.attempts} attempts</span> : null}
      {run.rule === undefined ? null : <span class="hint"> (rule {run.rule})</span>}
      {run.error === undefined ? null : <p class="hint">{run.error}</p>}
    </li>
  );
}

function VersionRow({ version }: { version: CdVersion }) {
  return (
    <tr>
      <th scope="row">
        {version.modelName} <span class="hint">v{version.modelVersion}</span>
      </th>
      <td title={version.workspaceId}>{version.workspaceName}</td>
      <td>
        <StatusBadge status={version.decision} />
        {version.reason === undefined ? null : <p class="hint">{version.reason}</p>}
      </td>
      <td>
        {version.runs.length === 0 ? (
          <span class="hint">no run</span>
        ) : (
          <ul class="runs">
            {version.runs.map((run) => (
              <Run key={run.target} run={run} />
            ))}
          </ul>
        )}
      </td>
      <td>
        <When at={version.updatedAt} />
      </td>
    </tr>
  );
}

export function ModelCd() {
  const { api } = useConsole();
  const location = useLocation();
  const model = location.query['model'] ?? '';
  const [typed, setTyped] = useState(model);
  const ledger = useLoad(() => api.get(`cd-runs${query({ limit: LIMIT, model })}`, cdVersionListSchema), [model]);
  const versions = ledger.data?.value ?? [];
  const skipped = versions.filter((version) => version.decision === 'Skipped').length;

  const filter = (event: SubmitEvent): void => {
    event.preventDefault();
    location.route(href(`model-cd${query({ model: typed.trim() })}`));
  };

  return (
    <>
      <h1 tabIndex={-1}>Model CD</h1>
      <p class="lead">Each registered model version the app decided on: which CD target it started, with the run, or why it was skipped.</p>
      <form class="card form workspace-form" onSubmit={filter} role="search">
        <div class="field">
          <label for="model">Model name</label>
          <input id="model" name="model" value={typed} onInput={(event) => setTyped((event.currentTarget as HTMLInputElement).value)} aria-describedby="model-hint" />
          <p class="hint" id="model-hint">
            The exact name; leave it empty for every model.
          </p>
        </div>
        <button type="submit">Show</button>
      </form>
      {ledger.error !== undefined ? (
        <ErrorNotice error={ledger.error} title="The model CD ledger could not be read." />
      ) : ledger.data === undefined ? (
        <Loading what="the model CD ledger" />
      ) : versions.length === 0 ? (
        <Notice>{model === '' ? 'No model version has reached the CD yet.' : `No version of ${model} has reached the CD yet.`}</Notice>
      ) : (
        <>
          <p>
            {versions.length} model version{versions.length === 1 ? '' : 's'}, {skipped} skipped.
          </p>
          <TableScroll label="Model versions">
            <table class="table">
              <caption class="visually-hidden">Model versions, most recently decided first</caption>
              <thead>
                <tr>
                  <th scope="col">Model version</th>
                  <th scope="col">Workspace</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Runs</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((version) => (
                  <VersionRow key={`${version.workspaceId}-${version.modelName}-${version.modelVersion}`} version={version} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </>
  );
}
