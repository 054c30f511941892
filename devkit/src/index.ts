// traced-api-devkit's pure part: the routes contract (the one reader of openapi/openapi.yaml) and the
// project's settings. The generator, the dev server, `npm run traces` and the project's tests share it.
export * from './contract/routes.js';
export * from './contract/project.js';
export * from './contract/rule-order.js';
export * from './terminal/text.js';
