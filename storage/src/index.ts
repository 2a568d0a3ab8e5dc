export { type BrokerLog, StorageBroker } from './broker/storage-broker.js';
export { EMBEDDED_S3_CREDENTIALS, EmbeddedS3, type EmbeddedS3Options } from './embedded/embedded-s3.js';
export { forEachLimit } from './for-each-limit.js';
export { isKeyTooLong, MAX_KEY_BYTES } from './object-keys.js';
export { type ObjectBody, type ObjectMeta, ObjectStore, type ObjectSummary } from './object-store.js';
export { createS3Client, type S3ClientOptions } from './s3-client.js';
export { parseS3Settings, S3_SETTINGS, type S3Settings, s3SettingsToEnv } from './s3-settings.js';
export { StorageError, type StorageErrorKind, toStorageError } from './storage-error.js';
