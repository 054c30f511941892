// The local X-Ray API stand-in as `npm run traces` tests use it: started per test, stopped after the file, with the
// environment that points the real @aws-sdk/client-xray at it (test credentials, no AWS config, no instance metadata).
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { LocalXRayApi, type FixtureTrace } from '../../src/local/local-xray-api.js';

const started: LocalXRayApi[] = [];
afterAll(async () => {
  await Promise.all(started.map((api) => api.stop()));
});

const noAwsConfig = path.join(os.tmpdir(), 'traced-api-test-no-aws-config');

/** The environment of a run with no AWS credentials or configuration at all (and no instance metadata to ask). */
export const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: noAwsConfig,
  AWS_SHARED_CREDENTIALS_FILE: noAwsConfig,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
  AWS_WEB_IDENTITY_TOKEN_FILE: '',
};

export async function startXRayStandIn(traces: FixtureTrace[]) {
  const api = await LocalXRayApi.start(traces);
  started.push(api);
  const env = { ...NO_CREDENTIALS, AWS_ENDPOINT_URL_XRAY: api.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  return { api, env };
}
