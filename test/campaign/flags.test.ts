import { afterAll, expect, test } from 'vitest';
import { describeViolations, runCampaign, runsFor } from '../support/campaign/campaign.js';
import { flagsCase, flagsInput } from '../support/campaign/flags.js';
import { kubeconfigText, nodeTemplate, disposeNodeTemplate } from '../support/campaign/node-state.js';
import { isolateEnvironment } from '../support/campaign/environment.js';

isolateEnvironment();
afterAll(disposeNodeTemplate);

test('generated command lines are refused cleanly or run, never crash, hang, leak or write on refusal', async ({ task }) => {
  const node = await nodeTemplate();
  const figures = await runCampaign({ kind: 'flags', arbitrary: flagsInput, materialize: flagsCase(node, kubeconfigText(node)), numRuns: runsFor(0.37) });
  task.meta.campaign = figures;
  expect(describeViolations(figures)).toBe('');
});
