import { afterAll, expect, test } from 'vitest';
import { describeViolations, runCampaign, runsFor } from '../support/campaign/campaign.js';
import { isolateEnvironment } from '../support/campaign/environment.js';
import { nodeCase, nodeInput, specialInput } from '../support/campaign/node-files.js';
import { nodeTemplate, disposeNodeTemplate } from '../support/campaign/node-state.js';

isolateEnvironment();
afterAll(disposeNodeTemplate);

test('broken node files (cut, garbage, directories, links out of the root, huge) are refused cleanly', async ({ task }) => {
  const node = await nodeTemplate();
  const figures = await runCampaign({ kind: 'node files', arbitrary: nodeInput, materialize: nodeCase(node), numRuns: runsFor(0.025) });
  task.meta.campaign = figures;
  expect(describeViolations(figures)).toBe('');
});

test('FIFOs and links to devices at node paths end within the deadline, in bounded memory', async ({ task }) => {
  const node = await nodeTemplate();
  const figures = await runCampaign({ kind: 'special files', arbitrary: specialInput, materialize: nodeCase(node), numRuns: runsFor(0.002) });
  task.meta.campaign = figures;
  expect(describeViolations(figures)).toBe('');
});
