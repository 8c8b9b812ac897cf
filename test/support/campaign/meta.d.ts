import type { Figures } from './figures.js';

declare module '@vitest/runner' {
  interface TaskMeta {
    /** A campaign test's figures, for the campaign reporter. */
    campaign?: Figures;
  }
}
