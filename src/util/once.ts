/** Memoises an async step: computed on first use and shared afterwards; a failed step is tried again on the next call. */
export function once<A extends unknown[], T>(step: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let result: Promise<T> | undefined;
  return (...args) => {
    result ??= step(...args).catch((err) => {
      result = undefined;
      throw err;
    });
    return result;
  };
}
