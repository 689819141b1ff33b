export * from './ast.ts'
export * from './parse.ts'
export * from './build.ts'
