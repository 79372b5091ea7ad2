/** The scenario format: AST, text parser and printer, JSON form, and running a scenario on the model. */
export * from './ast.ts';
export * from './convert.ts';
export * from './errors.ts';
export * from './features.ts';
export * from './files.ts';
export * from './json.ts';
export * from './model-run.ts';
export * from './text.ts';
