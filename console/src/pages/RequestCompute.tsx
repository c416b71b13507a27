/**
 * Request compute: the form comes from `GET /api/compute-requests/options?workspaceId=` (the VM sizes, node range and
 * priorities the policy allows in that workspace, and what the cluster will be given); `POST /api/compute-requests`
 * decides. Whatever the API refuses is shown as it said it, next to the field it names.
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { ApiError, query } from '../api.js';
import { ErrorNotice, Facts, Loading } from '../components/common.js';
import { href, useConsole } from '../context.js';
import { computeRequestOptionsSchema, computeRequestSchema, type ComputeRequestOptions } from '../schemas.js';
import { useLoad } from '../load.js';

const LAST_WORKSPACE = 'aml-warden.console.workspaceId';

function rememberedWorkspace(): string {
  try {
    return window.localStorage.getItem(LAST_WORKSPACE) ?? '';
  } catch {
    return '';
  }
}

function remember(workspaceId: string): void {
  try {
    window.localStorage.setItem(LAST_WORKSPACE, workspaceId);
  } catch {
    // Storage may be off; the form still works.
  }
}

type Field = 'workspaceId' | 'computeName' | 'vmSize' | 'maxNodeCount' | 'vmPriority' | 'justification';
const fields: readonly Field[] = ['workspaceId', 'computeName', 'vmSize', 'maxNodeCount', 'vmPriority', 'justification'];

/** The form field an API error names (`body.vmSize` → `vmSize`), if any. */
function fieldOf(target: string | undefined): Field | undefined {
  const name = target?.replace(/^(body|query)\./, '');
  return fields.find((field) => field === name);
}

function fieldErrors(error: unknown): Partial<Record<Field, string>> {
  if (!(error instanceof ApiError)) return {};
  const errors: Partial<Record<Field, string>> = {};
  const main = fieldOf(error.target);
  if (main !== undefined) errors[main] = error.message;
  for (const detail of error.details) {
    const field = fieldOf(detail.target);
    if (field !== undefined) errors[field] ??= detail.message;
  }
  return errors;
}

function FieldError({ field, errors }: { field: Field; errors: Partial<Record<Field, string>> }) {
  const message = errors[field];
  return message === undefined ? null : (
    <p class="field-error" id={`${field}-error`}>
      {message}
    </p>
  );
}

function describedBy(field: Field, errors: Partial<Record<Field, string>>, hint?: string): string | undefined {
  const ids = [hint, errors[field] === undefined ? undefined : `${field}-error`].filter((id): id is string => id !== undefined);
  return ids.length === 0 ? undefined : ids.join(' ');
}

function WhatTheClusterGets({ options }: { options: ComputeRequestOptions }) {
  return (
    <section aria-labelledby="cluster-gets">
      <h2 id="cluster-gets">What the cluster gets from the policy</h2>
      <Facts
        rows={[
          ['Minimum nodes', `${options.minNodeCount.value}${options.minNodeCount.value === 0 ? ' (scales to zero when idle)' : ''}`],
          ['Idle time before scale-down', options.idleTimeBeforeScaleDown],
          ['Public SSH', options.remoteLoginPortPublicAccess],
          ['Tags', options.requiredTags.length === 0 ? 'none required' : options.requiredTags.map((tag) => `${tag.name}=${tag.value ?? '(not supplied: it will be reported)'}`).join(', ')],
          ['Waits for an approver', `up to ${options.expiresAfter}`],
        ]}
      />
    </section>
  );
}

