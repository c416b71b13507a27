import type { WorkspaceReference } from '../events/domainEvent.js';
import type { RunRecord } from './ports.js';

/** The studio page of a job: the link Azure ML reports (when it is https), or one built from the workspace id. */
export function studioRunLink(studioUrl: string, workspace: WorkspaceReference, job: Pick<RunRecord, 'name' | 'studioEndpoint'> | { readonly name: string; readonly studioEndpoint?: undefined }): string {
  if (job.studioEndpoint !== undefined && /^https:\/\//i.test(job.studioEndpoint)) return job.studioEndpoint;
  return `${studioUrl}/runs/${encodeURIComponent(job.name)}?wsid=${encodeURIComponent(workspace.id)}`;
}
