/**
 * The app's entry: importing each function file registers it with the Functions host. Nothing
 * here (or in those files' static imports) loads an Azure SDK; they load on first use.
 */
import './functions/amlEvents.js';
import './functions/resourceEvents.js';
import './functions/eventsWebhook.js';
import './functions/complianceSweep.js';
import './functions/sweepSlice.js';
import './functions/sweepSlicePoison.js';
import './functions/computeRequests.js';
import './functions/computeRequestProvisioning.js';
import './functions/computeRequestsExpiry.js';
import './functions/notificationFlush.js';
import './functions/health.js';
import './functions/openapi.js';
import './functions/sweepReports.js';
import './functions/cdRuns.js';
import './functions/monitorAlerts.js';
import './functions/console.js';
