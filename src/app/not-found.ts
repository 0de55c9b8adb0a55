import { NotFoundError } from '../domain/errors.js';

export function notFound(message: string): never {
  throw new NotFoundError(message);
}
