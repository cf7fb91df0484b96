export { loadConfig, PORT_ENV, REPO_ROOT, type StackConfig } from './config';
export { readDevFile, writeDevFile, DevFile } from './devfile';
export { stackForTests } from './testing';
export { StackError, type StackErrorCode } from './errors';
