/** A wrong answer or option: one clear message naming the value and what is allowed. */
export class InputError extends Error {
  override name = 'InputError';
}
