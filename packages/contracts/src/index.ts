export * from './edge-api';
export * from './errors';
export * from './names';
export * from './playback-token';
export * from './playback-urls';
export * from './publish-auth';
export * from './resources';
export * from './renditions';
