/** Manifest changes shown as unified diffs, the same for `bosun upgrade diff` and `bosun upgrade apply --dry-run`. */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

export const DEFAULT_CONTEXT_LINES = 3;

/** A unified diff of a file's current and new text; empty when they are the same. */
export function fileDiff(file: string, current: string | undefined, next: string, contextLines = DEFAULT_CONTEXT_LINES): string {
  if (current === next) return '';
  return createTwoFilesPatch(file, file, current ?? '', next, current === undefined ? '(absent)' : 'current', 'new', {
    context: contextLines,
    headerOptions: FILE_HEADERS_ONLY,
  });
}
