// The local X-Ray daemon (a UDP listener): shared with the dev server (src/dev/).
export * from '../../src/dev/local-xray-daemon.js';
