import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeViolations, runCampaign, runsFor } from '../support/campaign/campaign.js';
import { discoveryCase, discoveryInput } from '../support/campaign/discovery.js';
import { isolateEnvironment } from '../support/campaign/environment.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';

isolateEnvironment();
let server: HostileServer;
beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(() => server?.close());

test('join discovery against a hostile API server ends within its timeout with a clear refusal', async ({ task }) => {
  const figures = await runCampaign({ kind: 'discovery', arbitrary: discoveryInput, materialize: discoveryCase(server), numRuns: runsFor(0.003) });
  task.meta.campaign = figures;
  expect(describeViolations(figures)).toBe('');
});
