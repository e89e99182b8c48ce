export * from './errors';
export * from './names';
export * from './playback-token';
export * from './edge-api';
export * from './resources';
export * from './playback-urls';
