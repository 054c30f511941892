// The rule-order check is written once, in the generated project's own tests (templates/project/test/
// rule-order.ts, copied into every project as it is), and compiled from there for the generator.
export * from '../templates/project/test/rule-order.js';
