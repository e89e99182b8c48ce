export * from './message-types';
export * from './protocol-control';
export * from './user-control';
export * from './command';
export * from './data';
export * from './on-status';
export * from './media-message';
export * from './aggregate';
