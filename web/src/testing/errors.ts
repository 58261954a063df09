/** An Error with a DOM-style name (`NotAllowedError`, …), as getUserMedia rejects with. */
export function namedError(name: string, message = 'x'): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
