// Test support shared by the workspace's integration tests (never imported by production code).
export { launchChromium } from './browser/chromium';
export { browserScript, commonJsGraph, type GraphModule, type ImportGraph } from './browser/commonjs-bundle';
export { type TempDir, tempDir } from './fs/temp-dir';
export { createNetnsLab, type NetnsHost, type NetnsLab, netnsUnavailable } from './net/netns';
export { freePort, waitForListener } from './net/ports';
export { killAndWait, PeerProcesses, type PeerResult, run } from './peers/peer-processes';
export { ffmpegClipArgs, makeClip, type TestClip } from './peers/test-clip';
export { type JsonLogProcess, type LogLine, spawnJsonLogProcess } from './services/json-log-process';
export { type ServiceProcess, startService, waitUntilServing } from './services/service-process';
export { DEFAULT_WAIT_MS, type WaitOptions, WaitTimeoutError, waitUntil, withDeadline } from './wait/until';
