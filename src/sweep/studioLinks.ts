/**
 * Azure ML studio pages of the resources a sweep report names. The studio opens a workspace from its ARM id in the
 * `wsid` query parameter: Microsoft Learn's "Tutorial: Run a 'Hello world!' Python script"
 * (https://learn.microsoft.com/azure/machine-learning/tutorial-1st-experiment-hello-world) shows the studio links
 * as `https://ml.azure.com/<page>?wsid=/subscriptions/<subscription-id>/resourcegroups/<resource-group>/workspaces/<workspace-name>`,
 * and the azureml-core SDK builds them the same way: `HasWorkspacePortal` (azureml/core/_portal.py) for the
 * workspace's page, `<studio>/compute/<name>/details?wsid=…` (`ComputeInstance._repr_html_`,
 * azureml/core/compute/computeinstance.py) for a compute's. As the app's other studio links do, `wsid` carries the
 * workspace's full ARM id. They are plain links: the report loads nothing from them.
 */
import { AppError } from '../errors.js';

const WORKSPACE_ID = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+)(?:\/|$)/i;

/** The workspace's ARM id within a workspace's or compute's id; `undefined` for anything else (a subscription). */
export function workspaceIdOf(resourceId: string): string | undefined {
  return WORKSPACE_ID.exec(resourceId)?.[1];
}

/** The subscription id within an ARM id. */
export function subscriptionIdOf(resourceId: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1];
}

/** The last segment of an ARM id: the resource's name. */
export function resourceNameOf(resourceId: string): string {
  return resourceId.slice(resourceId.lastIndexOf('/') + 1);
}

/**
 * Percent-encodes everything but RFC 3986's unreserved characters, `( ) ' ! *` included (a resource group may hold
 * parentheses), so the URL can stand in a markdown link or an HTML attribute as it is.
 */
function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

export class StudioLinks {
  readonly #base: string;

  /** `studioUrl`: the studio of the cloud the workspaces live in (`AML_WARDEN_STUDIO_URL`), https only. */
  constructor(studioUrl: string) {
    let parsed: URL;
    try {
      parsed = new URL(studioUrl);
    } catch {
      throw new AppError('BadRequest', `studioUrl: '${studioUrl}' is not a URL`, { target: 'studioUrl' });
    }
    if (parsed.protocol !== 'https:') throw new AppError('BadRequest', `studioUrl: must be an https URL, got '${studioUrl}'`, { target: 'studioUrl' });
    this.#base = studioUrl.replace(/\/+$/, '');
  }

  workspace(workspaceId: string): string {
    return `${this.#base}/?wsid=${encodeComponent(workspaceId)}`;
  }

  compute(workspaceId: string, computeName: string): string {
    return `${this.#base}/compute/${encodeComponent(computeName)}/details?wsid=${encodeComponent(workspaceId)}`;
  }
}