function RequestForm({ options }: { options: ComputeRequestOptions }) {
  const { api } = useConsole();
  const { route } = useLocation();
  const [error, setError] = useState<unknown>(undefined);
  const [sending, setSending] = useState(false);
  const errors = fieldErrors(error);
  const allowedSizes = options.vmSize.allowed;

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string): string => String(form.get(name) ?? '');
    const nodes = text('maxNodeCount').trim();
    setSending(true);
    setError(undefined);
    try {
      const created = await api.post(
        'compute-requests',
        {
          workspaceId: options.workspace.id,
          computeName: text('computeName'),
          vmSize: text('vmSize'),
          // Sent as typed: the API names what is wrong with it.
          ...(nodes === '' ? {} : { maxNodeCount: Number(nodes) }),
          vmPriority: text('vmPriority'),
          justification: text('justification'),
        },
        computeRequestSchema,
      );
      route(href(`requests/${encodeURIComponent(created.id)}?filed=1`));
    } catch (caught) {
      setError(caught);
      setSending(false);
    }
  };

  return (
    <form class="card form" onSubmit={submit} aria-describedby={error === undefined ? undefined : 'request-error'} noValidate>
      <h2>The request</h2>
      {error === undefined ? null : (
        <div id="request-error">
          <ErrorNotice error={error} title="The request was not filed." />
        </div>
      )}
      <div class="field">
        <label for="computeName">Compute name</label>
        <input
          id="computeName"
          name="computeName"
          autoComplete="off"
          aria-invalid={errors.computeName === undefined ? undefined : 'true'}
          aria-describedby={describedBy('computeName', errors, 'computeName-hint')}
        />
        <p class="hint" id="computeName-hint">
          3–24 letters, digits and hyphens, starting with a letter.
        </p>
        <FieldError field="computeName" errors={errors} />
      </div>
      <div class="field">
        <label for="vmSize">VM size</label>
        {allowedSizes === null ? (
          <input id="vmSize" name="vmSize" aria-invalid={errors.vmSize === undefined ? undefined : 'true'} aria-describedby={describedBy('vmSize', errors)} />
        ) : (
          <select id="vmSize" name="vmSize" aria-invalid={errors.vmSize === undefined ? undefined : 'true'} aria-describedby={describedBy('vmSize', errors)}>
            {allowedSizes.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        )}
        <FieldError field="vmSize" errors={errors} />
      </div>
      <div class="field">
        <label for="maxNodeCount">Maximum nodes</label>
        <input
          id="maxNodeCount"
          name="maxNodeCount"
          type="number"
          inputMode="numeric"
          min={options.maxNodeCount.minimum}
          max={options.maxNodeCount.maximum}
          defaultValue={String(Math.min(2, options.maxNodeCount.maximum))}
          aria-invalid={errors.maxNodeCount === undefined ? undefined : 'true'}
          aria-describedby={describedBy('maxNodeCount', errors, 'maxNodeCount-hint')}
        />
        <p class="hint" id="maxNodeCount-hint">
          From {options.maxNodeCount.minimum} to {options.maxNodeCount.maximum} in this workspace.
        </p>
        <FieldError field="maxNodeCount" errors={errors} />
      </div>
      <fieldset class="field" aria-describedby={describedBy('vmPriority', errors)}>
        <legend>Priority</legend>
        {options.vmPriority.allowed.map((priority) => (
          <label key={priority} class="choice">
            <input type="radio" name="vmPriority" value={priority} defaultChecked={priority === options.vmPriority.default} /> {priority}
          </label>
        ))}
        <FieldError field="vmPriority" errors={errors} />
      </fieldset>
      <div class="field">
        <label for="justification">Justification</label>
        <textarea
          id="justification"
          name="justification"
          rows={4}
          aria-invalid={errors.justification === undefined ? undefined : 'true'}
          aria-describedby={describedBy('justification', errors, 'justification-hint')}
        />
        <p class="hint" id="justification-hint">
          Approvers read this.
        </p>
        <FieldError field="justification" errors={errors} />
      </div>
      <button type="submit" class="primary" disabled={sending}>
        {sending ? 'Filing…' : 'File the request'}
      </button>
    </form>
  );
}

export function RequestCompute() {
  const { api } = useConsole();
  const location = useLocation();
  const initial = location.query['workspaceId'] ?? rememberedWorkspace();
  const [workspaceId, setWorkspaceId] = useState(initial);
  const [typed, setTyped] = useState(initial);
  const options = useLoad(
    async () => (workspaceId === '' ? undefined : api.get(`compute-requests/options${query({ workspaceId })}`, computeRequestOptionsSchema)),
    [workspaceId],
  );

  const choose = (event: SubmitEvent): void => {
    event.preventDefault();
    const chosen = typed.trim();
    remember(chosen);
    if (chosen === workspaceId) options.reload();
    else setWorkspaceId(chosen);
  };

  return (
    <>
      <h1 tabIndex={-1}>Request compute</h1>
      <p class="lead">Ask for a cluster in a workspace. Someone other than you approves it; the app then builds it to the policy.</p>
      <form class="card form workspace-form" onSubmit={choose}>
        <div class="field">
          <label for="workspaceId">Workspace</label>
          <input
            id="workspaceId"
            name="workspaceId"
            value={typed}
            onInput={(event) => setTyped((event.currentTarget as HTMLInputElement).value)}
            placeholder="/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…"
            spellcheck={false}
            aria-describedby="workspaceId-hint"
          />
          <p class="hint" id="workspaceId-hint">
            The workspace's Azure resource ID (its Properties page in the Azure portal shows it).
          </p>
        </div>
        <button type="submit">Show what the policy allows</button>
      </form>
      {workspaceId === '' ? null : options.loading && options.data === undefined ? (
        <Loading what="what the policy allows" />
      ) : options.error !== undefined ? (
        <ErrorNotice error={options.error} title="This workspace's options could not be read." />
      ) : options.data === undefined ? null : (
        <div class="columns">
          <div>
            <p class="workspace-summary">
              Workspace <strong>{options.data.workspace.name}</strong> in {options.data.workspace.resourceGroup}
              {options.data.workspace.location === null ? '' : ` (${options.data.workspace.location})`}
              {options.data.workspace.environment === null ? '' : `, environment ${options.data.workspace.environment}`}
            </p>
            <RequestForm key={options.data.workspace.id} options={options.data} />
          </div>
          <WhatTheClusterGets options={options.data} />
        </div>
      )}
    </>
  );
}
