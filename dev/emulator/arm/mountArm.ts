import type { Router } from '../router.js';
import type { ArmServices } from './armServices.js';
import { mount as mountComputes } from './computes.js';
import { mount as mountJobs } from './jobs.js';
import { mount as mountModels } from './models.js';
import { mount as mountOnlineEndpoints } from './onlineEndpoints.js';
import { mount as mountQuota } from './quota.js';
import { mount as mountResourceGraph } from './resourceGraph.js';
import { mount as mountResourceGroups } from './resourceGroups.js';
import { mount as mountTags } from './tags.js';
import { mount as mountWorkspaces } from './workspaces.js';

/** Every Azure Resource Manager route the emulator serves. */
export function mountArm(router: Router, services: ArmServices): void {
  mountResourceGroups(router, services);
  mountWorkspaces(router, services);
  mountComputes(router, services);
  mountModels(router, services);
  mountJobs(router, services);
  mountOnlineEndpoints(router, services);
  mountTags(router, services);
  mountResourceGraph(router, services);
  mountQuota(router, services);
}
