/** Start-up failures the user can act on: one line naming the problem and the fix. */
export type StackErrorCode =
  | 'CONFIG_INVALID'
  | 'JAVA_MISSING'
  | 'JAVA_TOO_OLD'
  | 'MAVEN_MISSING'
  | 'DOWNLOAD_FAILED'
  | 'PORT_IN_USE'
  | 'DATABASE_UNREACHABLE'
  | 'DATABASE_PROVISION_FAILED'
  | 'DATABASE_NOT_UTF8'
  | 'DATABASE_IN_USE'
  | 'KAFKA_FAILED'
  | 'REGISTRY_FAILED'
  | 'PROVISION_FAILED'
  | 'ALREADY_RUNNING'
  | 'NOT_RUNNING'
  | 'SERVICE_FAILED'
  | 'MONITORING_FAILED';

export class StackError extends Error {
  override readonly name = 'StackError';
  constructor(
    readonly code: StackErrorCode,
    message: string,
  ) {
    super(message);
  }
}
