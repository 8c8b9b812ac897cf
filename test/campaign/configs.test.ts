import { expect, test } from 'vitest';
import { describeViolations, runCampaign, runsFor } from '../support/campaign/campaign.js';
import { configCase, configInput } from '../support/campaign/configs.js';
import { isolateEnvironment } from '../support/campaign/environment.js';

isolateEnvironment();

test('mutated kubeadm configs are refused cleanly or accepted, never crash, hang, leak or write on refusal', async ({ task }) => {
  const figures = await runCampaign({ kind: 'configs', arbitrary: configInput, materialize: configCase, numRuns: runsFor(0.6) });
  task.meta.campaign = figures;
  expect(describeViolations(figures)).toBe('');
});
