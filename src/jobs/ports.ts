/** What job governance needs from Azure: the job as ARM has it now, the workspace's active jobs, and Jobs_Cancel. */
import type { WorkspaceReference } from '../events/domainEvent.js';
import type { JobResource } from '../policy/jobRules.js';

export interface JobGateway {
  /** Jobs_Get; `undefined` when the job does not exist. */
  readJob(workspace: WorkspaceReference, name: string): Promise<JobResource | undefined>;
  /** Jobs_List (every page), keeping only jobs that have not finished: the API has no status filter. */
  listActiveJobs(workspace: WorkspaceReference): Promise<JobResource[]>;
  /** Jobs_Cancel, followed to its end. */
  cancelJob(workspace: WorkspaceReference, name: string): Promise<void>;
}
