/** An environment problem the user can fix: printed as a message, never as a stack trace. */
export class StackError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'StackError';
  }
}
