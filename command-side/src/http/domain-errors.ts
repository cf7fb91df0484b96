/**
 * The one place where a domain error (admin/decide.ts) becomes an HTTP answer: its status (through
 * the error code, `statusOf` in errors.ts) and its message. The decisions themselves know no HTTP.
 */
import type { DomainError } from '../admin/decide';
import { HttpError } from '../errors';

/** 404 NOT_FOUND for what does not exist (or is another owner's), 409 CONFLICT for a taken email or domain. */
export function httpErrorOf(error: DomainError): HttpError {
  switch (error.code) {
    case 'PROJECT_NOT_FOUND':
      return new HttpError('NOT_FOUND', `project ${error.project_id} does not exist`);
    case 'KEY_NOT_FOUND':
      return new HttpError('NOT_FOUND', `key ${error.key_id} does not exist in project ${error.project_id}`);
    case 'EMAIL_TAKEN':
      return new HttpError('CONFLICT', `email ${error.email} is already registered`);
    case 'SESSION_NOT_FOUND':
      return new HttpError('NOT_FOUND', `no session ${error.session_id} of this user`);
    case 'PUBLIC_LINK_NOT_FOUND':
      return new HttpError(
        'NOT_FOUND',
        `public link ${error.link_id} does not exist in project ${error.project_id}`,
      );
    case 'DOMAIN_TAKEN':
      return new HttpError('CONFLICT', `domain ${error.domain} is declared by another project`);
    default: {
      const unreachable: never = error;
      throw new Error(`unknown domain error ${JSON.stringify(unreachable)}`);
    }
  }
}
