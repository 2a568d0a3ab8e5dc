export * from './errors.js';
export * from './runner/events.js';
export * from './runner/files.js';
export * from './runner/http.js';
export * from './runner/paths.js';
export * from './runner/sync.js';
export * from './runner/terminals.js';
export * from './runner/token.js';
