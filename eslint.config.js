// ESLint (flat config): type-aware typescript-eslint rules for what the compiler does not
// catch - promises nobody awaits or handles, promises passed where a plain value or a void
// callback is expected, and `any` flowing into typed code unchecked - no console output
// from library code, and no TextDecoder that drops a leading U+FEFF from telemetry strings.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/**', 'wasm/**', '**/target/**', 'test/interop/go/**', 'test/interop/collector/**', 'test/otap/cbor-go/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      'no-restricted-syntax': ['error', {
        selector: "NewExpression:matches([callee.name='TextDecoder'], [callee.property.name='TextDecoder']):not([arguments.0.value='latin1']):not(:has(Property[key.name='ignoreBOM'][value.value=true]))",
        message: "A TextDecoder strips a leading U+FEFF unless constructed with { ignoreBOM: true }; strings must round-trip unchanged.",
      }],
    },
  },
  {
    // The library logs through src/log only; the CLI prints to stdout and stderr.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
);
