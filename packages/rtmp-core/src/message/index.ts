export * from './aggregate';
export * from './command';
export * from './data';
export * from './media-message';
export * from './message-types';
export * from './on-status';
export * from './protocol-control';
export * from './user-control';
